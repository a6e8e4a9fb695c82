import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoBatchWriter, type WriteRequest } from '../../shared/aws/dynamo-batch-writer.js';
import { OverloadedError } from '../../shared/errors.js';

type Answer = { unprocessed?: string[] } | Error;

/**
 * A BatchWriteItem stand-in: records every call's items (as `pk` strings), applies puts
 * and deletes to a map, and answers each call with the next scripted answer (default: all
 * written). `unprocessed` names items to leave unwritten in that answer.
 */
class FakeDynamo {
  readonly calls: string[][] = [];
  readonly items = new Map<string, Record<string, unknown>>();
  inFlight = 0;
  maxInFlight = 0;
  private readonly script: ((items: string[]) => Answer | undefined)[] = [];
  delayMs = 1;

  /** Answers the next matching calls this way (each rule is used once). */
  answer(rule: (items: string[]) => Answer | undefined): void {
    this.script.push(rule);
  }

  client(): DynamoDBDocumentClient {
    return { send: (cmd: { input: { RequestItems: Record<string, WriteRequest[]> } }) => this.send(cmd) } as unknown as DynamoDBDocumentClient;
  }

  private async send(cmd: { input: { RequestItems: Record<string, WriteRequest[]> } }) {
    const requests = Object.values(cmd.input.RequestItems)[0]!;
    const keys = requests.map((r) => ('PutRequest' in r ? r.PutRequest.Item.pk : r.DeleteRequest.Key.pk) as string);
    expect(keys.length).toBeLessThanOrEqual(25);
    expect(new Set(keys).size).toBe(keys.length); // DynamoDB refuses a batch that names an item twice
    this.calls.push(keys);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.inFlight--;
    let answer: Answer | undefined;
    const i = this.script.findIndex((rule) => rule(keys) !== undefined);
    if (i >= 0) answer = this.script.splice(i, 1)[0]!(keys);
    if (answer instanceof Error) throw answer;
    const left = new Set(answer?.unprocessed ?? []);
    const unprocessed: WriteRequest[] = [];
    for (const r of requests) {
      const key = ('PutRequest' in r ? r.PutRequest.Item.pk : r.DeleteRequest.Key.pk) as string;
      if (left.has(key)) unprocessed.push(r);
      else if ('PutRequest' in r) this.items.set(key, r.PutRequest.Item);
      else this.items.delete(key);
    }
    return { UnprocessedItems: unprocessed.length > 0 ? { t: unprocessed } : {} };
  }
}

const put = (pk: string, extra: Record<string, unknown> = {}): WriteRequest => ({ PutRequest: { Item: { pk, sk: 'meta', ...extra } } });
const del = (pk: string): WriteRequest => ({ DeleteRequest: { Key: { pk, sk: 'meta' } } });
const writer = (db: FakeDynamo, options = {}) => new DynamoBatchWriter(db.client(), 't', { baseBackoffMs: 1, maxBackoffMs: 5, ...options });
const settle = <T>(p: Promise<T>) => p.then(() => 'ok' as const, (err: unknown) => err);

describe('DynamoBatchWriter (coalesced BatchWriteItem)', () => {
  it('coalesces the writes of many callers into calls of at most 25 items, and each caller learns when its items are written', async () => {
    const db = new FakeDynamo();
    const w = writer(db);
    const writes = Array.from({ length: 200 }, (_, i) => w.write([put(`conn#${i}`), put(`user#${i}`), put(`room#${i}`)]));
    await Promise.all(writes);
    expect(db.items.size).toBe(600);
    expect(db.calls.length).toBeLessThanOrEqual(Math.ceil(600 / 25) + 2);
    expect(db.calls.length).toBeGreaterThanOrEqual(24);
    expect(db.maxInFlight).toBeLessThanOrEqual(16);
    expect(w.backlog).toBe(0);
  });

  it('sends a lone write at once when idle (one call, nothing to wait for)', async () => {
    const db = new FakeDynamo();
    await writer(db).write([put('conn#a'), put('user#a')]);
    expect(db.calls).toEqual([['conn#a', 'user#a']]);
  });

  it('retries items DynamoDB leaves unprocessed until they are written', async () => {
    const db = new FakeDynamo();
    db.answer(() => ({ unprocessed: ['b', 'c'] }));
    db.answer((keys) => (keys.includes('c') ? { unprocessed: ['c'] } : undefined));
    await writer(db).write([put('a'), put('b'), put('c')]);
    expect([...db.items.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(db.calls.length).toBe(3);
  });

  it('tells only the callers of an item that stays unprocessed: OverloadedError with a retry hint', async () => {
    const db = new FakeDynamo();
    for (let i = 0; i < 10; i++) db.answer((keys) => (keys.includes('stuck') ? { unprocessed: ['stuck'] } : undefined));
    const w = writer(db, { maxAttempts: 4 });
    const [stuck, fine] = await Promise.all([settle(w.write([put('stuck'), put('x')])), settle(w.write([put('fine')]))]);
    expect(stuck).toBeInstanceOf(OverloadedError);
    expect(stuck).toMatchObject({ code: 'OVERLOADED', retryAfterMs: expect.any(Number) });
    expect(fine).toBe('ok');
    expect(db.items.has('fine')).toBe(true);
    expect(db.calls.filter((c) => c.includes('stuck'))).toHaveLength(4);
  });

  it('retries a throttled call, then succeeds', async () => {
    const db = new FakeDynamo();
    db.answer(() => Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    db.answer(() => new OverloadedError('the store is overloaded', 1000));
    await writer(db).write([put('a'), put('b')]);
    expect(db.items.size).toBe(2);
  });

  it('a call refused for another reason is retried item by item: only the bad item fails, with its own error', async () => {
    const db = new FakeDynamo();
    const invalid = Object.assign(new Error('item too large'), { name: 'ValidationException' });
    db.answer((keys) => (keys.length > 1 && keys.includes('bad') ? invalid : undefined));
    db.answer((keys) => (keys.length === 1 && keys[0] === 'bad' ? invalid : undefined));
    const w = writer(db);
    const results = await Promise.all([settle(w.write([put('ok1')])), settle(w.write([put('bad')])), settle(w.write([put('ok2')]))]);
    expect(results).toEqual(['ok', invalid, 'ok']);
    expect([...db.items.keys()].sort()).toEqual(['ok1', 'ok2']);
  });

  it('keeps the order of writes to one item: a later write waits for the one in flight, and waiting ones collapse into the last', async () => {
    const db = new FakeDynamo();
    db.delayMs = 5;
    const w = writer(db);
    const first = w.write([put('k', { v: 1 })]);
    await new Promise((r) => setImmediate(r)); // the first write is now in flight
    const second = w.write([put('k', { v: 2 })]);
    const third = w.write([del('k')]);
    const fourth = w.write([put('k', { v: 4 })]);
    await Promise.all([first, second, third, fourth]);
    expect(db.calls).toEqual([['k'], ['k']]); // the three waiting writes went as one: the last
    expect(db.items.get('k')).toMatchObject({ v: 4 });
  });

  it('an item written twice in one call is one write', async () => {
    const db = new FakeDynamo();
    await writer(db).write([put('k', { v: 1 }), put('k', { v: 2 })]);
    expect(db.calls).toEqual([['k']]);
    expect(db.items.get('k')).toMatchObject({ v: 2 });
  });
});
