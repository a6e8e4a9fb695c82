import type { IdRangeStore } from '../domain/ports/id-range-store.js';

/**
 * The IdRangeStore contract (ports/id-range-store.ts) in one process's memory: each
 * name counts from 1, and each call takes the next `step` ids (one process: no other
 * caller can get them).
 */
export class MemoryIdRangeStore implements IdRangeStore {
  private readonly max = new Map<string, number>();

  async reserve(name: string, step: number): Promise<{ first: number; last: number }> {
    const last = (this.max.get(name) ?? 0) + step;
    this.max.set(name, last);
    return { first: last - step + 1, last };
  }
}
