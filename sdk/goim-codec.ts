/**
 * goim's packet format with Uint8Array and DataView only (runs in browsers and Node):
 * a 16-byte big-endian header `packLen int32, headerLen int16 (16), ver int16, op int32,
 * seq int32`, then the body.
 */
import { encodeUtf8 } from './utf8.js';

/** Header size of every goim packet. */
export const GOIM_HEADER = 16;
/**
 * Largest packet the SDK reads: a larger header is a broken stream. The gateway writes no
 * packet above its per-connection outbound bound (EDGEIM_GATEWAY_MAX_OUTBOUND_BYTES,
 * default 4 MiB), and a `sync` reply alone can pass 1 MiB; 16 MiB leaves room for a
 * raised bound.
 */
export const GOIM_MAX_PACKET = 16 << 20;

/** The goim ops the SDK uses (docs/PROTOCOL.md#gateway-goim-protocol); a test keeps them equal to the server's. */
export const GoimOp = {
  Heartbeat: 2,
  HeartbeatReply: 3,
  SendMsg: 4,
  SendMsgReply: 5,
  DisconnectReply: 6,
  Auth: 7,
  AuthReply: 8,
  Raw: 9,
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

/** Smallest business op: transient pushes carry ops from here up (goim `accepts`). */
export const GOIM_MIN_BUSINESS_OP = 1000;

/** One decoded packet; `body` is a view into the bytes it was read from. */
export interface GoimPacket {
  ver: number;
  op: number;
  seq: number;
  body: Uint8Array;
}

/**
 * Encodes one packet.
 *
 * @example
 * socket.send(encodePacket(GoimOp.Heartbeat, 7));
 */
export function encodePacket(op: number, seq: number, body: Uint8Array | string = new Uint8Array(0), ver = 1): Uint8Array {
  const bytes = typeof body === 'string' ? encodeUtf8(body) : body;
  const out = new Uint8Array(GOIM_HEADER + bytes.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, out.length);
  view.setInt16(4, GOIM_HEADER);
  view.setInt16(6, ver);
  view.setInt32(8, op);
  view.setInt32(12, seq);
  out.set(bytes, GOIM_HEADER);
  return out;
}

/** A header that cannot be a goim packet. */
export class GoimFramingError extends Error {
  override name = 'GoimFramingError';
}

/**
 * Reassembles packets from a byte stream (TCP chunks, or whole WebSocket messages):
 * push chunks in, get complete packets out. Op-9 batches are unwrapped.
 *
 * @example
 * const reader = new GoimStreamReader();
 * socket.on('data', (chunk) => { for (const p of reader.push(chunk)) handle(p); });
 */
export class GoimStreamReader {
  private buf: Uint8Array = new Uint8Array(0);

  /** Adds bytes; returns every packet completed by them, batches flattened. */
  push(chunk: Uint8Array): GoimPacket[] {
    this.buf = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const out: GoimPacket[] = [];
    let offset = 0;
    while (this.buf.length - offset >= GOIM_HEADER) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset + offset, GOIM_HEADER);
      const packLen = view.getInt32(0);
      if (view.getInt16(4) !== GOIM_HEADER || packLen < GOIM_HEADER || packLen > GOIM_MAX_PACKET) {
        throw new GoimFramingError(`bad goim header (packLen ${packLen}, headerLen ${view.getInt16(4)})`);
      }
      if (this.buf.length - offset < packLen) break;
      const packet: GoimPacket = {
        ver: view.getInt16(6),
        op: view.getInt32(8),
        seq: view.getInt32(12),
        body: this.buf.subarray(offset + GOIM_HEADER, offset + packLen),
      };
      offset += packLen;
      if (packet.op === GoimOp.Raw) out.push(...new GoimStreamReader().push(packet.body.slice()));
      else out.push(packet);
    }
    this.buf = offset === this.buf.length ? new Uint8Array(0) : this.buf.slice(offset);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
