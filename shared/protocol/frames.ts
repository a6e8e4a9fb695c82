import * as z from 'zod/mini';
import './zod-locale.js';
import { EdgeImError, TooLargeError, toErrorBody, type ErrorBody, type ErrorCode } from '../errors.js';
import { cmidSchema } from './cmid.js';
import { gidSchema, ridSchema, timelineSchema, uidSchema, type Target, type TimelineName } from './identifiers.js';
import { jsonDepth, MAX_JSON_DEPTH } from './json-text.js';
import { describeIssues } from './validation-message.js';

/** A stored or broadcast message, as every client sees it (docs/PROTOCOL.md). */
export interface Message {
  id: string;
  conv: string;
  from: string;
  to: Target;
  body: unknown;
  cmid: string;
  sentAt: number;
  /** Sent by a business backend through the push API; `from` is then the label it chose, not an authenticated user. */
  backend?: true;
}

const requestId = z.optional(z.string().check(z.maxLength(64)));
export const targetSchema = z.union([z.strictObject({ user: uidSchema }), z.strictObject({ group: gidSchema }), z.strictObject({ room: ridSchema })], {
  error: 'expected one of {"user": uid}, {"group": gid}, {"room": rid}',
});

const sendFields = {
  to: targetSchema,
  cmid: z.optional(cmidSchema),
  body: z.unknown().check(z.refine((b) => b !== undefined, 'body is required')),
};
const syncFields = {
  timeline: timelineSchema,
  after: z._default(z.int().check(z.minimum(0)), 0),
  limit: z._default(z.int().check(z.minimum(1), z.maximum(200)), 100),
};
const ackFields = {
  timeline: timelineSchema,
  seq: z.int().check(z.minimum(1)),
  kind: z.enum(['delivered', 'read']),
  /** `false`: answer nothing (not even an error); the client does not wait for this ack. */
  reply: z.optional(z.boolean()),
};
const roomFields = { room: ridSchema };
const membersField = z.array(uidSchema).check(z.maxLength(1000));

/** Client → server requests of the WebSocket API, routed by `action`. */
export const requestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('send'), id: requestId, ...sendFields }),
  z.object({ action: z.literal('sync'), id: requestId, ...syncFields }),
  z.object({ action: z.literal('ack'), id: requestId, ...ackFields }),
  z.object({ action: z.literal('join'), id: requestId, ...roomFields }),
  z.object({ action: z.literal('leave'), id: requestId, ...roomFields }),
  z.object({ action: z.literal('heartbeat'), id: requestId }),
  z.object({
    action: z.literal('createGroup'),
    id: requestId,
    group: z.optional(gidSchema),
    name: z.optional(z.string().check(z.maxLength(200))),
    members: z._default(membersField, []),
  }),
  z.object({ action: z.literal('addMembers'), id: requestId, group: gidSchema, members: membersField.check(z.minLength(1)) }),
  z.object({ action: z.literal('removeMembers'), id: requestId, group: gidSchema, members: membersField.check(z.minLength(1)) }),
  z.object({ action: z.literal('deleteGroup'), id: requestId, group: gidSchema }),
  z.object({ action: z.literal('groups'), id: requestId }),
]);

export type Request = z.infer<typeof requestSchema>;
export type SendRequest = Extract<Request, { action: 'send' }>;
export type SyncRequest = Extract<Request, { action: 'sync' }>;
export type AckRequest = Extract<Request, { action: 'ack' }>;
export const ACTIONS = requestSchema.def.options.map((o) => o.shape.action.def.values[0] as Request['action']);

/** The same payloads without `action`, for transports that carry the action elsewhere (goim ops). */
export const sendPayloadSchema = z.object({ id: requestId, ...sendFields });
export const syncPayloadSchema = z.object({ id: requestId, ...syncFields });
export const ackPayloadSchema = z.object({ id: requestId, ...ackFields });
export const roomPayloadSchema = z.object({ id: requestId, ...roomFields });

/**
 * A bad frame (BAD_REQUEST, or TOO_LARGE for an oversized one): carries the request id
 * when one could be read, so the reply can echo it.
 */
export class FrameError extends EdgeImError {
  override name = 'FrameError';
  constructor(
    message: string,
    readonly requestId?: string,
    code: Extract<ErrorCode, 'BAD_REQUEST' | 'TOO_LARGE'> = 'BAD_REQUEST',
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

function readId(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === 'string' && id.length <= 64) return id;
  }
  return undefined;
}

/**
 * Validates `value` against a schema, throwing FrameError (BAD_REQUEST) whose message
 * names each bad field and what was expected (validation-message.ts).
 */
export function parseWith<T>(schema: z.core.$ZodType<T>, value: unknown): T {
  const parsed = z.safeParse(schema, value, { reportInput: true });
  if (!parsed.success) throw new FrameError(describeIssues(parsed.error.issues, { input: value }), readId(value));
  return parsed.data;
}

/**
 * Parses JSON text from outside: nesting deeper than MAX_JSON_DEPTH (found without
 * recursion) or invalid JSON is a FrameError (BAD_REQUEST) that says which.
 */
