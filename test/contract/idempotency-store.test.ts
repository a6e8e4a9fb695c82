import { describe, expect, it } from 'vitest';
import { DynamoIdempotencyStore } from '../../shared/aws/dynamo-idempotency-store.js';
import type { IdempotencyStore, IdempotentRecord } from '../../shared/domain/ports/idempotency-store.js';
import { MemoryIdempotencyStore } from '../../shared/memory/memory-idempotency-store.js';
import { memoryAndDynamo, useImplementation } from './implementations.js';

const NOW_S = 1_800_000_000;
const LATER = NOW_S + 3600;
const rec = (hash: string, result: unknown = { pushId: hash }, at = NOW_S * 1000): IdempotentRecord => ({ hash, result, at });

const implementations = memoryAndDynamo<IdempotencyStore>(
  () => new MemoryIdempotencyStore(() => NOW_S),
  (d) => new DynamoIdempotencyStore(d.db, d.config.EDGEIM_TIMELINES_TABLE, () => NOW_S),
);

/** The IdempotencyStore contract (shared/domain/ports/idempotency-store.ts), run against every implementation. */
describe.each(implementations)('IdempotencyStore contract: $name', (impl) => {
  let store: IdempotencyStore;
  useImplementation(impl, (o) => (store = o.store));

  it('the first claim records; later claims change nothing and get the first record back, whatever they hold', async () => {
    expect(await store.claim('push#k1', rec('h1', { pushId: 'k1', connections: 3 }), LATER)).toBeUndefined();
    expect(await store.claim('push#k1', rec('h1'), LATER)).toEqual(rec('h1', { pushId: 'k1', connections: 3 }));
    expect(await store.claim('push#k1', rec('other'), LATER)).toEqual(rec('h1', { pushId: 'k1', connections: 3 }));
  });

  it('of concurrent claims exactly one records', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim('push#race', rec(`h${i}`), LATER)));
    const won = all.filter((r) => r === undefined).length;
    expect(won).toBe(1);
    const winner = all.findIndex((r) => r === undefined);
    for (const r of all) if (r) expect(r.hash).toBe(`h${winner}`);
  });

  it('keys are exact: any characters, no two keys share a record', async () => {
    const keys = ['push#a', 'push#a#', 'push#a#b', 'push#a:b', 'push#a b', 'push#ä', 'push#🙂', `push#${'x'.repeat(255)}`, 'messages#a'];
    for (const k of keys) expect(await store.claim(k, rec(k), LATER)).toBeUndefined();
    for (const k of keys) expect((await store.claim(k, rec('again'), LATER))?.hash).toBe(k);
  });

  it('an expired record no longer holds its key', async () => {
    expect(await store.claim('push#old', rec('h-old'), NOW_S - 1)).toBeUndefined();
    expect(await store.claim('push#old', rec('h-new'), LATER)).toBeUndefined();
    expect((await store.claim('push#old', rec('h-3'), LATER))?.hash).toBe('h-new');
  });

  it('release removes only the record it names', async () => {
    expect(await store.claim('push#rel', rec('h1'), LATER)).toBeUndefined();
    await store.release('push#rel', rec('h2')); // not the record held
    expect((await store.claim('push#rel', rec('h3'), LATER))?.hash).toBe('h1');
    await store.release('push#rel', rec('h1'));
    expect(await store.claim('push#rel', rec('h4'), LATER)).toBeUndefined();
    await store.release('push#never', rec('h1')); // nothing there: fine
  });
});
