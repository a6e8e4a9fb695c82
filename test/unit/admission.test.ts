import { describe, expect, it } from 'vitest';
import { Admission } from '../../gateway/admission.js';

describe('gateway admission control', () => {
  it('admits up to the limit of Auths in flight, refuses the next with OVERLOADED and a spread retry hint, admits again once one is done', () => {
    const a = new Admission({ maxPendingAuths: 2, maxEventLoopDelayMs: 0, retryAfterMs: 1000 }, () => 0.5);
    expect(a.admit()).toBeNull();
    expect(a.admit()).toBeNull();
    expect(a.admit()).toEqual({ code: 'OVERLOADED', message: expect.any(String), reconnect: true, retryAfterMs: 1500 });
    expect(a.refused).toBe(1);
    a.done();
    expect(a.admit()).toBeNull();
  });

  it('retry hints fall in [retryAfterMs, 2·retryAfterMs), and never under a longer hint from the store', () => {
    expect(new Admission({ maxPendingAuths: 1, maxEventLoopDelayMs: 0, retryAfterMs: 200 }, () => 0).overloaded('x').retryAfterMs).toBe(200);
    expect(new Admission({ maxPendingAuths: 1, maxEventLoopDelayMs: 0, retryAfterMs: 200 }, () => 0.999).overloaded('x').retryAfterMs).toBe(400);
    expect(new Admission({ maxPendingAuths: 1, maxEventLoopDelayMs: 0, retryAfterMs: 200 }, () => 0).overloaded('x', 3000).retryAfterMs).toBe(3000);
  });

  it('refuses while the event loop lags more than the limit', async () => {
    const a = new Admission({ maxPendingAuths: 100, maxEventLoopDelayMs: 50, retryAfterMs: 1000 });
    a.start();
    try {
      await new Promise((r) => setTimeout(r, 60));
      const until = performance.now() + 250;
      while (performance.now() < until); // the loop is stuck for 250 ms
      await new Promise((r) => setTimeout(r, 30)); // let the delay be observed
      expect(a.admit()).toMatchObject({ code: 'OVERLOADED', reconnect: true });
    } finally {
      a.stop();
    }
  });
});
