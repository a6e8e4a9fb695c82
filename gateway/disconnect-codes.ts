/**
 * Why the gateway closes a connection on purpose. Each code goes to the client in a
 * DisconnectReply (op 6, JSON `{code, message, reconnect, retryAfterMs?}`) just before
 * the close; `reconnect` tells the client whether to come back (centrifuge's
 * Disconnect{Code, Reason, Reconnect}), so clients need not infer it from the code. What
 * each code means and what a client does: docs/GATEWAY.md, "Disconnect codes".
 */
export type DisconnectCode =
  | 'UNAUTHORIZED'
  | 'PROTOCOL_ERROR'
  | 'HANDSHAKE_TIMEOUT'
  | 'HEARTBEAT_TIMEOUT'
  | 'SLOW_CONSUMER'
  | 'SERVER_SHUTDOWN'
  | 'OVERLOADED'
  | 'RATE_LIMITED'
  | 'TOO_MANY_CONNECTIONS'
  | 'TOKEN_EXPIRED'
  | 'MAX_AGE'
  | 'RESYNC'
  | 'CLOSED_BY_SERVER';

/** Whether a client closed with each code should reconnect. */
export const RECONNECT: Record<DisconnectCode, boolean> = {
  UNAUTHORIZED: false,
  PROTOCOL_ERROR: false,
  HANDSHAKE_TIMEOUT: true,
  HEARTBEAT_TIMEOUT: true,
  SLOW_CONSUMER: true,
  SERVER_SHUTDOWN: true,
  OVERLOADED: true,
  RATE_LIMITED: true,
  TOO_MANY_CONNECTIONS: true,
  TOKEN_EXPIRED: true,
  MAX_AGE: true,
  RESYNC: true,
  CLOSED_BY_SERVER: false,
};

/** A reason to close a connection, sent to the client in a DisconnectReply. */
export interface DisconnectReason {
  code: DisconnectCode;
  message: string;
  reconnect: boolean;
  /** Wait at least this long before reconnecting (OVERLOADED, RATE_LIMITED, TOO_MANY_CONNECTIONS, RESYNC of many connections). */
  retryAfterMs?: number;
}

/** A DisconnectReason with `reconnect` filled from the code. */
export function disconnectReason(code: DisconnectCode, message: string, retryAfterMs?: number): DisconnectReason {
  return { code, message, reconnect: RECONNECT[code], ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
