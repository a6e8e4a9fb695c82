import { createHash } from 'node:crypto';

/**
 * A digest of a request (a JSON value) that two requests share exactly when they mean the
 * same: object keys in any order give the same digest; everything else (array order,
 * numbers, strings) counts. `kind` keeps digests of different request kinds apart.
 *
 * @example
 * requestDigest('push', { op: 1000, to: { room: 'r' } }) === requestDigest('push', { to: { room: 'r' }, op: 1000 }) // true
 */
export function requestDigest(kind: string, request: unknown): string {
  return createHash('sha256').update(`${kind}\n`).update(canonicalJson(request)).digest('base64url');
}

/** JSON text with object keys sorted at every level (values JSON.stringify cannot write are written as it would: null or left out). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
