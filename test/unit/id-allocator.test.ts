import { describe, expect, it } from 'vitest';
import { IdAllocator } from '../../shared/domain/id-allocator.js';
import type { IdRangeStore } from '../../shared/domain/ports/id-range-store.js';

/** A range store that counts calls and can be made slow or failing. */
class FakeRanges implements IdRangeStore {
  calls = 0;
  max = 0;
  failNext = 0;
  delayMs = 0;
  async reserve(_name: string, step: number) {
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store down');
    }
    this.max += step;
    return { first: this.max - step + 1, last: this.max };
  }
}

describe('IdAllocator (segment, double buffer)', () => {
  it('hands out unique increasing ids with one store call per step', async () => {
    const store = new FakeRanges();
    const ids = new IdAllocator(store, 'msg', 100);
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) out.push(await ids.next());
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(store.calls).toBeLessThanOrEqual(11); // 10 segments + at most one prefetched
  });

  it('prefetches the next segment before the current one runs out', async () => {
    const store = new FakeRanges();
    store.delayMs = 5;
    const ids = new IdAllocator(store, 'msg', 10);
    await ids.next(); // first segment: waits once
    for (let i = 0; i < 8; i++) ids.take(); // 9 used: 1 left, under the 20 % mark
    await new Promise((r) => setTimeout(r, 20));
    expect(store.calls).toBe(2);
    const served = [ids.take(), ids.take(), ids.take()];
    expect(served).toEqual([10, 11, 12]); // no wait at the boundary
  });

  it('serves a burst of waiters many segments larger than one step (none gives up while the store answers)', async () => {
    const store = new FakeRanges();
    store.delayMs = 1;
    const ids = new IdAllocator(store, 'msg', 10);
    const out = await Promise.all(Array.from({ length: 1000 }, () => ids.next()));
    expect(new Set(out).size).toBe(1000);
    expect(Math.max(...out)).toBeLessThanOrEqual(1020);
  });

  it('recovers from a failing store and reports when it cannot', async () => {
    const store = new FakeRanges();
    store.failNext = 1;
    const ids = new IdAllocator(store, 'msg', 10);
    expect(await ids.next()).toBe(1);
    const dead = new FakeRanges();
    dead.failNext = 100;
    const failure = new IdAllocator(dead, 'msg', 10).next();
    await expect(failure).rejects.toThrow(/could not reserve/);
    await expect(failure).rejects.toMatchObject({ code: 'OVERLOADED', retryAfterMs: 1000 }); // not INTERNAL
  });
});
