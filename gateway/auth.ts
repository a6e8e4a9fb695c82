import { z } from 'zod';
import type { TokenVerifier } from '../shared/domain/auth.js';
import { UnauthorizedError } from '../shared/errors.js';
import { isUid } from '../shared/protocol/identifiers.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/protocol/json-text.js';
import { isBusinessOp } from '../shared/protocol/goim/index.js';

/** Business ops one connection may accept (Auth's `accepts`, and what Sub may grow them to). */
export const MAX_ACCEPTS = 1000;

/**
 * The goim Auth body (op 7), with edgeim's `token`:
 * `{"token": JWT, "mid": int64, "key": string, "room_id": "type://id", "platform": string, "accepts": [int32…]}`.
 * Only `token` matters for identity; `mid` is used instead only in the local insecure mode.
 * `key` is kept as the device name; the connection id is always the server's.
 */
const authBodySchema = z.object({
  token: z.string().optional(),
  mid: z.union([z.number(), z.string()]).optional(),
  key: z.string().max(64).optional(),
  room_id: z.string().max(128).optional(),
  platform: z.string().max(32).optional(),
  accepts: z.array(z.number()).max(MAX_ACCEPTS).optional(),
});

/** A successful Auth. */
export interface AuthResult {
  uid: string;
  /** The token's expiry, epoch seconds (undefined: no token, insecure mode). */
  expiresAt?: number | undefined;
  device?: string | undefined;
  platform?: string | undefined;
  /** Room to join right away, as the client named it (a goim room key: shared/protocol/goim/room-keys.ts). */
  room?: string | undefined;
  accepts: number[];
}

/**
 * Verifies an Auth body. Rejects with UnauthorizedError (DisconnectReply UNAUTHORIZED)
 * on bad JSON, a bad or missing token, or (insecure mode) a bad `mid`.
 */
export async function authenticate(body: Uint8Array, verifier: TokenVerifier, insecure: boolean): Promise<AuthResult> {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new UnauthorizedError(`auth body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UnauthorizedError('auth body is not JSON', { cause });
  }
  const parsed = authBodySchema.safeParse(value);
  if (!parsed.success) throw new UnauthorizedError('auth body does not match goim auth');
  const auth = parsed.data;
  let uid: string;
  let expiresAt: number | undefined;
  if (auth.token !== undefined || !insecure) {
    ({ uid, exp: expiresAt } = await verifier.verify(auth.token));
  } else {
    uid = midToUid(auth.mid);
  }
  return {
    uid,
    expiresAt,
    device: auth.key || undefined,
    platform: auth.platform || undefined,
    room: auth.room_id || undefined,
    accepts: (auth.accepts ?? []).filter(isBusinessOp),
  };
}

/**
 * The uid of a goim `mid` (insecure local mode only): goim's int64 as its decimal string,
 * or a uid string. Anything else (a fraction, a negative or unsafe integer that JSON
 * cannot carry exactly, a string with `:`) is UNAUTHORIZED. The uid it yields is an
 * ordinary user: no mid or uid is special.
 */
export function midToUid(mid: unknown): string {
  if (typeof mid === 'number') {
    if (!Number.isSafeInteger(mid) || mid < 0) throw new UnauthorizedError('mid must be a non-negative integer of at most 2^53-1');
    return String(mid);
  }
  if (!isUid(mid)) throw new UnauthorizedError('mid is not a valid uid');
  return mid;
}

/** Parses a Sub/Unsub body (`1000,1001`): the business ops in it, others ignored. */
export function parseOps(text: string): number[] {
  const ops: number[] = [];
  for (const part of text.split(',')) {
    const op = Number(part.trim());
    if (part.trim() !== '' && isBusinessOp(op)) ops.push(op);
  }
  return ops;
}
