/**
 * Connect storm: N goim TCP clients (and, on the full stack, N WebSocket-API clients)
 * connect within `spreadMs`, from several load processes, each sending Auth at once.
 * Three servers in one run, each in its own process:
 *
 * - **bare**: a `net` server that verifies one JWT per connection and answers AuthReply
 *   (the floor);
 * - **gateway + DynamoDB**: the gateway alone, its sessions written to a DynamoDB
 *   emulator in another process (what a Fargate task pays per connection);
 * - **full stack**: `startLocalStack` (emulators, WebSocket API, push API, gateway) in one
 *   process, while the push API's presence routes are asked every 500 ms; afterwards
 *   every client sends one message and the reply codes are counted.
 *
 * Prints connects/s, time until all are in, p50/p99 auth latency, failures by code,
 * server RSS per connection held and CPU-ms per connect, each beside the bare floor.
 *
 *   npx tsx bench/storm.bench.ts [clients per kind] [load processes] [spread ms]
 *   (or STORM_CLIENTS, STORM_LOADERS, STORM_SPREAD_MS with `npm run bench -- storm`)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../shared/config.js';
import { Child } from './gateway-harness.js';
import type { KindReport, StormOrder } from './storm-children/load.js';
import type { Usage } from './storm-children/usage.js';
import { fmt, isMain, percentile } from './stats.js';

const children = fileURLToPath(new URL('./storm-children/', import.meta.url));

async function forkStorm(name: 'load' | 'bare' | 'dynamo' | 'gateway' | 'stack', env: Record<string, string | undefined> = {}): Promise<Child & { ready: any }> {
  // STORM_PROFILE=DIR: each server process writes a CPU profile there when it stops.
  const profile = process.env.STORM_PROFILE && name !== 'load' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.STORM_PROFILE}`] : [];
  const proc = fork(`${children}${name}.ts`, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...profile],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child = new Child(proc);
  return Object.assign(child, { ready: await child.next('ready', 120_000) });
}

export interface StormFigures {
  clients: number;
  connects: number;
  /** Connects per second over the time until the last one was in. */
  perSecond: number;
  allInMs: number;
  p50: number;
  p99: number;
  failures: Record<string, number>;
  retries: number;
  /** Server RSS growth per connection held (after GC), KiB. */
  rssKiB: number;
  /** Server CPU per connect, ms. */
  cpuMs: number;
  /** CPU of the load processes per connect, ms (they share the machine's cores with the server). */
  loadCpuMs: number;
  /** goim clients heartbeat once right after AuthReply: replies received, and p90 ms until the reply. */
  heartbeatReplies: number;
  heartbeatP90: number;
}

export interface StormBench {
  spreadMs: number;
  loaders: number;
  bare?: StormFigures;
  gateway?: StormFigures;
  stack?: StormFigures & {
    tcp: StormFigures;
    ws: StormFigures;
    sends: Record<string, number>;
    /** One error message per failed send code. */
    sendErrors: Record<string, string>;
    sendMs: number;
    presence: { probes: number; p50: number; max: number; over1s: number; failed: number };
  };
}

function merge(reports: KindReport[]): KindReport {
  const out: KindReport = { ok: 0, latencies: [], doneAt: [], failures: {}, retries: 0, heartbeats: [] };
  for (const r of reports) {
    out.ok += r.ok;
    out.latencies.push(...r.latencies);
    out.doneAt.push(...r.doneAt);
    out.retries += r.retries;
    out.heartbeats.push(...r.heartbeats);
    for (const [k, v] of Object.entries(r.failures)) out.failures[k] = (out.failures[k] ?? 0) + v;
  }
  return out;
}

function figures(r: KindReport, clients: number, before: Usage, afterCpu: Usage, afterGc: Usage, loadCpuMs: number): StormFigures {
  const allInMs = r.doneAt.length ? Math.max(...r.doneAt) : NaN;
  return {
    clients,
    connects: r.ok,
    perSecond: r.ok / (allInMs / 1000),
    allInMs,
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    failures: r.failures,
    retries: r.retries,
    rssKiB: (afterGc.rss - before.rss) / 1024 / Math.max(1, r.ok),
    cpuMs: (afterCpu.cpuMs - before.cpuMs) / Math.max(1, r.ok),
    loadCpuMs: loadCpuMs / Math.max(1, r.ok),
    heartbeatReplies: r.heartbeats.length,
    heartbeatP90: percentile(r.heartbeats, 90),
  };
}

/** Splits n clients over the loaders and runs one storm; resolves with every loader's report. */
async function storm(loaders: Child[], order: (share: { n: number; offset: number }) => Omit<StormOrder, 'spreadMs' | 'deadlineMs'>, n: number, spreadMs: number, deadlineMs: number) {
  const shares = loaders.map((_, i) => {
    const offset = Math.floor((i * n) / loaders.length);
    return { n: Math.floor(((i + 1) * n) / loaders.length) - offset, offset };
  });
  const reports = await Promise.all(loaders.map((l, i) => l.ask({ cmd: 'storm', spreadMs, deadlineMs, ...order(shares[i]!) }, 'storm', deadlineMs + 120_000)));
  return reports.map((r) => r.storm as { tcp: KindReport; ws: KindReport; cpuMs: number });
}

