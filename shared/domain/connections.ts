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
}

/** Registers a live connection; it is reachable for delivery once this resolves. */
export async function connect(deps: Pick<Deps, 'sessions' | 'clock' | 'config'>, input: ConnectInput): Promise<Session> {
  const now = deps.clock.now();
  const session: Session = {
    connectionId: input.connectionId,
    uid: input.uid,
    endpoint: input.endpoint,
    kind: input.kind,
    device: input.device || input.connectionId,
    platform: input.platform || 'unknown',
    rooms: [],
    ...(input.accepts ? { accepts: input.accepts } : {}),
    connectedAt: now,
    expiresAt: Math.floor(now / 1000) + deps.config.EDGEIM_SESSION_TTL_SECONDS,
  };
  await deps.sessions.put(session);
  return session;
}

/** Forgets a connection (idempotent). */
export async function disconnect(deps: Pick<Deps, 'sessions'>, connectionId: string): Promise<void> {
  await deps.sessions.remove(connectionId);
}