export function parseJsonText(text: string, what = 'frame'): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    let id: string | undefined;
    try {
      id = readId(JSON.parse(text)); // V8's JSON.parse does not recurse: safe at any depth, and the reply can echo the id
    } catch {
      // not JSON either: no id
    }
    throw new FrameError(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`, id);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FrameError(`${what} is not valid JSON`, undefined, 'BAD_REQUEST', { cause: err });
  }
}

/**
 * Parses one client text frame: size, nesting, JSON, then shape. Every failure is a
 * FrameError that keeps the request id when the frame had a readable one.
 */
export function parseRequest(text: string, maxFrameBytes: number): Request {
  if (Buffer.byteLength(text) > maxFrameBytes) throw new FrameError(`frame exceeds ${maxFrameBytes} bytes`, undefined, 'TOO_LARGE');
  const value = parseJsonText(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new FrameError('frame must be a JSON object');
  }
  const action = (value as { action?: unknown }).action;
  if (typeof action !== 'string' || !(ACTIONS as string[]).includes(action)) {
    throw new FrameError(`unknown action ${JSON.stringify(action ?? null)}; expected one of ${ACTIONS.join(', ')}`, readId(value));
  }
  return parseWith(requestSchema, value);
}

/** Throws TOO_LARGE when a message body encodes to more than `max` bytes. */
export function checkBodySize(body: unknown, max: number): void {
  const size = Buffer.byteLength(JSON.stringify(body) ?? '');
  if (size > max) throw new TooLargeError(`body is ${size} bytes; the limit is ${max}`);
}

/** The `reply` frame for a request's outcome: its data, or its error mapped to `{code, message}`. */
export function replyFrame(id: string | undefined, outcome: { data: unknown } | { error: unknown }): ReplyFrame {
  const base = id !== undefined ? { type: 'reply' as const, id } : { type: 'reply' as const };
  return 'data' in outcome ? { ...base, ok: true, data: outcome.data } : { ...base, ok: false, error: toErrorBody(outcome.error) };
}

/** The `error` frame for a bad frame whose request id could not be read. */
export function toErrorFrame(err: unknown): ErrorFrame {
  return { type: 'error', error: toErrorBody(err) };
}

/** Server → client frames. */
export type ReplyFrame =
  | { type: 'reply'; id?: string; ok: true; data: unknown }
  | { type: 'reply'; id?: string; ok: false; error: ErrorBody };
export interface MessageFrame {
  type: 'message';
  /** `inbox`, `group:<gid>`, or `room:<rid>` (rooms are not stored: seq is 0). */
  timeline: TimelineName | `room:${string}`;
  seq: number;
  message: Message;
  /**
   * Inbox frames only, when the server knows it at no cost: the receiving user's own
   * messages at the seqs right below `seq` (newest first). The connection that sent one
   * was not pushed it, so it can close that gap without a `sync` (docs/PROTOCOL.md).
   */
  own?: { seq: number; id: string }[];
}
export interface NotifyFrame {
  type: 'notify';
  timeline: `group:${string}`;
  seq: number;
}
export interface PushFrame {
  type: 'push';
  op: number;
  body: unknown;
  encoding?: 'base64';
  /** Set on room pushes: they reach every room member, whatever its goim `accepts`. */
  room?: string;
}
export interface ErrorFrame {
  type: 'error';
  error: ErrorBody;
}
export type PushableFrame = MessageFrame | NotifyFrame | PushFrame;
export interface BatchFrame {
  type: 'batch';
  frames: PushableFrame[];
}
export type ServerFrame = ReplyFrame | PushableFrame | BatchFrame | ErrorFrame;

/** The text of a `batch` frame around frames already encoded as JSON text, in order. */
export function encodeBatch(encoded: readonly string[]): string {
  return `{"type":"batch","frames":[${encoded.join(',')}]}`;
}

/** Bytes a `batch` frame adds around its frames (their separating commas aside). */
const BATCH_OVERHEAD_BYTES = encodeBatch([]).length;

/** One payload of `packFrames`: its text and how many of the frames (the next ones, in order) it holds. */
export interface PackedFrames {
  payload: string;
  count: number;
}

/**
 * Packs frames, in order, into as few payloads of at most `maxBytes` (UTF-8) as possible:
 * several frames go as one `batch` frame, a payload of one frame is that frame itself (so
 * a single frame larger than `maxBytes` still goes, alone).
 */
export function packFrames(frames: readonly PushableFrame[], maxBytes: number): PackedFrames[] {
  const packed: PackedFrames[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length === 0) return;
    packed.push({ payload: parts.length === 1 ? parts[0]! : encodeBatch(parts), count: parts.length });
    parts = [];
    size = 0;
  };
  for (const frame of frames) {
    const json = JSON.stringify(frame);
    const bytes = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && BATCH_OVERHEAD_BYTES + size + bytes > maxBytes) flush();
    parts.push(json);
    size += bytes;
  }
  flush();
  return packed;
}
