import { createHash, timingSafeEqual } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'hono';
import type { Config } from '../config.js';
import { UnauthorizedError } from '../errors.js';

/** Where the accepted API keys come from: resolved per request (a cached secret rotates without a deploy). */
export type KeySource = () => Promise<readonly string[]>;

/** Splits a comma-separated key list, dropping blanks. */
export function parseKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}

/**
 * API keys from the configuration: `EDGEIM_API_KEYS_SECRET_ARN` (Secrets Manager, cached
 * 5 minutes, so a rotated key is picked up without a deploy) or `EDGEIM_API_KEYS`.
 * No keys configured means every request is refused.
 *
 * @example keysFromConfig({ ...config, EDGEIM_API_KEYS: 'old-key,new-key' })
 */
export function keysFromConfig(config: Pick<Config, 'EDGEIM_API_KEYS' | 'EDGEIM_API_KEYS_SECRET_ARN'>): KeySource {
  const arn = config.EDGEIM_API_KEYS_SECRET_ARN;
  if (arn) return async () => parseKeys(String((await getSecret(arn, { maxAge: 300 })) ?? ''));
  const keys = parseKeys(config.EDGEIM_API_KEYS);
  return () => Promise.resolve(keys);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** A short, non-secret name of a key (for rate-limit buckets and logs). */
export const keyId = (key: string) => digest(key).subarray(0, 6).toString('hex');

/**
 * Checks an `Authorization: Bearer <key>` header against every accepted key in constant
 * time (both sides hashed to 32 bytes, every key compared, no early exit). Returns the
 * matching key's id; throws UNAUTHORIZED otherwise.
 */
export function authenticate(header: string | undefined, keys: readonly string[]): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
  const given = digest(match[1] as string);
  let found: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(given, digest(key))) found ??= key;
  }
  if (found === undefined) throw new UnauthorizedError('unknown API key');
  return keyId(found);
}

/**
 * The caller's network address: API Gateway's `sourceIp` in Lambda, the socket's peer on
 * `@hono/node-server`. Client-set headers (`X-Forwarded-For`) are never trusted: they
 * would let one client spread its failures over any number of addresses.
 */
export function sourceAddress(c: Context): string {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
        server?: { incoming?: { socket?: { remoteAddress?: string } } };
      }
    | undefined;
  return (
    env?.requestContext?.http?.sourceIp ??
    env?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress ??
    env?.server?.incoming?.socket?.remoteAddress ??
    'unknown'
  );
}