const loadCpu = (reports: { cpuMs: number }[]) => reports.reduce((sum, r) => sum + r.cpuMs, 0);
const ask = async (server: Child, gc: boolean): Promise<Usage> => (await server.ask({ cmd: 'usage', gc }, 'usage')).usage;

/** With STORM_DEBUG set: prints the server's usage and counters every second until stopped. */
function watch(server: Child): () => void {
  if (!process.env.STORM_DEBUG) return () => undefined;
  const started = performance.now();
  const timer = setInterval(() => {
    void server.ask({ cmd: 'usage', gc: false }, 'usage').then((u) => {
      const { usage, ...extra } = u as { usage: Usage };
      console.log(`  [${fmt((performance.now() - started) / 1000, 1)} s] cpu ${fmt(usage.cpuMs, 0)} ms, rss ${fmt(usage.rss / 2 ** 20, 0)} MiB`, JSON.stringify(extra));
    });
  }, 1000);
  return () => clearInterval(timer);
}
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Phase = 'bare' | 'gateway' | 'stack';

export async function run(options: { clients?: number; loaders?: number; spreadMs?: number; only?: Phase[] } = {}): Promise<StormBench> {
  const n = options.clients ?? Number(process.env.STORM_CLIENTS ?? 5000);
  const nLoaders = options.loaders ?? Number(process.env.STORM_LOADERS ?? 4);
  const spreadMs = options.spreadMs ?? Number(process.env.STORM_SPREAD_MS ?? 2000);
  const only = options.only ?? ((process.env.STORM_ONLY?.split(',') ?? ['bare', 'gateway', 'stack']) as Phase[]);
  const deadlineMs = 120_000;
  const result: StormBench = { spreadMs, loaders: nLoaders };
  const loadersFor = () => Promise.all(Array.from({ length: nLoaders }, () => forkStorm('load')));
  const stopAll = (cs: Child[]) => Promise.all(cs.map((c) => c.stop()));

  // 1. The floor: bare net + one JWT check per connection.
  if (only.includes('bare')) {
    const loaders = await loadersFor();
    const server = await forkStorm('bare');
    const before = await ask(server, true);
    const reports = await storm(loaders, (s) => ({ tcp: { port: server.ready.ports.tcp, prefix: 'b', room: 'test://1', ...s } }), n, spreadMs, deadlineMs);
    const afterCpu = await ask(server, false);
    await settle(500);
    result.bare = figures(merge(reports.map((r) => r.tcp)), n, before, afterCpu, await ask(server, true), loadCpu(reports));
    await stopAll([...loaders, server]);
  }

  // 2. The gateway alone, its sessions in DynamoDB in another process.
  if (only.includes('gateway')) {
    const loaders = await loadersFor();
    const dynamo = await forkStorm('dynamo');
    // The internal API refuses to run without its credential; nothing calls it in this bench.
    const server = await forkStorm('gateway', { AWS_ENDPOINT_URL_DYNAMODB: dynamo.ready.endpoint, EDGEIM_JWT_SECRET: LOCAL_JWT_SECRET, EDGEIM_GATEWAY_SECRET: randomBytes(32).toString('base64url') });
    const before = await ask(server, true);
    const unwatch = watch(server);
    const reports = await storm(loaders, (s) => ({ tcp: { port: server.ready.ports.tcp, prefix: 'g', room: 'test://1', ...s } }), n, spreadMs, deadlineMs);
    unwatch();
    const afterCpu = await ask(server, false);
    await settle(500);
    result.gateway = figures(merge(reports.map((r) => r.tcp)), n, before, afterCpu, await ask(server, true), loadCpu(reports));
    await stopAll([...loaders, server, dynamo]);
  }

  // 3. The full local stack: goim TCP and WebSocket-API clients at once, presence asked meanwhile.
  if (only.includes('stack')) {
    const loaders = await loadersFor();
    const server = await forkStorm('stack');
    const probes = probePresence(server.ready.pushUrl);
    const before = await ask(server, true);
    const unwatch = watch(server);
    const reports = await storm(
      loaders,
      (s) => ({
        tcp: { port: server.ready.ports.tcp, prefix: 't', room: 'test://1', ...s },
        ws: { url: server.ready.wsUrl, prefix: 'w', ...s },
      }),
      n,
      spreadMs,
      deadlineMs,
    );
    const afterCpu = await ask(server, false);
    const presence = await probes.stop();
    // STORM_SEND=0 skips the send phase (e.g. to profile the storm alone).
    const sent = process.env.STORM_SEND === '0' ? [] : await Promise.all(loaders.map((l) => l.ask({ cmd: 'send' }, 'sent', 300_000)));
    unwatch();
    const sends: Record<string, number> = {};
    const sendErrors: Record<string, string> = {};
    for (const s of sent) {
      for (const [k, v] of Object.entries(s.sent.codes as Record<string, number>)) sends[k] = (sends[k] ?? 0) + v;
      Object.assign(sendErrors, s.sent.samples);
    }
    const afterGc = await ask(server, true);
    const tcp = merge(reports.map((r) => r.tcp));
    const ws = merge(reports.map((r) => r.ws));
    result.stack = {
      ...figures(merge([tcp, ws]), 2 * n, before, afterCpu, afterGc, loadCpu(reports)),
      tcp: figures(tcp, n, before, afterCpu, afterGc, NaN),
      ws: figures(ws, n, before, afterCpu, afterGc, NaN),
      sends,
      sendErrors,
      sendMs: Math.max(0, ...sent.map((s) => s.sent.ms as number)),
      presence,
    };
    await stopAll([...loaders, server]);
  }
  return result;
}

