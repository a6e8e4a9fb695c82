import { BadRequestError } from '../shared/errors.js';
import { HEADER_SIZE, Op, isBusinessOp, writeHeader } from '../shared/protocol/goim/index.js';

/**
 * Delivered JSON frames (`message`, `notify`, `push`, `batch`, as the fan-out job posts
 * them to `@connections`) become goim packets, encoded once so a broadcast writes the
 * same Buffer to every member; the frame → packet rules and the accepts filtering of
 * pushes are in docs/GATEWAY.md, "Internal API (the task's `@connections`)".
 */

/** One encoded packet and whether it is subject to the connection's `accepts`. */
export interface OutPacket {
  buf: Buffer;
  /** The business op to check against `accepts`, or 0 when every connection takes it. */
  filterOp: number;
}

/** A delivered frame that cannot be translated (BAD_REQUEST: HTTP 400 on the internal API). */
export class FrameTranslationError extends BadRequestError {
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
  } catch (cause) {
    throw new FrameTranslationError('data is not valid JSON', { cause });
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
