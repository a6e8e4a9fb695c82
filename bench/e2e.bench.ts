/**
 * The serverless path on the local stack (dynalite + local SQS + WebSocket API emulator,
 * real handlers): 1:1 latency from `send` to the recipient's `message`, sustained
 * messages/s over many conversations, and AWS calls per 1:1 message to a recipient with
 * two devices (counted by SDK middleware). A bare `ws` relay measured in the same run
 * gives the floor for the latency.
 *
 *   npx tsx bench/e2e.bench.ts
 */
import { WebSocketServer, WebSocket } from 'ws';
import { startTestStack } from '../test/helpers/local-stack.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { fmt, isMain, percentile } from './stats.js';

export interface E2eBench {
  latency: { samples: number; p50: number; p99: number; bareP50: number; bareP99: number };
  throughput: { messages: number; seconds: number; perSec: number; conversations: number };
  callsPerMessage: Record<string, number>;
}

/** A bare relay: A → server → B over ws, the floor under any WebSocket push path. */
async function bareRelay(samples: number): Promise<number[]> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const peers: WebSocket[] = [];
  wss.on('connection', (ws) => {
    peers.push(ws);
    ws.on('message', (d) => peers.find((p) => p !== ws)?.send(d.toString()));
  });
  const a = new WebSocket(`ws://127.0.0.1:${port}`);
  const b = new WebSocket(`ws://127.0.0.1:${port}`);
  await Promise.all([a, b].map((ws) => new Promise((r) => ws.once('open', r))));
  while (peers.length < 2) await new Promise((r) => setTimeout(r, 5));
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const got = new Promise((r) => b.once('message', r));
    a.send(JSON.stringify({ action: 'send', body: i }));
    await got;
    out.push(performance.now() - t0);
  }
  a.close();
  b.close();
  wss.close();
  return out;
}

export async function run(options: { samples?: number; conversations?: number; perConversation?: number } = {}): Promise<E2eBench> {
  const samples = options.samples ?? 200;
  const conversations = options.conversations ?? 20;
  const perConversation = options.perConversation ?? 25;
  const counts = new Map<string, number>();
  let counting = false;
  const stack = await startTestStack({
    onClient: (client) =>
      client.middlewareStack.add(
        (next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) => async (args: unknown) => {
          if (counting) {
            const key = `${(ctx.clientName ?? '').replace('Client', '')}.${(ctx.commandName ?? '').replace('Command', '')}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          return next(args);
        },
        { step: 'initialize', name: 'benchCallCounter' },
      ),
  });
  try {
    // Latency: one sender, one receiver, one message at a time.
    const alice = await TestClient.connect(stack.wsUrl, 'lat-a');
    const bob = await TestClient.connect(stack.wsUrl, 'lat-b');
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      void alice.call('send', { to: { user: 'lat-b' }, cmid: `l${i}`, body: { i } });
      await bob.messages(1);
      latencies.push(performance.now() - t0);
    }
    await stack.drain();

    // AWS calls for one 1:1 message to a user with two devices (sender has one).
    const [b1, b2] = [await TestClient.connect(stack.wsUrl, 'calls-b'), await TestClient.connect(stack.wsUrl, 'calls-b')];
    const sender = await TestClient.connect(stack.wsUrl, 'calls-a');
    const N = 20;
    counting = true;
    for (let i = 0; i < N; i++) {
      await sender.call('send', { to: { user: 'calls-b' }, cmid: `c${i}`, body: i });
      await Promise.all([b1.messages(1), b2.messages(1), sender.messages(1)]);
    }
    await stack.drain();
    counting = false;
    counts.delete('SQS.GetQueueAttributes'); // the drain's own polling
    const callsPerMessage = Object.fromEntries([...counts].sort().map(([k, v]) => [k, v / N]));

    // Throughput: many conversations sending at once.
    const pairs = await Promise.all(
      Array.from({ length: conversations }, async (_, c) => [await TestClient.connect(stack.wsUrl, `tp-a${c}`), await TestClient.connect(stack.wsUrl, `tp-b${c}`)] as const),
    );
    const t0 = performance.now();
    await Promise.all(
      pairs.map(async ([from, to], c) => {
        const sends = Array.from({ length: perConversation }, (_, i) => from.call('send', { to: { user: `tp-b${c}` }, cmid: `t${i}`, body: i }));
        await Promise.all(sends);
        await to.messages(perConversation, () => true, 60_000);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const messages = conversations * perConversation;
    await Promise.all([alice, bob, b1, b2, sender, ...pairs.flat()].map((c) => c.close()));

    const bare = await bareRelay(samples);
    return {
      latency: { samples, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bareP50: percentile(bare, 50), bareP99: percentile(bare, 99) },
      throughput: { messages, seconds, perSec: messages / seconds, conversations },
      callsPerMessage,
    };
  } finally {
    await stack.close();
  }
}

export function print(r: E2eBench): void {
  const l = r.latency;
  console.log(`local end to end (WebSocket API emulator → $default → SQS FIFO → job → @connections)
  1:1 send→message latency   p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms over ${l.samples} messages
    bare ws relay, same run  p50 ${fmt(l.bareP50, 2)} ms, p99 ${fmt(l.bareP99, 2)} ms  (ratio p50 ${fmt(l.p50 / l.bareP50, 0)}x)
  sustained                  ${fmt(r.throughput.perSec, 0)} messages/s (${r.throughput.messages} messages over ${r.throughput.conversations} conversations in ${fmt(r.throughput.seconds, 2)} s)
  AWS calls per 1:1 message to a user with 2 devices (sender with 1):`);
  for (const [k, v] of Object.entries(r.callsPerMessage)) console.log(`    ${k.padEnd(36)} ${fmt(v, 2)}`);
}

if (isMain(import.meta.url)) print(await run());