/** How often the presence probe asks (a dashboard polling during the storm). */
const PROBE_EVERY_MS = 500;

/** Asks `/goim/online/total` and a user's `/v1` presence every PROBE_EVERY_MS until stopped. */
function probePresence(pushUrl: string) {
  const latencies: number[] = [];
  let failed = 0;
  let running = true;
  const headers = { authorization: `Bearer ${LOCAL_API_KEY}` };
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const answers = await Promise.all(
        [`${pushUrl}/goim/online/total`, `${pushUrl}/v1/users/t0/presence`].map((url) =>
          fetch(url, { headers, signal: AbortSignal.timeout(30_000) }).then(
            async (res) => {
              await res.arrayBuffer();
              latencies.push(performance.now() - started);
              return res.ok;
            },
            () => false,
          ),
        ),
      );
      failed += answers.filter((ok) => !ok).length;
      await settle(Math.max(0, PROBE_EVERY_MS - (performance.now() - started)));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { probes: latencies.length + failed, p50: percentile(latencies, 50), max: Math.max(...latencies), over1s: latencies.filter((l) => l > 1000).length, failed };
    },
  };
}

const codes = (f: Record<string, number>) => (Object.keys(f).length ? Object.entries(f).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');

export function print(r: StormBench): void {
  const row = (name: string, f: StormFigures, usage: boolean) => {
    const floor = r.bare;
    const ratio = (a: number, b: number | undefined) => (b ? ` (${fmt(a / b, 2)}× bare)` : '');
    console.log(
      `  ${name.padEnd(27)} ${fmt(f.connects, 0).padStart(6)}/${f.clients} in ${fmt(f.allInMs / 1000, 2)} s, ${fmt(f.perSecond, 0)} connects/s; ` +
        `auth p50 ${fmt(f.p50, 0)} ms, p99 ${fmt(f.p99, 0)} ms; failures: ${codes(f.failures)}; OVERLOADED then retried: ${f.retries}` +
        (f.heartbeatReplies > 0 ? `; heartbeat replies ${f.heartbeatReplies}, p90 ${fmt(f.heartbeatP90, 0)} ms` : ''),
    );
    if (usage) {
      console.log(
        `  ${''.padEnd(27)} server RSS ${fmt(f.rssKiB, 2)} KiB per connection held${ratio(f.rssKiB, floor?.rssKiB)}, CPU ${fmt(f.cpuMs, 2)} ms per connect${ratio(f.cpuMs, floor?.cpuMs)}; load processes ${fmt(f.loadCpuMs, 2)} CPU-ms per connect`,
      );
    }
  };
  const n = r.bare?.clients ?? r.gateway?.clients ?? (r.stack ? r.stack.clients / 2 : 0);
  console.log(`connect storm: ${n} clients per kind within ${r.spreadMs} ms from ${r.loaders} load processes (each server in a process of its own)`);
  if (r.bare) row('bare net + JWT (the floor)', r.bare, true);
  if (r.gateway) row('gateway, DynamoDB apart', r.gateway, true);
  if (r.stack) {
    row('full stack, goim TCP', r.stack.tcp, false);
    row('full stack, WebSocket API', r.stack.ws, false);
    row('full stack, both', r.stack, true);
    console.log(`  full stack: first send of every client after the storm: ${codes(r.stack.sends)} (all replies within ${fmt(r.stack.sendMs / 1000, 2)} s)`);
    for (const [code, message] of Object.entries(r.stack.sendErrors)) console.log(`    ${code}: "${message}"`);
    const p = r.stack.presence;
    console.log(
      `  full stack: presence (/goim/online/total + /v1/users/{uid}/presence) during the storm: ${p.probes} answers, p50 ${fmt(p.p50, 0)} ms, max ${fmt(p.max, 0)} ms, ${p.over1s} over 1 s, ${p.failed} failed`,
    );
    console.log('  (full-stack RSS includes the DynamoDB and SQS emulators and every item they hold; the gateway row is the per-connection figure)');
  }
}

if (isMain(import.meta.url)) {
  const [clients, loaders, spreadMs] = process.argv.slice(2).map(Number);
  print(await run({ clients: clients || undefined, loaders: loaders || undefined, spreadMs: spreadMs || undefined }));
  process.exit(0);
}
