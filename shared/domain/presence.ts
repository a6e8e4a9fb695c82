import type { Deps } from './deps.js';
import type { ConnectionKind } from './model.js';
import { mapLimit } from './pool.js';

type PresenceDeps = Pick<Deps, 'sessions' | 'clock'>;

/** Session reads in flight at once for one presence query. */
const READ_CONCURRENCY = 8;

/** One live connection as presence shows it (`key`: its connection id). */
export interface PresenceConnection {
  key: string;
  kind: ConnectionKind;
  device: string;
  platform: string;
  rooms: string[];
  connectedAt: number;
}

/** A user's live connections (on the WebSocket API and the gateway), with device, platform and rooms. */
export async function userPresence(deps: PresenceDeps, uid: string): Promise<{ uid: string; online: boolean; connections: PresenceConnection[] }> {
  const now = deps.clock.now();
  const refs = await deps.sessions.byUser(uid, now);
  const sessions = await mapLimit(refs, READ_CONCURRENCY, (ref) => deps.sessions.get(ref.connectionId, now));
  const connections = sessions
    .filter((s) => s !== undefined)
    .map((s) => ({ key: s.connectionId, kind: s.kind, device: s.device, platform: s.platform, rooms: s.rooms, connectedAt: s.connectedAt }));
  return { uid, online: connections.length > 0, connections };
}

/** Live connections in each room, in the order asked. */
export async function roomsOnline(deps: PresenceDeps, rids: readonly string[]): Promise<number[]> {
  const now = deps.clock.now();
  return mapLimit(rids, READ_CONCURRENCY, (rid) => deps.sessions.roomCount(rid, now));
}

/** Live connections and distinct users in total, exact at the time of the call. */
export async function onlineTotals(deps: PresenceDeps): Promise<{ connections: number; users: number }> {
  const { connections, users } = await deps.sessions.liveCounts(deps.clock.now());
  return { connections, users };
}

/**
 * The busiest rooms among those `name` gives a name to (undefined: left out), at most
 * `limit`, by live connections (most first), then by name.
 */
export async function topRooms(deps: PresenceDeps, name: (rid: string) => string | undefined, limit: number): Promise<{ name: string; count: number }[]> {
  const { rooms } = await deps.sessions.liveCounts(deps.clock.now());
  return [...rooms]
    .flatMap(([rid, count]) => {
      const named = name(rid);
      return named === undefined ? [] : [{ name: named, count }];
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, limit);
}
