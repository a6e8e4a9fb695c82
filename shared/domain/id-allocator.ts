import { OverloadedError } from '../errors.js';
import type { IdRangeStore } from './ports/id-range-store.js';

interface Segment {
  next: number;
  last: number;
}

/**
 * Leaf-style segment allocator with a double buffer.
 *
 * Ids come from memory: `next()` does no I/O while a segment is loaded. When no more
 * than `refillAt` (default 20 %) of the current segment is left, the next segment is
 * reserved in the background, so a steady caller never waits on the store. Ids are
 * unique across processes and trend upward; they are not a per-timeline order.
 */
export class IdAllocator {
  private current: Segment | undefined;
  private spare: Segment | undefined;
  private pending: Promise<void> | undefined;
  private lastError: unknown;
  private readonly refillBelow: number;

  constructor(
    private readonly store: IdRangeStore,
    private readonly name: string,
    private readonly step: number,
    refillAt = 0.2,
  ) {
    this.refillBelow = Math.max(1, Math.floor(step * refillAt));
  }

  /**
   * The next id; waits for the store only when both buffers are empty. Callers that
   * wait together share each reservation and keep waiting while reservations succeed
   * (a burst of any size is served, one segment at a time); only a third failed
   * reservation fails the call, with OverloadedError (a retry hint, not a bug).
   */
  async next(): Promise<number> {
    let failures = 0;
    for (;;) {
      const id = this.take();
      if (id !== undefined) return id;
      try {
        await this.refill();
      } catch {
        if (++failures >= 3) break;
        await new Promise((r) => setTimeout(r, 20 * 2 ** failures)); // lastError keeps the cause
      }
    }
    throw new OverloadedError(`id allocator "${this.name}" could not reserve a range; retry later`, 1000, { cause: this.lastError });
  }

  /** The next id from memory, or undefined when a reservation has to be awaited. */
  take(): number | undefined {
    let seg = this.current;
    if (!seg || seg.next > seg.last) {
      seg = this.current = this.spare;
      this.spare = undefined;
      if (!seg) {
        this.refill().catch(() => undefined);
        return undefined;
      }
    }
    const id = seg.next++;
    if (seg.last - id < this.refillBelow && !this.spare && !this.pending) this.refill().catch(() => undefined);
    return id;
  }

  /** Reserves the next segment unless one is already spare or on its way. */
  private refill(): Promise<void> {
    if (this.spare) return Promise.resolve();
    this.pending ??= this.store
      .reserve(this.name, this.step)
      .then(({ first, last }) => {
        const seg = { next: first, last };
        if (!this.current || this.current.next > this.current.last) this.current = seg;
        else this.spare = seg;
      })
      .catch((err: unknown) => {
        this.lastError = err;
        throw err;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
