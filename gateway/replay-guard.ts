import { MAX_SKEW_SECONDS } from '../shared/protocol/gateway-signature.js';

/** Default bound on the nonces remembered (about 10 MiB of them). */
export const MAX_REMEMBERED_NONCES = 100_000;

/**
 * Refuses a signed internal-API call seen before. A valid signature stays valid for
 * MAX_SKEW_SECONDS either side of its time `t`, so anyone who captured one call on the
 * network could send it again within that window; each signature carries a random
 * nonce, and this guard remembers the nonces of valid signatures until their window has
 * passed: a nonce seen again is a replay.
 *
 * Memory is bounded: nonces are kept in per-second buckets (by the signature's `t`),
 * dropped when their second leaves the window, and at most `maxNonces` in all. When a
 * burst fills it, the oldest seconds are dropped early and the window's lower edge
 * moves up with them: a signature older than the new edge is refused (it can no longer
 * be told apart from a replay), so the guard never forgets what it would still accept.
 * Genuine calls are signed just before they are sent, so only a call delayed past the
 * shrunken window is refused (401, which its sender retries with a fresh signature).
 */
export class ReplayGuard {
  private readonly buckets = new Map<number, Set<string>>();
  private size = 0;
  /** Signatures with `t` at or below this are refused (seconds; moves up when the guard is full). */
  private floor = -Infinity;

  constructor(private readonly maxNonces = MAX_REMEMBERED_NONCES) {}

  /** Records the nonce of a valid signature; false when it was seen before (or is too old to tell). */
  admit(t: number, nonce: string, nowMs = Date.now()): boolean {
    const now = Math.floor(nowMs / 1000);
    this.expire(now - MAX_SKEW_SECONDS);
    if (t <= this.floor) return false;
    let bucket = this.buckets.get(t);
    if (bucket?.has(nonce)) return false;
    if (!bucket) this.buckets.set(t, (bucket = new Set()));
    bucket.add(nonce);
    this.size++;
    while (this.size > this.maxNonces) this.dropOldest();
    return !(t <= this.floor); // it may itself have been in the oldest second dropped
  }

  /**
   * Forgets a nonce `admit` took (its call turned out not to be the signed one: the body
   * did not match the signature), so the genuine call with that signature still passes.
   */
  release(t: number, nonce: string): void {
    if (this.buckets.get(t)?.delete(nonce)) this.size--;
  }

  /** Nonces remembered now. */
  get remembered(): number {
    return this.size;
  }

  /** Drops the seconds that left the window (their signatures are refused by time anyway). */
  private expire(before: number): void {
    for (const [t, bucket] of this.buckets) {
      if (t >= before) continue;
      this.size -= bucket.size;
      this.buckets.delete(t);
    }
  }

  private dropOldest(): void {
    let oldest = Infinity;
    for (const t of this.buckets.keys()) if (t < oldest) oldest = t;
    const bucket = this.buckets.get(oldest);
    if (!bucket) return;
    this.size -= bucket.size;
    this.buckets.delete(oldest);
    this.floor = Math.max(this.floor, oldest);
  }
}
