import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The credential of a gateway task's internal API (docs/GATEWAY.md): every call but
 * `/healthz` carries
 *
 *     x-edgeim-signature: t=<unix seconds>,body=<hex SHA-256 of the body>,v1=<hex HMAC>
 *
 * where `v1` is HMAC-SHA256, keyed with the shared secret (EDGEIM_GATEWAY_SECRET, UTF-8),
 * over the lines
 *
 *     EDGEIM-HMAC-SHA256
 *     <t>
 *     <METHOD>
 *     <request target: the path and query exactly as sent, e.g. /@rooms/live%3A1?except=abc>
 *     <body hash, as in the header>
 *
 * joined with `\n`. The gateway accepts it when `t` is within MAX_SKEW_SECONDS of its
 * clock, `v1` matches (compared in constant time) and the body it then reads hashes to
 * `body`.
 *
 * Why an HMAC and not the secret itself in a header: the internal API is plain HTTP
 * inside the VPC, so whatever is on the wire may be seen; a signature reveals nothing of
 * the secret, cannot be moved to another method, path, body or time, and expires with
 * the skew window. The body hash is in the header so a forged call is refused before
 * its body is read.
 */
export const SIGNATURE_HEADER = 'x-edgeim-signature';

/** How far a signature's time may be from the gateway's clock, either way. */
export const MAX_SKEW_SECONDS = 60;

const SCHEME = 'EDGEIM-HMAC-SHA256';
const HEX64 = /^[0-9a-f]{64}$/;

/** Hex SHA-256 of a body (an absent body hashes as empty). */
export function sha256Hex(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

function hmac(secret: string, t: number, method: string, target: string, bodyHash: string): Buffer {
  return createHmac('sha256', secret).update(`${SCHEME}\n${t}\n${method.toUpperCase()}\n${target}\n${bodyHash}`).digest();
}

/** What a call is: its method, request target (path and query as sent) and body. */
export interface SignedCall {
  method: string;
  target: string;
  body?: Uint8Array | string | undefined;
}

/** The `x-edgeim-signature` value for a call at `nowMs`. */
export function signatureHeader(secret: string, call: SignedCall, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const bodyHash = sha256Hex(call.body);
  return `t=${t},body=${bodyHash},v1=${hmac(secret, t, call.method, call.target, bodyHash).toString('hex')}`;
}

/** A checked header: the body hash it vouches for, or why it was refused. */
export type SignatureCheck = { ok: true; bodyHash: string } | { ok: false; reason: string };

/**
 * Checks a header against the call (before its body is read): shape, time window, then
 * the HMAC in constant time. On success the caller must still compare the body's hash
 * with `bodyHash`.
 */
export function checkSignature(secret: string, header: string | undefined, call: Omit<SignedCall, 'body'>, nowMs = Date.now()): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const fields = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const t = Number(fields.get('t'));
  const bodyHash = fields.get('body') ?? '';
  const given = fields.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !HEX64.test(bodyHash) || !HEX64.test(given)) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(Math.floor(nowMs / 1000) - t) > MAX_SKEW_SECONDS) return { ok: false, reason: 'signature time outside the allowed skew' };
  if (!timingSafeEqual(Buffer.from(given, 'hex'), hmac(secret, t, call.method, call.target, bodyHash))) return { ok: false, reason: 'bad signature' };
  return { ok: true, bodyHash };
}
