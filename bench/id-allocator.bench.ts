/**
 * Id allocator: ids/s served from memory next to a bare counter loop in the same run,
 * and DynamoDB calls per 1 000 000 ids against dynalite through the real SDK.
 *
 *   npx tsx bench/id-allocator.bench.ts
 */
import { DynamoIdRangeStore } from '../shared/aws/dynamo-id-range-store.js';
import { IdAllocator } from '../shared/domain/id-allocator.js';
import { startDynalite } from '../test/helpers/dynalite.js';
import { fmt, isMain } from './stats.js';

export interface IdAllocatorBench {
  /** Hot path: ids/s from a loaded segment (what a request pays). */
  idsPerSec: number;
  /** 1M ids drawn as fast as possible, step-sized reservations included. */
  drainPerSec: number;
  baselinePerSec: number;
  ratio: number;
  dynamoCallsPerMillion: number;
  step: number;
}

export async function run(step = 1000): Promise<IdAllocatorBench> {
  const d = await startDynalite();
  let calls = 0;
  d.db.middlewareStack.add((next) => async (args) => (calls++, next(args)), { step: 'initialize' });
  const ids = new IdAllocator(new DynamoIdRangeStore(d.db, d.config.EDGEIM_IDS_TABLE), 'bench', step);

  // 1 000 000 ids drawn flat out: a tight loop outruns the prefetch, so this includes
  // waiting for DynamoDB once per segment; it also counts the calls.
  const N = 1_000_000;
  calls = 0;
  let last = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) last = ids.take() ?? (await ids.next());
  const drainMs = performance.now() - t0;
  const dynamoCalls = calls;

  // Hot path: a segment big enough to serve the whole loop from memory.
  const hot = new IdAllocator(new DynamoIdRangeStore(d.db, d.config.EDGEIM_IDS_TABLE), 'hot', 4 * N);
  await hot.next();
  const t2 = performance.now();
  for (let i = 0; i < N; i++) last = hot.take() ?? (await hot.next());
  const allocMs = performance.now() - t2;

  let counter = 0;
  const t1 = performance.now();
  for (let i = 0; i < N; i++) counter = counter + 1 + (i & 0);
  const baseMs = performance.now() - t1;
  await d.close();
  if (last < N || counter !== N) throw new Error('bench sanity check failed');

  const idsPerSec = N / (allocMs / 1000);
  const baselinePerSec = N / (baseMs / 1000);
  return { idsPerSec, drainPerSec: N / (drainMs / 1000), baselinePerSec, ratio: baselinePerSec / idsPerSec, dynamoCallsPerMillion: dynamoCalls, step };
}

export function print(r: IdAllocatorBench): void {
  console.log(`id allocator (step ${r.step})
  ids/s from memory          ${fmt(r.idsPerSec, 0)}   (bare counter loop ${fmt(r.baselinePerSec, 0)}/s, ${fmt(r.ratio, 1)}x slower)
  1M ids drawn flat out      ${fmt(r.drainPerSec, 0)} ids/s, reservations from dynalite included
  DynamoDB calls / 1M ids    ${r.dynamoCallsPerMillion}`);
}

if (isMain(import.meta.url)) print(await run());
