import { RateLimitedError } from './errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per API key: `perSecond` requests per second, bursts up to the same
 * number. In memory, so the limit is per process (per Lambda instance in the cloud);
 * an account-wide cap belongs to the HTTP API's throttling settings.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from `key`'s budget; throws RATE_LIMITED when it is spent. A limit of 0 never limits. */
  take(key: string): void {
    if (this.perSecond <= 0) return;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      const retryAfterMs = Math.max(1, Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000));
      throw new RateLimitedError(`rate limit of ${this.perSecond} requests/s exceeded`, retryAfterMs);
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
  }
}
