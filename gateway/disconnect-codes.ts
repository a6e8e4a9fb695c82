/**
 * Why the gateway closes a connection on purpose. Each code goes to the client in a
 * DisconnectReply (op 6, JSON `{code, message, reconnect, retryAfterMs?}`) just before
 * the close. `reconnect` tells the client whether to come back (centrifuge's
 * Disconnect{Code, Reason, Reconnect}); clients need not infer it from the code.
 *
 * | code              | reconnect | how                                               |
 * |-------------------|-----------|---------------------------------------------------|
 * | UNAUTHORIZED      | false     | not with the same token                           |
 * | PROTOCOL_ERROR    | false     | not before fixing the client (bad packet)         |
 * | HANDSHAKE_TIMEOUT | true      | and send Auth first                               |
 * | HEARTBEAT_TIMEOUT | true      | and heartbeat more often                          |
 * | SLOW_CONSUMER     | true      | with backoff; then `sync` what was missed         |
 * | SERVER_SHUTDOWN   | true      | with jitter (another task takes the connection)   |
 * | OVERLOADED        | true      | after `retryAfterMs`, with jitter                 |
 * | RATE_LIMITED      | true      | after `retryAfterMs`; the client sent (or holds) too much |
 * | TOO_MANY_CONNECTIONS | true   | after `retryAfterMs`: the user holds too many connections on this task |
 * | TOKEN_EXPIRED     | true      | with a fresh token (the SDK calls `refreshToken('expired')` first) |
 * | MAX_AGE           | true      | at once: the connection reached its age cap (as API Gateway's 2 h) |
 * | RESYNC            | true      | then `sync`: this task's sessions were dropped while it did not answer the job (docs/GATEWAY.md) |
 * | CLOSED_BY_SERVER  | false     | only if the application says so (DELETE @connections) |
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
