/**
 * The fan-out job's throughput with records of different conversations in parallel
 * (`npm run bench -- job-parallel`): 200 conversations each send one message while the
 * job is paused, then one poller (one invocation at a time, batches of 10) works through
 * the backlog. Run twice in the same process on the same local stack setup: with
 * EDGEIM_JOB_GROUP_CONCURRENCY at its default (every conversation of a batch at once)
 * and at 1 (one record after the other, as before), so the ratio is what the parallel
 * groups buy. Each recipient has a live WebSocket-API connection, so every record
 * appends two inboxes and posts one frame.
 *
 *   npx tsx bench/job-parallel.bench.ts [conversations]
 */
import { startTestStack } from '../test/helpers/local-stack.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { sendMessage } from '../shared/domain/messaging.js';
import { userCaller } from '../shared/domain/deps.js';
import { fmt, isMain } from './stats.js';

export interface JobParallelResult {
  conversations: number;
  parallel: { ms: number; perSecond: number; invocations: number };
  sequential: { ms: number; perSecond: number; invocations: number };
}

async function once(conversations: number, groupConcurrency: number): Promise<{ ms: number; perSecond: number; invocations: number }> {
  let invocations = 0;
  const stack = await startTestStack({
    pollers: 1,
    env: { EDGEIM_JOB_GROUP_CONCURRENCY: String(groupConcurrency) },
    onInvoke: (fn) => void (fn === 'fanout-job' && invocations++),
  });
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < conversations; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(50, conversations - i) }, (_, k) => TestClient.connect(stack.wsUrl, `jr${i + k}`)))));
    }
    await sendMessage(stack.app, userCaller('jwarm'), { to: { user: 'jr0' }, cmid: 'warm', body: 'warm' }); // ids, clients, first invocation
    await stack.drain();
    invocations = 0;
    stack.poller.pause();
    await Promise.all(Array.from({ length: conversations }, (_, i) => sendMessage(stack.app, userCaller(`js${i}`), { to: { user: `jr${i}` }, cmid: `c${i}`, body: { n: i } })));
    const started = performance.now();
    stack.poller.resume();
    if (!(await stack.drain(300_000))) throw new Error('job-parallel: the backlog did not drain');
    const ms = performance.now() - started;
    return { ms, perSecond: (conversations / ms) * 1000, invocations };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  }
}

export async function run(conversations = 200): Promise<JobParallelResult> {
  const parallel = await once(conversations, 10);
  const sequential = await once(conversations, 1);
  return { conversations, parallel, sequential };
}

export function print(r: JobParallelResult): void {
  console.log(`fan-out job: ${r.conversations} conversations, one 1:1 message each, backlog worked through by one poller (batches of 10)`);
  console.log(`  conversations of a batch in parallel   ${fmt(r.parallel.ms, 0).padStart(7)} ms  ${fmt(r.parallel.perSecond, 1).padStart(7)} records/s  (${r.parallel.invocations} invocations)`);
  console.log(`  one record at a time (same run)        ${fmt(r.sequential.ms, 0).padStart(7)} ms  ${fmt(r.sequential.perSecond, 1).padStart(7)} records/s  (${r.sequential.invocations} invocations)`);
  console.log(`  ratio                                  ${fmt(r.parallel.perSecond / r.sequential.perSecond, 2)}× the records per second`);
}

if (isMain(import.meta.url)) print(await run(Number(process.argv[2] ?? 200)));
