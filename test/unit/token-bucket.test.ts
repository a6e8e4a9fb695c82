import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, takeToken } from '../../shared/domain/token-bucket.js';
import { RateLimitedError } from '../../shared/errors.js';

describe('token buckets', () => {
  it('spends the burst, then refills at the rate; the wait says when the next token comes', () => {
    const limit = { perSecond: 2, burst: 3 };
    const bucket = { tokens: 3, at: 0 };
    expect([takeToken(bucket, limit, 0), takeToken(bucket, limit, 0), takeToken(bucket, limit, 0)]).toEqual([0, 0, 0]);
    expect(takeToken(bucket, limit, 0)).toBe(500);
    expect(takeToken(bucket, limit, 490)).toBe(10);
    expect(takeToken(bucket, limit, 500)).toBe(0);
    expect(takeToken({ tokens: 0, at: 0 }, { perSecond: 0, burst: 1 }, 0)).toBe(0); // 0 = off
  });

  it('keyed: throws RateLimitedError with retryAfterMs per key, and keeps at most maxKeys buckets (least recently used go)', () => {
    let now = 0;
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 1 }, 100, () => now);
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
    try {
      limiter.take('a');
    } catch (err) {
      expect((err as RateLimitedError).retryAfterMs).toBe(1000);
    }
    limiter.take('b'); // another key has its own budget
    for (let i = 0; i < 10_000; i++) limiter.wait(`attacker-${i}`);
    expect(limiter.size).toBe(100);
    expect(limiter.peek('a')).toBe(0); // evicted: starts over full
    now = 5000;
    expect(limiter.peek('attacker-9999')).toBe(0);
  });
});
