/**
 * Idle connections: RSS per authenticated goim TCP connection held by the gateway, next
 * to a bare `net` server holding as many raw connections, measured in the same run.
 * Servers and load are separate processes (loopback). Each process stays under the
 * 20 000 fd limit, so larger totals spread over several gateway processes.
 *
 *   npx tsx bench/gateway-idle.bench.ts [connections per process] [gateway processes]
 */
import { fmt, isMain } from './stats.js';
import { backendEnv, forkChild, kib, startBackend, type Child } from './gateway-harness.js';

export interface IdleBench {
  perProcess: number;
  processes: number;
  /** Per connection, over the server's own baseline. */
  bare: { rssKiB: number; heapKiB: number };
  gateway: { rssKiB: number; heapKiB: number; connected: number; connectMs: number };
  /** gateway.rssKiB / bare.rssKiB. */
  ratio: number;
}

interface Measured {
  rss: number;
  heap: number;
  opened: number;
  ms: number;
}

async function measure(server: Child, port: number, n: number, auth: boolean): Promise<Measured & { load: Child }> {
  const before = (await server.ask({ cmd: 'mem' }, 'mem')).mem;
  const load = await forkChild('load');
  const opened = await load.ask({ cmd: 'open', port, n, auth }, 'opened', 600_000);
  if (opened.error) throw new Error(`load: ${opened.error} after ${opened.opened}`);
  await new Promise((r) => setTimeout(r, 1000));
  const after = (await server.ask({ cmd: 'mem' }, 'mem')).mem;
  return { rss: (after.rss - before.rss) / n, heap: (after.heapUsed - before.heapUsed) / n, opened: opened.opened, ms: opened.ms, load };
}

export async function run(options: { perProcess?: number; processes?: number } = {}): Promise<IdleBench> {
  const perProcess = options.perProcess ?? 10_000;
  const processes = options.processes ?? 1;

  const bareServer = await forkChild('server', ['bare']);
  const bare = await measure(bareServer, bareServer.ready.ports.tcp, perProcess, false);
  await bare.load.stop();
  await bareServer.stop();

  // Sessions live in the gateway children's memory (the DynamoDB emulator writes ~150/s);
  // the backend only provides the queue and ids tables the app is configured with.
  const backend = await startBackend();
  const servers: (Child & { ready: any })[] = [];
  const loads: Child[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await forkChild('server', ['gateway'], backendEnv(backend)));
    const results = await Promise.all(
      servers.map(async (s) => {
        const m = await measure(s, s.ready.ports.tcp, perProcess, true);
        loads.push(m.load);
        return m;
      }),
    );
    const avg = (f: (m: Measured) => number) => results.reduce((a, m) => a + f(m), 0) / results.length;
    const gateway = { rssKiB: kib(avg((m) => m.rss)), heapKiB: kib(avg((m) => m.heap)), connected: results.reduce((a, m) => a + m.opened, 0), connectMs: Math.max(...results.map((m) => m.ms)) };
    const bareKiB = { rssKiB: kib(bare.rss), heapKiB: kib(bare.heap) };
    return { perProcess, processes, bare: bareKiB, gateway, ratio: gateway.rssKiB / bareKiB.rssKiB };
  } finally {
    for (const l of loads) await l.stop();
    for (const s of servers) await s.stop();
    await backend.close();
  }
}

export function print(r: IdleBench): void {
  console.log(`gateway idle connections: ${fmt(r.gateway.connected, 0)} authenticated TCP connections over ${r.processes} gateway process(es), ${fmt(r.perProcess, 0)} each`);
  console.log(`  bare net server   ${fmt(r.bare.rssKiB, 2)} KiB RSS / conn   heap ${fmt(r.bare.heapKiB, 2)} KiB`);
  console.log(`  gateway           ${fmt(r.gateway.rssKiB, 2)} KiB RSS / conn   heap ${fmt(r.gateway.heapKiB, 2)} KiB   (${fmt(r.ratio, 2)}x bare; connect+auth took ${fmt(r.gateway.connectMs / 1000, 1)} s)`);
}

if (isMain(import.meta.url)) {
  const [per, procs] = process.argv.slice(2).map(Number);
  print(await run({ ...(per ? { perProcess: per } : {}), ...(procs ? { processes: procs } : {}) }));
  process.exit(0);
}
