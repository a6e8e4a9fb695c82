/**
 * goim operation codes: goim v2's ops 0–17 unchanged, edgeim's additions 18–27, and
 * business ops (>= 1000) named by push API callers.
 */
export const Op = {
  Handshake: 0,
  HandshakeReply: 1,
  Heartbeat: 2,
  /** Body: int32 online count of the connection's first room (0 if none). */
  HeartbeatReply: 3,
  SendMsg: 4,
  SendMsgReply: 5,
  /** Sent before the server closes a connection on purpose. */
  DisconnectReply: 6,
  Auth: 7,
  AuthReply: 8,
  /** A batch of complete inner packets (wrapped on WebSocket, concatenated on TCP). */
  Raw: 9,
  ProtoReady: 10,
  ProtoFinish: 11,
  ChangeRoom: 12,
  ChangeRoomReply: 13,
  Sub: 14,
  SubReply: 15,
  Unsub: 16,
  UnsubReply: 17,
  Sync: 18,
  SyncReply: 19,
  Ack: 20,
  AckReply: 21,
  Join: 22,
  Leave: 23,
  JoinReply: 24,
  LeaveReply: 25,
  Message: 26,
  Notify: 27,
} as const;

/** Name of a known op. */
export type OpName = keyof typeof Op;
/** Numeric code of a known op. */
export type KnownOp = (typeof Op)[OpName];

/**
 * The business op range, the one definition every edge uses (gateway `accepts`, push API,
 * push jobs): pushes carry ops from MIN_BUSINESS_OP up to int32 max; lower ops are the
 * protocol's own.
 */
export const MIN_BUSINESS_OP = 1000;
/** Largest business op: goim's op is an int32. */
export const MAX_BUSINESS_OP = 0x7fffffff;

/** True for a business op: an integer in [MIN_BUSINESS_OP, MAX_BUSINESS_OP]. */
export function isBusinessOp(op: number): boolean {
  return Number.isInteger(op) && op >= MIN_BUSINESS_OP && op <= MAX_BUSINESS_OP;
}

const names: ReadonlyMap<number, OpName> = new Map(
  (Object.entries(Op) as [OpName, number][]).map(([name, code]) => [code, name]),
);

/** Readable op for logs: `Heartbeat`, `business(1001)` or `unknown(42)`. */
export function opName(op: number): string {
  const name = names.get(op);
  if (name !== undefined) return name;
  return isBusinessOp(op) ? `business(${op})` : `unknown(${op})`;
}
