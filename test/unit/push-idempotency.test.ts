import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIdempotencyStore } from '../../shared/aws/dynamo-idempotency-store.js';
import { domainSettings, loadConfig } from '../../shared/config.js';
import type { Deps } from '../../shared/domain/deps.js';
import type { ConnectionRef } from '../../shared/domain/model.js';
import { PUSH_IDEMPOTENCY_TTL_SECONDS, pushTransient, type PushInput } from '../../shared/domain/push.js';
import { ConflictError } from '../../shared/errors.js';
import { startDynalite } from '../helpers/dynalite.js';

/**
 * The push API's Idempotency-Key (docs/PROTOCOL.md), on the domain function with a clock
 * the test moves and a queue that records what it is given: a repeat answers the first
 * result and enqueues nothing past the queue's dedup window; a different request under
 * the key is refused before anything is enqueued; a failed first attempt gives the key back.
 */
describe('pushTransient with an Idempotency-Key', () => {
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;
  let now = 1_800_000_000_000;
  const enqueued: { group: string; dedup: string }[] = [];
  let failEnqueue = false;
  const online = new Map<string, number>();
  let deps: Parameters<typeof pushTransient>[0];
  beforeAll(async () => {
    dynamo = await startDynalite();
    const ref = (uid: string, i: number) => ({ connectionId: `${uid}-${i}`, uid, endpoint: 'http://x', kind: 'apigw' }) as ConnectionRef;
    deps = {
      settings: domainSettings(loadConfig({ EDGEIM_JWT_SECRET: 'x' })),
      clock: { now: () => now },
      sessions: { byUser: async (uid: string) => Array.from({ length: online.get(uid) ?? 0 }, (_, i) => ref(uid, i)), roomCount: async () => 1 } as unknown as Deps['sessions'],
      queue: {
        enqueue: async (_job, options) => {
          if (failEnqueue) throw new Error('SQS is down');
          enqueued.push(options);
        },
      },
      idempotency: new DynamoIdempotencyStore(dynamo.db, dynamo.config.EDGEIM_TIMELINES_TABLE, () => Math.floor(now / 1000)),
    };
  });
  afterAll(() => dynamo.close());

  const push = (requestId: string, over: Partial<PushInput> = {}) => pushTransient(deps, { op: 1000, body: { n: 1 }, to: { users: ['ann', 'bo'] }, requestId, idempotent: true, ...over });

  it('a repeat answers the first result; within the dedup window its jobs go to the queue again (dropped there), after it nothing', async () => {
    online.set('ann', 2).set('bo', 1);
    enqueued.length = 0;
    const first = await push('k-1');
    expect(first).toEqual({ pushId: 'k-1', connections: 3 });
    const jobs = [...enqueued];
    expect(jobs.length).toBe(2);

    online.set('ann', 5); // the answer stays the first one
    now += 60_000;
    expect(await push('k-1', { to: { users: ['bo', 'ann', 'bo'] } })).toEqual(first); // user lists are sets
    const byGroup = (list: { group: string }[]) => [...list].sort((a, b) => a.group.localeCompare(b.group));
    expect(byGroup(enqueued.slice(2))).toEqual(byGroup(jobs)); // same ids: the queue drops them

    now += 10 * 60_000;
    expect(await push('k-1')).toEqual(first);
    expect(enqueued.length).toBe(4); // nothing new
  });

  it('a different request under the key is refused and enqueues nothing: body, op, target, speed', async () => {
    online.set('ann', 1).set('bo', 1);
    await push('k-2');
    const before = enqueued.length;
    for (const other of [{ body: { n: 2 } }, { op: 1001 }, { to: { users: ['ann'] } }, { to: { room: 'r' } }, { body: { n: 1 }, encoding: 'base64' as const }]) {
      await expect(push('k-2', other)).rejects.toBeInstanceOf(ConflictError);
    }
    expect(enqueued.length).toBe(before);
    expect(await push('k-2', { body: { n: 1 } })).toEqual({ pushId: 'k-2', connections: 2 }); // key order in the body aside, the same
  });

  it('a first attempt that could not enqueue gives its key back: the retry pushes', async () => {
    online.set('ann', 1).set('bo', 0);
    failEnqueue = true;
    await expect(push('k-3', { body: 'first try' })).rejects.toThrow(/SQS is down/);
    failEnqueue = false;
    enqueued.length = 0;
    expect(await push('k-3', { body: 'second try' })).toEqual({ pushId: 'k-3', connections: 1 });
    expect(enqueued.length).toBe(1);
  });

  it('is remembered for a day, then the key is free', async () => {
    online.set('ann', 1).set('bo', 1);
    await push('k-4');
    now += PUSH_IDEMPOTENCY_TTL_SECONDS * 1000 - 1000;
    await expect(push('k-4', { body: 'new' })).rejects.toBeInstanceOf(ConflictError);
    now += 2000;
    expect(await push('k-4', { body: 'new' })).toEqual({ pushId: 'k-4', connections: 2 });
  });

  it('without a key nothing is recorded (a generated request id)', async () => {
    enqueued.length = 0;
    await pushTransient(deps, { op: 1000, body: 1, to: { users: ['ann'] }, requestId: 'gen-1' });
    await pushTransient(deps, { op: 1000, body: 2, to: { users: ['ann'] }, requestId: 'gen-1' });
    expect(enqueued.length).toBe(2);
  });
});
