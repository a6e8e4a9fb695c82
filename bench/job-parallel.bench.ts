/**
 * The fan-out job's throughput with records of different conversations in parallel
 * (`npm run bench -- job-parallel`): 200 conversations each send one message while the
 * job is paused, then one poller (one invocation at a time, batches of 10) works through
 * the backlog. Run twice in the same process on the same local stack setup: with
 * EDGEIM_JOB_GROUP_CONCURRENCY at its default (every conversation of a batch at once)
 * and at 1 (one record after the other, as before), so the ratio is what the parallel
 * groups buy. Each mode runs twice, alternating, and its faster run counts. Each recipient has a live WebSocket-API connection, so every record
 * appends two inboxes and posts one frame.
 *
 * The local emulators answer in about a millisecond but burn the machine's CPU, so on a
 * 2-core machine they, not waiting, bound the job. A second pair of runs adds a fixed
 * latency to every DynamoDB and SQS call the handlers make (LATENCY_MS, about what those
 * calls take in AWS), which is what parallel records overlap in the cloud.
 *
 *   npx tsx bench/job-parallel.bench.ts [conversations]
 */
import { startTestStack } from '../test/helpers/local-stack.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { sendMessage } from '../shared/domain/messaging.js';
import { userCaller } from '../shared/domain/deps.js';
import { fmt, isMain } from './stats.js';

/** Added to every DynamoDB and SQS call in the latency runs (ms). */
const LATENCY_MS = 8;

interface Figures {
  /** Wall time from resume to an empty queue (polling included). */
  ms: number;
  perSecond: number;
  invocations: number;
  /** Time inside the job handler, summed over its invocations (what Lambda bills). */
  handlerMs: number;
}

export interface JobParallelResult {
  conversations: number;
  parallel: Figures;
  sequential: Figures;
  /** The same with LATENCY_MS added to every store and queue call. */
  withLatency: { parallel: Figures; sequential: Figures };
}

async function once(conversations: number, groupConcurrency: number, latencyMs = 0): Promise<Figures> {
  let invocations = 0;
  let handlerMs = 0;
  const stack = await startTestStack({
    pollers: 1,
    env: { EDGEIM_JOB_GROUP_CONCURRENCY: String(groupConcurrency) },
    onInvoke: (fn, ms) => {
      if (fn !== 'fanout-job') return;
      invocations++;
      handlerMs += ms;
    },
    ...(latencyMs > 0
      ? {
          onClient: (client) =>
            client.middlewareStack.add(
              (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
                await new Promise((r) => setTimeout(r, latencyMs));
                return next(args);
              },
              { step: 'initialize', name: 'benchLatency' },
            ),
        }
      : {}),
  });
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < conversations; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(50, conversations - i) }, (_, k) => TestClient.connect(stack.wsUrl, `jr${i + k}`)))));
    }
    await sendMessage(stack.app, userCaller('jwarm'), { to: { user: 'jr0' }, cmid: 'warm', body: 'warm' }); // ids, clients, first invocation
    await stack.drain();
    invocations = 0;
    handlerMs = 0;
    stack.poller.pause();
    await Promise.all(Array.from({ length: conversations }, (_, i) => sendMessage(stack.app, userCaller(`js${i}`), { to: { user: `jr${i}` }, cmid: `c${i}`, body: { n: i } })));
    const started = performance.now();
    stack.poller.resume();
    if (!(await stack.drain(300_000))) throw new Error('job-parallel: the backlog did not drain');
    const ms = performance.now() - started;
    return { ms, perSecond: (conversations / ms) * 1000, invocations, handlerMs };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  }
}

export async function run(conversations = 200): Promise<JobParallelResult> {
  // Each mode twice, alternating, and the faster of the two kept: other load on the machine only slows a run down.
  const best = (a: Figures, b: Figures) => (a.ms <= b.ms ? a : b);
  const pair = async (latencyMs: number) => {
    const p1 = await once(conversations, 10, latencyMs);
    const s1 = await once(conversations, 1, latencyMs);
    const p2 = await once(conversations, 10, latencyMs);
    const s2 = await once(conversations, 1, latencyMs);
    return { parallel: best(p1, p2), sequential: best(s1, s2) };
  };
  const local = await pair(0);
  const withLatency = await pair(LATENCY_MS);
  return { conversations, ...local, withLatency };
}

export function print(r: JobParallelResult): void {
  console.log(`fan-out job: ${r.conversations} conversations, one 1:1 message each, backlog worked through by one poller (batches of 10)`);
  const line = (label: string, f: Figures) =>
    console.log(`  ${label.padEnd(44)} ${fmt(f.ms, 0).padStart(7)} ms ${fmt(f.perSecond, 1).padStart(7)} records/s; in the handler ${fmt(f.handlerMs / f.invocations, 0).padStart(5)} ms per batch of ${fmt(r.conversations / f.invocations, 1)}`);
  line('conversations of a batch in parallel', r.parallel);
  line('one record at a time (same run)', r.sequential);
  console.log(`  ratio: ${fmt(r.parallel.perSecond / r.sequential.perSecond, 2)}× the records per second, ${fmt(r.sequential.handlerMs / r.parallel.handlerMs, 2)}× less handler time (the emulators' CPU bounds both)`);
  const l = r.withLatency;
  console.log(`  with ${LATENCY_MS} ms added to every DynamoDB/SQS call the handlers make:`);
  line('  conversations of a batch in parallel', l.parallel);
  line('  one record at a time', l.sequential);
  console.log(`  ratio: ${fmt(l.parallel.perSecond / l.sequential.perSecond, 2)}× the records per second, ${fmt(l.sequential.handlerMs / l.parallel.handlerMs, 2)}× less handler time`);
}

if (isMain(import.meta.url)) print(await run(Number(process.argv[2] ?? 200)));
