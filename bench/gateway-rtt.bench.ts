/**
 * 1:1 round trip between two goim TCP clients on the local stack (gateway → SQS FIFO →
 * fan-out job → DynamoDB inboxes → gateway): A sends to B, B answers on receipt, A times
 * the answer's arrival. Sequential, so each figure is one message's full path. The stack
 * runs in a child process (`npm start`'s code); the clients run here.
 *
 *   npx tsx bench/gateway-rtt.bench.ts [round trips]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GoimClient, OP } from '../test/helpers/goim-client.js';
import { fmt, isMain, percentile } from './stats.js';

export interface RttBench {
  samples: number;
  roundTrip: { p50Ms: number; p99Ms: number };
  oneWay: { p50Ms: number; p99Ms: number };
}

export async function run(options: { samples?: number } = {}): Promise<RttBench> {
  const samples = options.samples ?? 100;
  const stackScript = fileURLToPath(new URL('./gateway-children/stack.ts', import.meta.url));
  const child = fork(stackScript, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ tcp: number; wsUrl: string }>((resolve) => child.once('message', (m) => resolve(m as { tcp: number; wsUrl: string })));
  const a = await GoimClient.connect('tcp', ready, 'rtt-a');
  const b = await GoimClient.connect('tcp', ready, 'rtt-b');
  const rtts: number[] = [];
  const ways: number[] = [];
  try {
    for (let i = 0; i < samples + 5; i++) {
      const t0 = performance.now();
      await a.call(OP.SendMsg, OP.SendMsgReply, { to: { user: 'rtt-b' }, cmid: `ping-${i}`, body: i });
      await b.next((p) => p.op === OP.Message && p.json.message.cmid === `ping-${i}`);
      const t1 = performance.now();
      await b.call(OP.SendMsg, OP.SendMsgReply, { to: { user: 'rtt-a' }, cmid: `pong-${i}`, body: i });
      await a.next((p) => p.op === OP.Message && p.json.message.cmid === `pong-${i}`);
      const t2 = performance.now();
      a.packets.length = 0;
      b.packets.length = 0;
      if (i >= 5) {
        rtts.push(t2 - t0);
        ways.push(t1 - t0);
      }
    }
  } finally {
    await a.close();
    await b.close();
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
  }
  return {
    samples,
    roundTrip: { p50Ms: percentile(rtts, 50), p99Ms: percentile(rtts, 99) },
    oneWay: { p50Ms: percentile(ways, 50), p99Ms: percentile(ways, 99) },
  };
}

export function print(r: RttBench): void {
  console.log(`1:1 between two gateway TCP clients on the local stack (${r.samples} sequential round trips)`);
  console.log(`  one way (send → receipt)   p50 ${fmt(r.oneWay.p50Ms, 1)} ms   p99 ${fmt(r.oneWay.p99Ms, 1)} ms`);
  console.log(`  round trip (A → B → A)     p50 ${fmt(r.roundTrip.p50Ms, 1)} ms   p99 ${fmt(r.roundTrip.p99Ms, 1)} ms`);
}

if (isMain(import.meta.url)) {
  const [n] = process.argv.slice(2).map(Number);
  print(await run(n ? { samples: n } : {}));
  process.exit(0);
}
