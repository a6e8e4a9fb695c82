import {
  checkHeader,
  DEFAULT_MAX_BODY,
  encodeInto,
  HEADER_SIZE,
  ProtocolError,
  readPacketAt,
  writeHeader,
  type Packet,
} from './packet.js';
import { Op } from './ops.js';

/**
 * Raw (op 9) batches. goim sends them differently per transport and its clients
 * depend on it: on TCP the inner packets go out back to back with no outer header;
 * on WebSocket one message carries an op-9 header around them.
 */

/** Bytes needed to encode `packets` back to back (without an outer header). */
export function concatenatedLength(packets: readonly Packet[]): number {
  let total = 0;
  for (const p of packets) total += HEADER_SIZE + p.body.length;
  return total;
}

/** Encodes `packets` back to back into a new Buffer: the TCP form of a batch. */
export function encodeConcatenated(packets: readonly Packet[]): Buffer {
  const buf = Buffer.allocUnsafe(concatenatedLength(packets));
  let off = 0;
  for (const p of packets) off += encodeInto(buf, off, p.ver, p.op, p.seq, p.body);
  return buf;
}

/**
 * Encodes `packets` as one op-9 packet whose body is the inner packets back to back:
 * the WebSocket form of a batch. The outer ver and seq default to goim's 1 and 0.
 */
export function encodeRawBatch(packets: readonly Packet[], ver = 1, seq = 0): Buffer {
  const bodyLen = concatenatedLength(packets);
  const buf = Buffer.allocUnsafe(HEADER_SIZE + bodyLen);
  writeHeader(buf, 0, bodyLen, ver, Op.Raw, seq);
  let off = HEADER_SIZE;
  for (const p of packets) off += encodeInto(buf, off, p.ver, p.op, p.seq, p.body);
  return buf;
}

/**
 * Walks the inner packets of an op-9 body (the body only, not the outer header).
 * Bodies are views of `body`. Each inner header is checked as on the stream
 * (ProtocolError BAD_PACK_LEN, TOO_LARGE, BAD_HEADER_LEN); a packet cut short by the
 * end of `body` is TRUNCATED.
 */
export function decodeRawBatch(body: Uint8Array, maxBody: number = DEFAULT_MAX_BODY): Packet[] {
  const packets: Packet[] = [];
  const end = body.length;
  let off = 0;
  while (off < end) {
    if (end - off < HEADER_SIZE) {
      throw new ProtocolError('TRUNCATED', `${end - off} trailing bytes in a raw batch`);
    }
    const packLen = checkHeader(body, off, maxBody);
    if (end - off < packLen) {
      throw new ProtocolError('TRUNCATED', `inner packLen ${packLen} but only ${end - off} bytes left`);
    }
    packets.push(readPacketAt(body, off, packLen));
    off += packLen;
  }
  return packets;
}
