import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The credential of a gateway task's internal API: every call but `/healthz` carries an
 * HMAC-SHA256 signature (keyed with EDGEIM_GATEWAY_SECRET) over the time, a fresh nonce,
 * the method, the request target and the body hash. Header format, string to sign and the
 * gateway's checks: docs/GATEWAY.md#internal-api-the-tasks-connections.
 */
export const SIGNATURE_HEADER = 'x-edgeim-signature';

/** How far a signature's time may be from the gateway's clock, either way. */
export const MAX_SKEW_SECONDS = 60;

const SCHEME = 'EDGEIM-HMAC-SHA256';
const HEX64 = /^[0-9a-f]{64}$/;
const NONCE = /^[0-9a-f]{32}$/;

/** Hex SHA-256 of a body (an absent body hashes as empty). */
export function sha256Hex(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

function hmac(secret: string, t: number, nonce: string, method: string, target: string, bodyHash: string): Buffer {
  return createHmac('sha256', secret).update(`${SCHEME}\n${t}\n${nonce}\n${method.toUpperCase()}\n${target}\n${bodyHash}`).digest();
}

/** What a call is: its method, request target (path and query as sent) and body. */
export interface SignedCall {
  method: string;
  target: string;
  body?: Uint8Array | string | undefined;
}

/** The `x-edgeim-signature` value for a call at `nowMs`, with a fresh random nonce (or `nonce`, tests). */
export function signatureHeader(secret: string, call: SignedCall, nowMs = Date.now(), nonce = randomBytes(16).toString('hex')): string {
  const t = Math.floor(nowMs / 1000);
  const bodyHash = sha256Hex(call.body);
  return `t=${t},n=${nonce},body=${bodyHash},v1=${hmac(secret, t, nonce, call.method, call.target, bodyHash).toString('hex')}`;
}

/**
 * A checked header: the body hash it vouches for, its time and nonce (for the replay
 * check), or why it was refused.
 */
export type SignatureCheck = { ok: true; bodyHash: string; t: number; nonce: string } | { ok: false; reason: string };

/**
 * Checks a header against the call (before its body is read): shape, time window, then
 * the HMAC in constant time. On success the caller must still refuse a `nonce` it has
 * seen within the window (a replay) and compare the body's hash with `bodyHash`.
 */
export function checkSignature(secret: string, header: string | undefined, call: Omit<SignedCall, 'body'>, nowMs = Date.now()): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const fields = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const t = Number(fields.get('t'));
  const nonce = fields.get('n') ?? '';
  const bodyHash = fields.get('body') ?? '';
  const given = fields.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !NONCE.test(nonce) || !HEX64.test(bodyHash) || !HEX64.test(given)) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(Math.floor(nowMs / 1000) - t) > MAX_SKEW_SECONDS) return { ok: false, reason: 'signature time outside the allowed skew' };
  if (!timingSafeEqual(Buffer.from(given, 'hex'), hmac(secret, t, nonce, call.method, call.target, bodyHash))) return { ok: false, reason: 'bad signature' };
  return { ok: true, bodyHash, t, nonce };
}
