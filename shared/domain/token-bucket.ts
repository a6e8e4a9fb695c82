import { RateLimitedError } from '../errors.js';

/** A request budget: `perSecond` refill, at most `burst` saved up. `perSecond` 0 turns it off. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The state of one token bucket: tokens left at `at` (epoch ms). Two numbers, no timer. */
export interface BucketState {
  tokens: number;
  at: number;
}

/** A full bucket for `limit`. */
export const fullBucket = (limit: RateLimit, now: number): BucketState => ({ tokens: limit.burst, at: now });

/**
 * Takes one token from `bucket` (mutating it). Returns 0 when taken, otherwise the
 * milliseconds until a token is there (the bucket is left as refilled, nothing taken).
 */
export function takeToken(bucket: BucketState, limit: RateLimit, now: number): number {
  if (limit.perSecond <= 0) return 0;
  const tokens = Math.min(limit.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * limit.perSecond);
  bucket.at = now;
  if (tokens < 1) {
    bucket.tokens = tokens;
    return msUntilToken(tokens, limit.perSecond);
  }
  bucket.tokens = tokens - 1;
  return 0;
}

/** Milliseconds until `tokens` (< 1) grows to a whole token (at least 1; float noise trimmed). */
function msUntilToken(tokens: number, perSecond: number): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond - 1e-6));
}

/**
 * Token buckets by key (a connection id, a source address) in a bounded map: at most
 * `maxKeys` buckets; the least recently used goes first (it would be nearly full again
 * anyway). Memory stays bounded whatever the number of keys an attacker invents; an
 * evicted key starts over with a full bucket.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; throws RateLimitedError (with retryAfterMs) when its budget is spent. */
  take(key: string, what = 'requests'): void {
    const wait = this.wait(key);
    if (wait > 0) throw new RateLimitedError(`too many ${what}: at most ${this.limit.perSecond}/s (burst ${this.limit.burst})`, wait);
  }

  /** The wait in ms until `key` has a token (0: it has one now); takes nothing. */
  peek(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket || this.limit.perSecond <= 0) return 0;
    const now = this.now();
    const tokens = Math.min(this.limit.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.limit.perSecond);
    return tokens < 1 ? msUntilToken(tokens, this.limit.perSecond) : 0;
  }

  /** Takes one token for `key`: 0 when taken, else the wait in ms. */
  wait(key: string): number {
    if (this.limit.perSecond <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = fullBucket(this.limit, now);
    this.buckets.set(key, bucket); // most recently used last
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    return takeToken(bucket, this.limit, now);
  }

  /** Forgets `key` (e.g. a closed connection). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
