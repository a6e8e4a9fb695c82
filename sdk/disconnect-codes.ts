/**
 * The goim DisconnectReply codes the SDK acts on by name (the full table, with each code's
 * `reconnect`, is docs/PROTOCOL.md#gateway-goim-protocol). The client follows a reply's
 * `reconnect` flag for every code; these few also pick the error it reports. A test keeps
 * them equal to the gateway's codes.
 */
export const DisconnectCode = {
  /** The token was refused: refresh it, then connect again. */
  Unauthorized: 'UNAUTHORIZED',
  /** The token expired while connected: refresh it, then reconnect. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The server heard nothing for too long: the heartbeat interval was too long for this network. */
  HeartbeatTimeout: 'HEARTBEAT_TIMEOUT',
  /** The peer broke the protocol; the SDK also closes with it when it cannot read a packet. */
  ProtocolError: 'PROTOCOL_ERROR',
  /** The code the SDK reads a DisconnectReply without a code as. */
  ClosedByServer: 'CLOSED_BY_SERVER',
} as const;

/** One of the codes above. */
export type DisconnectCode = (typeof DisconnectCode)[keyof typeof DisconnectCode];

/**
 * The codes after which a server that predates the `reconnect` flag meant "do not come
 * back" (the SDK's reading of such a reply then; every other code reconnects).
 */
export const NO_RECONNECT_WITHOUT_FLAG: ReadonlySet<string> = new Set<DisconnectCode>([DisconnectCode.Unauthorized, DisconnectCode.ProtocolError]);
