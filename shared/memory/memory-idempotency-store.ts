import type { IdempotencyStore, IdempotentRecord } from '../domain/ports/idempotency-store.js';

/** A copy that shares nothing with the caller's (the DynamoDB store keeps the answer as JSON text). */
const clone = (r: IdempotentRecord): IdempotentRecord => ({ hash: r.hash, result: JSON.parse(JSON.stringify(r.result)) as unknown, at: r.at });

/**
 * The IdempotencyStore contract (ports/idempotency-store.ts) in one process's memory:
 * the first claim of a key records, later claims get that record back while it lives
 * (until its `expiresAt`, epoch seconds, by `nowSeconds`); `release` removes the record
 * only while it is the one named (same digest and time, as the DynamoDB store checks).
 * Keys are compared exactly, whatever they hold.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, { record: IdempotentRecord; expiresAt: number }>();

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  async claim(key: string, record: IdempotentRecord, expiresAt: number): Promise<IdempotentRecord | undefined> {
    const held = this.records.get(key);
    if (held && held.expiresAt > this.nowSeconds()) return clone(held.record);
    this.records.set(key, { record: clone(record), expiresAt });
    return undefined;
  }

  async release(key: string, record: IdempotentRecord): Promise<void> {
    const held = this.records.get(key)?.record;
    if (held && held.hash === record.hash && held.at === record.at) this.records.delete(key);
  }
}
