import type { ConnectionRef, Session } from '../../shared/domain/model.js';
import type { LiveCounts, ReadConsistency, SessionStore } from '../../shared/domain/ports/session-store.js';
import { Channel, ChannelState } from '../../gateway/channel.js';
import { GatewaySessions } from '../../gateway/gateway-sessions.js';
import { LocalRooms } from '../../gateway/rooms.js';

/** How long the gateway caches a room's count by default (gateway/options.ts, roomCountTtlMs). */
const ROOM_COUNT_TTL_MS = 1000;
const ENDPOINT = 'http://10.0.0.1:3180';

/** A connection the task holds, without a socket. */
class HeldChannel extends Channel {
  readonly transport = 'ws' as const;
  buffered(): number {
    return 0;
  }
  writeOne(): void {}
  writeMany(): void {}
  end(): void {}
  destroy(): void {}
  remoteAddress(): string {
    return '127.0.0.1';
  }
}

/**
 * The gateway's session layer (GatewaySessions: the sessions as a task's own calls see
 * them, with room counts cached and held connections answered from memory) over `inner`,
 * in a task that holds every connection whose session is put through it, as a gateway
 * task holds the connections it writes sessions for: the channel opens with its session
 * and is forgotten when the session is removed. Sessions given to it should name
 * `heldBy` (the task's endpoint, kind `gateway`), as a task's own sessions do.
 *
 * This is the one place the contract suite builds the layer, so a change to how the
 * gateway constructs it (or keeps its connections) is made here only.
 */
export function gatewaySessionLayer(inner: SessionStore): { store: SessionStore; heldBy: { endpoint: string; kind: 'gateway' } } {
  const channels = new Map<string, Channel>();
  const rooms = new LocalRooms();
  const layer = new GatewaySessions(inner, { endpoint: ENDPOINT, channel: (id) => channels.get(id) }, rooms, ROOM_COUNT_TTL_MS);

  /** What the gateway does when a connection authenticates (or its session is renewed): the channel mirrors the session. */
  const hold = (s: Session) => {
    if (s.kind !== 'gateway' || s.endpoint !== ENDPOINT) return; // another task's, or API Gateway's
    const prior = channels.get(s.connectionId);
    for (const rid of prior?.rooms ?? []) rooms.remove(rid, prior!);
    const ch = new HeldChannel(s.connectedAt);
    Object.assign(ch, { id: s.connectionId, uid: s.uid, device: s.device, platform: s.platform, connectedAt: s.connectedAt, expiresAt: s.expiresAt });
    ch.rooms = [...s.rooms];
    ch.accepts = s.accepts ? new Set(s.accepts) : null;
    ch.state = ChannelState.Open;
    channels.set(s.connectionId, ch);
    for (const rid of s.rooms) rooms.add(rid, ch);
  };
  /** What the gateway does when a connection closes. */
  const forget = (connectionId: string) => {
    const ch = channels.get(connectionId);
    if (!ch) return;
    ch.state = ChannelState.Closed;
    channels.delete(connectionId);
    for (const rid of ch.rooms) rooms.remove(rid, ch);
  };

  const store: SessionStore = {
    put: async (s: Session) => {
      await layer.put(s);
      hold(s);
    },
    renew: async (s: Session) => {
      await layer.renew(s);
      hold(s);
    },
    remove: async (id: string, known?: Session) => {
      forget(id);
      return layer.remove(id, known);
    },
    get: (id: string, nowMs: number) => layer.get(id, nowMs),
    byUser: (uid: string, nowMs: number, consistency?: ReadConsistency): Promise<ConnectionRef[]> => layer.byUser(uid, nowMs, consistency),
    joinRoom: (id: string, rid: string, nowMs: number, maxRooms?: number) => layer.joinRoom(id, rid, nowMs, maxRooms),
    leaveRoom: (id: string, rid: string, nowMs: number) => layer.leaveRoom(id, rid, nowMs),
    roomMembers: (rid: string, nowMs: number) => layer.roomMembers(rid, nowMs),
    roomCount: (rid: string, nowMs: number) => layer.roomCount(rid, nowMs),
    scanLive: (nowMs: number, page: { limit: number; cursor?: string | undefined }) => layer.scanLive(nowMs, page),
    liveCounts: (nowMs: number): Promise<LiveCounts> => layer.liveCounts(nowMs),
    fenceEndpoint: (endpoint: string, atMs: number, expiresAt: number) => layer.fenceEndpoint(endpoint, atMs, expiresAt),
    endpointFence: (endpoint: string, nowMs: number) => layer.endpointFence(endpoint, nowMs),
    clearFence: (endpoint: string, atMs: number) => layer.clearFence(endpoint, atMs),
  };
  return { store, heldBy: { endpoint: ENDPOINT, kind: 'gateway' } };
}
