import type { Deps } from './deps.js';
import type { ConnectionKind, Session } from './model.js';

export interface ConnectInput {
  connectionId: string;
  uid: string;
  endpoint: string;
  kind: ConnectionKind;
  device?: string | undefined;
  platform?: string | undefined;
  accepts?: number[] | undefined;
  /** Rooms joined in the same write (a goim Auth's `room_id`). */
  rooms?: string[] | undefined;
  /** Session lifetime; default `settings.sessionTtlSeconds`. */
  ttlSeconds?: number | undefined;
}

/**
 * Registers a live connection (one session write: the session, its user routing item and
 * its first rooms together); it is reachable for delivery once this resolves.
 */
export async function connect(deps: Pick<Deps, 'sessions' | 'clock' | 'settings'>, input: ConnectInput): Promise<Session> {
  const now = deps.clock.now();
  const session: Session = {
    connectionId: input.connectionId,
    uid: input.uid,
    endpoint: input.endpoint,
    kind: input.kind,
    device: input.device || input.connectionId,
    platform: input.platform || 'unknown',
    rooms: input.rooms ?? [],
    ...(input.accepts ? { accepts: input.accepts } : {}),
    connectedAt: now,
    expiresAt: Math.floor(now / 1000) + (input.ttlSeconds ?? deps.settings.sessionTtlSeconds),
  };
  await deps.sessions.put(session);
  return session;
}

/**
 * Forgets a connection (idempotent). A caller that holds the session (a gateway task)
 * passes it, so nothing is read first: one write.
 */
export async function disconnect(deps: Pick<Deps, 'sessions'>, connectionId: string, known?: Session): Promise<void> {
  await deps.sessions.remove(connectionId, known);
}
