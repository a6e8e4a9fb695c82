import { describe, expect, it } from 'vitest';
import { DynamoIdRangeStore } from '../../shared/aws/dynamo-id-range-store.js';
import type { IdRangeStore } from '../../shared/domain/ports/id-range-store.js';
import { MemoryIdRangeStore } from '../../shared/memory/memory-id-range-store.js';
import { memoryAndDynamo, useImplementation } from './implementations.js';

const implementations = memoryAndDynamo<IdRangeStore>(
  () => new MemoryIdRangeStore(),
  (d) => new DynamoIdRangeStore(d.db, d.config.EDGEIM_IDS_TABLE),
);

/** The IdRangeStore contract (shared/domain/ports/id-range-store.ts), run against every implementation. */
describe.each(implementations)('IdRangeStore contract: $name', (impl) => {
  let store: IdRangeStore;
  useImplementation(impl, (o) => (store = o.store));

  it('hands out disjoint, increasing ranges, also under concurrency', async () => {
    const ranges = await Promise.all(Array.from({ length: 20 }, () => store.reserve('msg', 100)));
    const sorted = [...ranges].sort((a, b) => a.first - b.first);
    expect(sorted[0]).toEqual({ first: 1, last: 100 });
    sorted.forEach((r, i) => {
      expect(r.last - r.first).toBe(99);
      if (i > 0) expect(r.first).toBe(sorted[i - 1]!.last + 1);
    });
    expect(await store.reserve('other', 10)).toEqual({ first: 1, last: 10 });
  });
});
