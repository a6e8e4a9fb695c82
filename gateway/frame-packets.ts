import { HEADER_SIZE, Op, isBusinessOp, writeHeader } from '../shared/protocol/goim/index.js';

/**
 * Translation of delivered JSON frames (docs/PROTOCOL.md WebSocket frames, as the fan-out job
 * posts them to `@connections`) into goim packets, encoded once: a broadcast writes the
 * same Buffer to every member.
 *
 * | frame                         | packet                                               |
 * |-------------------------------|------------------------------------------------------|
 * | `message`                     | op 26, JSON of the frame without `type`              |
 * | `notify`                      | op 27, JSON of the frame without `type`              |
 * | `push`                        | op = `frame.op`, the body bytes unchanged (string as UTF-8, `encoding: "base64"` decoded, other JSON values as JSON) |
 * | `batch`                       | its inner frames' packets, in order; the outbound queue writes them as one (TCP back to back, WebSocket one op-9 message) |
 *
 * Accepts filtering (goim): a `push` goes only to connections whose `accepts` hold its
 * op, except a room push, which every room member gets. The gateway tells a room push
 * by where it comes from (`POST /@rooms/{rid}`) or by a `room` field on the push frame
 * (`{"type":"push","op":1001,"body":…,"room":"live:1"}`) when it arrives through
 * `/@connections/{id}` or `/@batch`.
 */

/** One encoded packet and whether it is subject to the connection's `accepts`. */
export interface OutPacket {
  buf: Buffer;
  /** The business op to check against `accepts`, or 0 when every connection takes it. */
  filterOp: number;
}

/** A delivered frame that cannot be translated (HTTP 400 on the internal API). */
export class FrameTranslationError extends Error {
  override name = 'FrameTranslationError';
}

/** Encodes one packet (ver 1, seq 0) whose body is `text` as UTF-8. */
export function textPacket(op: number, text: string, ver = 1, seq = 0): Buffer {
  const len = Buffer.byteLength(text);
  const buf = Buffer.allocUnsafe(HEADER_SIZE + len);
  writeHeader(buf, 0, len, ver, op, seq);
  buf.write(text, HEADER_SIZE, len, 'utf8');
  return buf;
}

/** Encodes one packet whose body is `body`. */
export function bytesPacket(op: number, body: Uint8Array, ver = 1, seq = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  writeHeader(buf, 0, body.length, ver, op, seq);
  buf.set(body, HEADER_SIZE);
  return buf;
}

/**
 * Parses a delivered frame's JSON text and returns its packets. `inRoom` marks a room
 * broadcast (no accepts filtering). Throws FrameTranslationError on anything else.
 */
export function translateFrameText(text: string, inRoom: boolean): OutPacket[] {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw new FrameTranslationError('data is not valid JSON');
  }
  const out: OutPacket[] = [];
  translateFrame(frame, inRoom, out, 0);
  return out;
}

function translateFrame(frame: unknown, inRoom: boolean, out: OutPacket[], depth: number): void {
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) throw new FrameTranslationError('a frame must be a JSON object');
  const f = frame as Record<string, unknown>;
  switch (f.type) {
    case 'message':
    case 'notify': {
      const { type: _type, ...rest } = f;
      out.push({ buf: textPacket(f.type === 'message' ? Op.Message : Op.Notify, JSON.stringify(rest)), filterOp: 0 });
      return;
    }
    case 'push': {
      const op = f.op;
      if (typeof op !== 'number' || !isBusinessOp(op)) throw new FrameTranslationError('push op must be an integer >= 1000');
      const room = inRoom || typeof f.room === 'string';
      out.push({ buf: pushPacket(op, f.body, f.encoding), filterOp: room ? 0 : op });
      return;
    }
    case 'batch': {
      if (depth > 0 || !Array.isArray(f.frames)) throw new FrameTranslationError('batch needs a frames array (not nested)');
      for (const inner of f.frames) translateFrame(inner, inRoom, out, depth + 1);
      return;
    }
    default:
      throw new FrameTranslationError(`cannot deliver a frame of type ${JSON.stringify(f.type ?? null)}`);
  }
}

function pushPacket(op: number, body: unknown, encoding: unknown): Buffer {
  if (typeof body === 'string') {
    if (encoding === 'base64') return bytesPacket(op, Buffer.from(body, 'base64'));
    return textPacket(op, body);
  }
  if (body === undefined) return textPacket(op, '');
  return textPacket(op, JSON.stringify(body));
}
