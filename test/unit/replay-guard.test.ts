import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../gateway/replay-guard.js';
import { MAX_SKEW_SECONDS } from '../../shared/protocol/gateway-signature.js';

const NOW = 1_800_000_000_000;
const T = NOW / 1000;
const nonce = (i: number) => i.toString(16).padStart(32, '0');

describe('ReplayGuard', () => {
  it('takes a nonce once per signature window; forgets it once the window has passed', () => {
    const g = new ReplayGuard();
    expect(g.admit(T, nonce(1), NOW)).toBe(true);
    expect(g.admit(T, nonce(1), NOW)).toBe(false);
    expect(g.admit(T, nonce(2), NOW)).toBe(true);
    expect(g.admit(T - 30, nonce(1), NOW)).toBe(true); // another second: another signature
    expect(g.admit(T, nonce(1), NOW + (MAX_SKEW_SECONDS - 1) * 1000)).toBe(false);
    expect(g.remembered).toBe(2); // by then the second T-30 has left the window
    g.admit(T + 200, nonce(9), NOW + 200_000);
    expect(g.remembered).toBe(1); // the old seconds left the window (their signatures are refused by time anyway)
  });

  it('release gives a nonce back (a call whose body did not match its signature)', () => {
    const g = new ReplayGuard();
    expect(g.admit(T, nonce(1), NOW)).toBe(true);
    g.release(T, nonce(1));
    expect(g.admit(T, nonce(1), NOW)).toBe(true);
  });

  it('stays bounded under a flood: the oldest seconds go first, and a signature from a forgotten second is refused, never taken twice', () => {
    const g = new ReplayGuard(1000);
    for (let s = 0; s < 10; s++) for (let i = 0; i < 200; i++) expect(g.admit(T - 50 + s, nonce(s * 1000 + i), NOW)).toBe(true);
    expect(g.remembered).toBeLessThanOrEqual(1000);
    // second T-50 was dropped to make room: its nonces cannot be told from new ones, so that second is closed
    expect(g.admit(T - 50, nonce(0), NOW)).toBe(false);
    expect(g.admit(T - 50, nonce(999_999), NOW)).toBe(false);
    // recent seconds still remember what they saw, and take new calls
    expect(g.admit(T - 41, nonce(9 * 1000 + 5), NOW)).toBe(false);
    expect(g.admit(T, nonce(424_242), NOW)).toBe(true);
  });
});
