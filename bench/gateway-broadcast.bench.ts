/**
 * Room broadcast: deliveries/s and push→receipt latency to N goim TCP connections in one
 * room (`POST /@rooms/{rid}` on the gateway's internal API, merged writes), next to a bare
 * `net` server writing the same frames (one write per message) in the same run. Servers
 * and the receiving load are separate processes on loopback.
 *
 *   npx tsx bench/gateway-broadcast.bench.ts [connections] [messages]
 */
import { fmt, isMain, percentile } from './stats.js';
import { SIGNATURE_HEADER, signatureHeader } from '../shared/protocol/gateway-signature.js';
import { backendEnv, forkChild, startBackend } from './gateway-harness.js';

export interface BroadcastBench {
  connections: number;
  messages: number;
  bodyBytes: number;
  /** `@rooms` requests kept in flight by the pusher (more in flight → more frames merged per write). */
  inFlight: number;
  bare: { deliveriesPerSec: number; p50Ms: number; p99Ms: number };
  gateway: { deliveriesPerSec: number; p50Ms: number; p99Ms: number; received: number };
  /** gateway / bare deliveries per second. */
  ratio: number;
}

const BODY_BYTES = 100;
const stamp = () => (performance.timeOrigin + performance.now()).toFixed(3).padEnd(BODY_BYTES, ' ');

function figures(r: { received: number; firstAt: number; lastAt: number; latencies: number[] }, startedAt: number) {
  const seconds = (r.lastAt - startedAt) / 1000;
  return { deliveriesPerSec: r.received / seconds, p50Ms: percentile(r.latencies, 50), p99Ms: percentile(r.latencies, 99) };
}

export async function run(options: { connections?: number; messages?: number; inFlight?: number } = {}): Promise<BroadcastBench> {
  const connections = options.connections ?? 10_000;
  const messages = options.messages ?? 200;
  const total = connections * messages;

  // Bare baseline: one write per message per connection.
  const bare = await forkChild('server', ['bare']);
  const bareLoad = await forkChild('load');
  let bareFigures;
  try {
    await bareLoad.ask({ cmd: 'open', port: bare.ready.ports.tcp, n: connections, auth: false }, 'opened', 300_000);
    await bareLoad.ask({ cmd: 'expect', total, timeoutMs: 120_000 }, 'armed');
    const started = performance.timeOrigin + performance.now();
    bare.proc.send({ cmd: 'broadcast', count: messages, perWrite: 1, bodyBytes: BODY_BYTES });
    bareFigures = figures(await bareLoad.next('received', 180_000), started);
  } finally {
    await bareLoad.stop();
    await bare.stop();
  }

  const backend = await startBackend();
  const gw = await forkChild('server', ['gateway'], backendEnv(backend));
  const load = await forkChild('load');
  try {
    await load.ask({ cmd: 'open', port: gw.ready.ports.tcp, n: connections, auth: true, room: 'live://bench' }, 'opened', 300_000);
    await new Promise((r) => setTimeout(r, 500)); // joins settle
    await load.ask({ cmd: 'expect', total, timeoutMs: 120_000 }, 'armed');
    const url = `${gw.ready.endpoint}/@rooms/live:bench`;
    const secret = backend.config.EDGEIM_GATEWAY_SECRET!; // the internal API takes signed calls only
    const started = performance.timeOrigin + performance.now();
    let next = 0;
    const inFlight = options.inFlight ?? 32;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < messages) {
          next++;
          const body = JSON.stringify({ type: 'push', op: 1000, body: stamp() });
          const signature = signatureHeader(secret, { method: 'POST', target: new URL(url).pathname, body });
          const res = await fetch(url, { method: 'POST', headers: { [SIGNATURE_HEADER]: signature }, body });
          await res.arrayBuffer();
        }
      }),
    );
    const r = await load.next('received', 180_000);
    const gateway = { ...figures(r, started), received: r.received };
    return { connections, messages, bodyBytes: BODY_BYTES, inFlight, bare: bareFigures, gateway, ratio: gateway.deliveriesPerSec / bareFigures.deliveriesPerSec };
  } finally {
    await load.stop();
    await gw.stop();
    await backend.close();
  }
}

export function print(r: BroadcastBench): void {
  console.log(`room broadcast: ${fmt(r.messages, 0)} messages of ${r.bodyBytes} B to ${fmt(r.connections, 0)} TCP connections in one room, ${r.inFlight} @rooms requests in flight`);
  console.log(`  bare net (1 write/msg)  ${fmt(r.bare.deliveriesPerSec, 0)} deliveries/s   latency p50 ${fmt(r.bare.p50Ms, 1)} ms  p99 ${fmt(r.bare.p99Ms, 1)} ms`);
  console.log(`  gateway (merged)        ${fmt(r.gateway.deliveriesPerSec, 0)} deliveries/s   latency p50 ${fmt(r.gateway.p50Ms, 1)} ms  p99 ${fmt(r.gateway.p99Ms, 1)} ms   (${fmt(r.ratio, 2)}x bare; ${fmt(r.gateway.received, 0)} received)`);
}

if (isMain(import.meta.url)) {
  const [n, m] = process.argv.slice(2).map(Number);
  print(await run({ ...(n ? { connections: n } : {}), ...(m ? { messages: m } : {}) }));
  process.exit(0);
}
