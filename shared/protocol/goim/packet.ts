/**
 * The goim packet: a 16-byte big-endian header followed by the body.
 *
 *   offset 0  int32 packLen   (header + body)
 *   offset 4  int16 headerLen (always 16)
 *   offset 6  int16 ver       (any value is accepted and kept)
 *   offset 8  int32 op
 *   offset 12 int32 seq
 *
 * Hot paths read and write bytes by hand: it is measurably faster than Buffer's
 * range-checked readInt32BE/writeInt32BE and works on any Uint8Array.
 */

import { BadRequestError } from '../../errors.js';

export const PACK_LEN_OFFSET = 0;
export const PACK_LEN_SIZE = 4;
export const HEADER_LEN_OFFSET = 4;
export const HEADER_LEN_SIZE = 2;
export const VER_OFFSET = 6;
export const VER_SIZE = 2;
export const OP_OFFSET = 8;
export const OP_SIZE = 4;
export const SEQ_OFFSET = 12;
export const SEQ_SIZE = 4;
/** Size of the header, and the only accepted headerLen. */
export const HEADER_SIZE = 16;
/** Default largest accepted body, in bytes (goim itself allows 4096). */
export const DEFAULT_MAX_BODY = 65536;

/**
 * One decoded packet. On decode, `body` is a plain Uint8Array view into the input
 * (no copy, and not a Buffer: decode text with TextDecoder or wrap it with
 * `Buffer.from(body.buffer, body.byteOffset, body.byteLength)`).
 */
export interface Packet {
  ver: number;
  op: number;
  seq: number;
  body: Uint8Array;
}

/** Stable reason codes of a ProtocolError. */
export type ProtocolErrorCode = 'BAD_HEADER_LEN' | 'BAD_PACK_LEN' | 'TOO_LARGE' | 'TRUNCATED';

/**
 * A malformed packet: bad input (BAD_REQUEST on the wire), with the packet-level
 * `reason`. On a stream the caller should close the connection.
 */
export class ProtocolError extends BadRequestError {
  override name = 'ProtocolError';
  constructor(
    readonly reason: ProtocolErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bytes needed to encode a packet with a body of `bodyLen` bytes. */
export function encodedLength(bodyLen: number): number {
  return HEADER_SIZE + bodyLen;
}

/**
 * Writes a 16-byte header at `offset` for a body of `bodyLen` bytes that the caller
 * writes (or has written) right after it. Does not check bounds. ver is written as
 * int16, op and seq as int32, wrapping: unsigned 32-bit values come back signed.
 */
export function writeHeader(
  buf: Uint8Array,
  offset: number,
  bodyLen: number,
  ver: number,
  op: number,
  seq: number,
): void {
  const packLen = HEADER_SIZE + bodyLen;
  buf[offset] = packLen >>> 24;
  buf[offset + 1] = packLen >>> 16;
  buf[offset + 2] = packLen >>> 8;
  buf[offset + 3] = packLen;
  buf[offset + 4] = 0;
  buf[offset + 5] = HEADER_SIZE;
  buf[offset + 6] = ver >>> 8;
  buf[offset + 7] = ver;
  buf[offset + 8] = op >>> 24;
  buf[offset + 9] = op >>> 16;
  buf[offset + 10] = op >>> 8;
  buf[offset + 11] = op;
  buf[offset + 12] = seq >>> 24;
  buf[offset + 13] = seq >>> 16;
  buf[offset + 14] = seq >>> 8;
  buf[offset + 15] = seq;
}

/**
 * Writes one packet into `buf` at `offset` and returns the bytes written, for pooled
 * or merged writes. Throws RangeError if it does not fit.
 */
export function encodeInto(
  buf: Uint8Array,
  offset: number,
  ver: number,
  op: number,
  seq: number,
  body: Uint8Array,
): number {
  const packLen = HEADER_SIZE + body.length;
  if (offset < 0 || offset + packLen > buf.length) {
    throw new RangeError(`encodeInto: ${packLen} bytes do not fit at offset ${offset} of ${buf.length}`);
  }
  writeHeader(buf, offset, body.length, ver, op, seq);
  if (body.length !== 0) buf.set(body, offset + HEADER_SIZE);
  return packLen;
}

/** Encodes one packet into a new Buffer. */
export function encodePacket(p: Packet): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + p.body.length);
  encodeInto(buf, 0, p.ver, p.op, p.seq, p.body);
  return buf;
}

/**
 * Validates the header at `offset` (16 bytes must be there) and returns its packLen.
 * Throws ProtocolError: BAD_PACK_LEN (packLen < 16, negative included), TOO_LARGE
 * (body over `maxBody`), BAD_HEADER_LEN (headerLen other than 16).
 */
export function checkHeader(buf: Uint8Array, offset: number, maxBody: number): number {
  const packLen = readInt32(buf, offset);
  if (packLen < HEADER_SIZE) fail('BAD_PACK_LEN', `packLen ${packLen} is below ${HEADER_SIZE}`);
  if (packLen - HEADER_SIZE > maxBody) fail('TOO_LARGE', `body of ${packLen - HEADER_SIZE} bytes exceeds ${maxBody}`);
  if (buf[offset + 4] !== 0 || buf[offset + 5] !== HEADER_SIZE) {
    fail('BAD_HEADER_LEN', `headerLen ${readInt16(buf, offset + 4)} is not ${HEADER_SIZE}`);
  }
  return packLen;
}

/**
 * Builds the packet whose checked header is at `offset`; the body is a view of
 * `buf`. Low level: call checkHeader first and make sure packLen bytes are there.
 */
export function readPacketAt(buf: Uint8Array, offset: number, packLen: number): Packet {
  return {
    ver: readInt16(buf, offset + VER_OFFSET),
    op: readInt32(buf, offset + OP_OFFSET),
    seq: readInt32(buf, offset + SEQ_OFFSET),
    body: new Uint8Array(buf.buffer, buf.byteOffset + offset + HEADER_SIZE, packLen - HEADER_SIZE),
  };
}

/**
 * Decodes a buffer holding exactly one packet (a WebSocket message). The body is a
 * view of `buf`. Throws ProtocolError: TRUNCATED if `buf` is shorter than the header
 * or than packLen, BAD_PACK_LEN if bytes follow the packet, plus checkHeader's errors.
 */
export function decodePacket(buf: Uint8Array, maxBody: number = DEFAULT_MAX_BODY): Packet {
  if (buf.length < HEADER_SIZE) fail('TRUNCATED', `${buf.length} bytes is shorter than a header`);
  const packLen = checkHeader(buf, 0, maxBody);
  if (packLen !== buf.length) {
    if (packLen > buf.length) fail('TRUNCATED', `packLen ${packLen} but only ${buf.length} bytes`);
    fail('BAD_PACK_LEN', `packLen ${packLen} but the message has ${buf.length} bytes`);
  }
  return readPacketAt(buf, 0, packLen);
}

function readInt32(buf: Uint8Array, o: number): number {
  return (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
}

function readInt16(buf: Uint8Array, o: number): number {
  return (((buf[o]! << 8) | buf[o + 1]!) << 16) >> 16;
}

/** Kept out of line so the hot functions stay small. */
function fail(code: ProtocolErrorCode, message: string): never {
  throw new ProtocolError(code, message);
}
