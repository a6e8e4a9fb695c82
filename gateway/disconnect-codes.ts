/**
 * Why the gateway closes a connection on purpose. Each code goes to the client in a
 * DisconnectReply (op 6, JSON `{code, message}`) just before the close, and tells it
 * whether to reconnect:
 *
 * | code              | reconnect?                                          |
 * |-------------------|-----------------------------------------------------|
 * | UNAUTHORIZED      | no, not with the same token                          |
 * | PROTOCOL_ERROR    | no, not before fixing the client (bad packet)        |
 * | HANDSHAKE_TIMEOUT | yes, and send Auth first                             |
 * | HEARTBEAT_TIMEOUT | yes, and heartbeat more often                        |
 * | SLOW_CONSUMER     | yes, with backoff; then `sync` what was missed       |
 * | SERVER_SHUTDOWN   | yes, at once (another task takes the connection)     |
 * | CLOSED_BY_SERVER  | only if the application says so (DELETE @connections)|
 */
export type DisconnectCode =
  | 'UNAUTHORIZED'
  | 'PROTOCOL_ERROR'
  | 'HANDSHAKE_TIMEOUT'
  | 'HEARTBEAT_TIMEOUT'
  | 'SLOW_CONSUMER'
  | 'SERVER_SHUTDOWN'
  | 'CLOSED_BY_SERVER';

/** A reason to close a connection, sent to the client in a DisconnectReply. */
export interface DisconnectReason {
  code: DisconnectCode;
  message: string;
}
