import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoBatchWriter, type WriteRequest } from '../../shared/aws/dynamo-batch-writer.js';
import { mulberry32 } from '../security/goim-fuzz.js';

/**
 * The coalescing session writer against a DynamoDB that misbehaves at random (seeded):
 * throttling, unprocessed items, 5xx, a poisoned item refused for good, random latency.
 * Every caller must settle (no hang), a refused item must fail only its own callers, and
 * each item must end as the last successful write left it.
 */
function chaoticDb(random: () => number, poison: string) {
  const items = new Map<string, string>();
  let calls = 0;
  const client = {
    async send(cmd: { input: { RequestItems: Record<string, WriteRequest[]> } }) {
      calls++;
      const requests = Object.values(cmd.input.RequestItems)[0]!;
      const keyOf = (r: WriteRequest) => ('PutRequest' in r ? r.PutRequest.Item.pk : r.DeleteRequest.Key.pk) as string;
      const keys = requests.map(keyOf);
      if (new Set(keys).size !== keys.length) throw Object.assign(new Error('duplicate keys'), { name: 'ValidationException' });
      await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
      const roll = random();
      if (roll < 0.1) throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
      if (roll < 0.15) throw Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
      if (keys.includes(poison)) throw Object.assign(new Error('item too large'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      const unprocessed = requests.filter(() => random() < 0.2);
      for (const r of requests) {
        if (unprocessed.includes(r)) continue;
        if ('PutRequest' in r) items.set(keyOf(r), r.PutRequest.Item.v as string);
        else items.delete(keyOf(r));
      }
      return { UnprocessedItems: unprocessed.length ? { t: unprocessed } : {} };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, items, calls: () => calls };
}

describe('DynamoBatchWriter under a chaotic store', () => {
  it.each([
    [1, 12],
    [2, 12],
    [3, 2],
  ])('seed %i (%i tries per item): 600 writes over 40 items from many callers all settle; last writes win; the poisoned item fails only its callers', async (seed, maxAttempts) => {
    const random = mulberry32(0xbadc0de + seed);
    const db = chaoticDb(random, 'k7');
    const writer = new DynamoBatchWriter(db.client, 't', { baseBackoffMs: 1, maxBackoffMs: 3, maxAttempts, random });
    const lastOk = new Map<string, { order: number; value: string | null }>();
    const outcomes: Promise<void>[] = [];
    const results: { keys: string[]; ok: boolean; order: number; err?: string }[] = [];
    let order = 0;
    for (let i = 0; i < 600; i++) {
      const n = 1 + Math.floor(random() * 3);
      const requests: WriteRequest[] = [];
      const meta: { key: string; value: string | null }[] = [];
      for (let j = 0; j < n; j++) {
        const key = `k${Math.floor(random() * 40)}`;
        if (meta.some((m) => m.key === key)) continue;
        const value = random() < 0.2 ? null : `v${i}-${j}`;
        requests.push(value === null ? { DeleteRequest: { Key: { pk: key, sk: 'm' } } } : { PutRequest: { Item: { pk: key, sk: 'm', v: value } } });
        meta.push({ key, value });
      }
      const mine = ++order;
      outcomes.push(
        writer.write(requests).then(
          () => {
            results.push({ keys: meta.map((m) => m.key), ok: true, order: mine });
            for (const m of meta) if ((lastOk.get(m.key)?.order ?? 0) < mine) lastOk.set(m.key, { order: mine, value: m.value });
          },
          (err: unknown) => void results.push({ keys: meta.map((m) => m.key), ok: false, order: mine, err: String((err as Error).name) }),
        ),
      );
      if (random() < 0.3) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(outcomes); // a hang fails the test by its timeout
    expect(results.length).toBe(600);
    expect(writer.backlog).toBe(0);
    // a refused call fails only callers that wrote the poisoned item
    expect(results.filter((r) => !r.ok && !r.keys.includes('k7') && r.err !== 'OverloadedError')).toEqual([]);
    expect(results.filter((r) => r.ok && r.keys.includes('k7'))).toEqual([]);
    // every item is as its last successful caller left it (unless a later caller's write of it failed: it may or may not have landed)
    let checked = 0;
    for (const [key, { order: at, value }] of lastOk) {
      if (results.some((r) => !r.ok && r.order > at && r.keys.includes(key))) continue;
      expect(db.items.get(key) ?? null, `${key} (written by call ${at})`).toBe(value);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    if (maxAttempts === 2) expect(results.some((r) => r.err === 'OverloadedError')).toBe(true); // the give-up path ran
  });
});
