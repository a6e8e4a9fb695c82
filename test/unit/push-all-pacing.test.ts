import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import type { PushJob } from '../../shared/domain/model.js';
import { PUSH_ALL_PAGE, pushTransient } from '../../shared/domain/push.js';
import { memoryDeps, type MemoryDeps } from '../../shared/memory/memory-deps.js';
import { connect, runJob } from './job-runner.js';

const setup = async (connections: number): Promise<MemoryDeps> => {
  const deps = memoryDeps(loadConfig({}));
  for (let i = 0; i < connections; i++) await connect(deps, `c${String(i).padStart(5, '0')}`, `u${i % 50}`);
  return deps;
};

const pushAll = (deps: MemoryDeps, speed?: number) => pushTransient(deps, { op: 1000, body: 'all', to: { all: true }, requestId: 'r1', ...(speed ? { speed } : {}) });

/** The push job waiting in the queue (the only one). */
const waiting = (deps: MemoryDeps): PushJob => {
  const jobs = deps.queue.peek();
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!.job;
  if (job.kind !== 'push') throw new Error(`not a push job: ${job.kind}`);
  return job.push;
};

/** Runs the push-all chain, each page when its `notBefore` comes (the clock jumps there); the start time of every page. */
async function runChain(deps: MemoryDeps): Promise<number[]> {
  const starts: number[] = [];
  for (let q = deps.queue.take(); q; q = deps.queue.take()) {
    if (q.job.kind !== 'push') throw new Error('not a push job');
    const notBefore = q.job.push.notBefore;
    if (notBefore !== undefined && notBefore > deps.clock.now()) deps.clock.set(notBefore);
    starts.push(deps.clock.now());
    await runJob(deps, q.job);
  }
  return starts;
}

/** How many `push` frames each connection got. */
const pushesPerConnection = (deps: MemoryDeps) => {
  const counts = new Map<string, number>();
  for (const p of deps.delivery.posts) {
    const frame = JSON.parse(p.data) as { type: string; frames?: { type: string }[] };
    const n = frame.type === 'batch' ? frame.frames!.filter((f) => f.type === 'push').length : frame.type === 'push' ? 1 : 0;
    counts.set(p.connectionId, (counts.get(p.connectionId) ?? 0) + n);
  }
  return counts;
};

describe('push-all pacing', () => {
  afterEach(() => vi.useRealTimers());

  it('is accepted as one job carrying the speed, counting every live connection', async () => {
    const deps = await setup(7);
    expect(await pushAll(deps, 3)).toEqual({ pushId: 'r1', connections: 7 });
    expect(waiting(deps)).toMatchObject({ to: { all: true }, speed: 3 });
  });

  it('goes out `speed` connections per page, each page one second of budget after the one before: every connection once', async () => {
    const deps = await setup(10);
    await pushAll(deps, 3);
    const starts = await runChain(deps);
    expect(starts).toHaveLength(4); // 3 + 3 + 3 + 1
    expect(starts.map((t) => t - starts[0]!)).toEqual([0, 1000, 2000, 3000]);
    const counts = pushesPerConnection(deps);
    expect(counts.size).toBe(10);
    expect(new Set(counts.values())).toEqual(new Set([1]));
  });

  it('a page of the chain names the next page, its cursor and when it may start', async () => {
    const deps = await setup(5);
    await pushAll(deps, 2);
    const first = deps.queue.take()!.job;
    const started = deps.clock.now();
    await runJob(deps, first);
    expect(waiting(deps)).toMatchObject({ page: 1, cursor: expect.any(String), notBefore: started + 1000, speed: 2 });
    expect(deps.delivery.posts).toHaveLength(2);
  });

  it(`a speed above a page (${PUSH_ALL_PAGE}) sends full pages, sooner than a second apart`, async () => {
    const deps = await setup(PUSH_ALL_PAGE + 10);
    await pushAll(deps, 4 * PUSH_ALL_PAGE);
    await runJob(deps, deps.queue.take()!.job);
    expect(deps.delivery.posts).toHaveLength(PUSH_ALL_PAGE);
    expect(waiting(deps).notBefore).toBe(deps.clock.now() + 250);
  });

  it(`without a speed, pages of ${PUSH_ALL_PAGE} follow each other at once`, async () => {
    const deps = await setup(PUSH_ALL_PAGE + 10);
    await pushAll(deps);
    await runJob(deps, deps.queue.take()!.job);
    expect(deps.delivery.posts).toHaveLength(PUSH_ALL_PAGE);
    expect(waiting(deps).notBefore).toBeUndefined();
    const starts = await runChain(deps);
    expect(starts).toHaveLength(1);
    expect(pushesPerConnection(deps).size).toBe(PUSH_ALL_PAGE + 10);
  });

  it('a page run again (a retried job) enqueues its next page once: the queue drops the repeat', async () => {
    const deps = await setup(4);
    await pushAll(deps, 2);
    const first = deps.queue.take()!.job;
    await runJob(deps, first);
    await runJob(deps, first, false);
    expect(deps.queue.size).toBe(1);
    expect(deps.queue.dropped).toBe(1);
  });

  it('a page that comes early waits for its start (at most a second per run) before it reads the sessions', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const deps = await setup(4);
    await pushAll(deps, 2);
    await runJob(deps, deps.queue.take()!.job);
    const next = deps.queue.take()!.job;
    deps.clock.advance(-4000); // notBefore is now five seconds ahead: this run waits one, then goes
    const early = runJob(deps, next);
    let done = false;
    void early.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    expect(deps.delivery.posts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await early;
    expect(deps.delivery.posts).toHaveLength(4);
  });
});
