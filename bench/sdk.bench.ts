/**
 * The client SDK: size of its browser build (esbuild, minified, gzip) and of the demo
 * page's bundle, and catch-up after an absence — the SDK's `connect()` to the first
 * `message` event and to the last of 1 000 messages stored in its inbox while it was away
 * (WebSocket API on the local stack). A raw client's connect + first `sync` page in the same run is the
 * floor under the first figure.
 *
 *   npx tsx bench/sdk.bench.ts
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import WebSocket from 'ws';
import { buildDemoBundle } from '../local/demo/demo-server.js';
import { EdgeImClient, wsApiTransport, type WebSocketLike } from '../sdk/index.js';
import { LOCAL_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../shared/domain/auth.js';
import { startTestStack } from '../test/helpers/local-stack.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { fmt, isMain, percentile } from './stats.js';

export interface SdkBench {
  bundle: { sdkMin: number; sdkGzip: number; demoMin: number; demoGzip: number };
  catchUp: { missed: number; rounds: number; firstP50: number; allP50: number; firstAll: number[]; allAll: number[]; rawFirstPageP50: number };
}

async function bundleSizes(): Promise<SdkBench['bundle']> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../sdk/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const sdk = out.outputFiles[0]!.contents;
  const demo = Buffer.from(await buildDemoBundle());
  return { sdkMin: sdk.length, sdkGzip: gzipSync(sdk).length, demoMin: demo.length, demoGzip: gzipSync(demo).length };
}

export async function run(missed = 1000, rounds = 3): Promise<SdkBench> {
  const bundle = await bundleSizes();
  const stack = await startTestStack();
  try {
    const client = new EdgeImClient({
      transport: wsApiTransport({ url: stack.wsUrl, WebSocket: WebSocket as unknown as WebSocketLike }),
      token: await signToken('bench-reader', LOCAL_JWT_SECRET),
      heartbeat: false,
    });
    let count = 0;
    let firstAt = 0;
    let allAt = 0;
    let target = 0;
    client.on('message', () => {
      count++;
      firstAt ||= performance.now();
      if (count === target) allAt = performance.now();
    });
    await client.connect();
    const firstAll: number[] = [];
    const allAll: number[] = [];
    const rawFirst: number[] = [];
    let head = 0;
    for (let r = 0; r < rounds; r++) {
      client.close();
      // The missed messages go straight into the reader's inbox (the job's append), so
      // the figure is the SDK's catch-up, not the local send path's throughput.
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      for (let i = 0; i < missed; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, missed - i) }, (_, j) => {
            const n = r * missed + i + j;
            const message = { id: String(1_000_000 + n), conv: 'u:bench-reader:bench-sender', from: 'bench-sender', to: { user: 'bench-reader' }, body: { text: `missed ${n}` }, cmid: `m${n}`, sentAt: Date.now() };
            return stack.app.timelines.append('user:bench-reader', message, expiresAt);
          }),
        );
      }
      // The floor: a raw client's connect + one sync page of the same timeline.
      const t0 = performance.now();
      const raw = await TestClient.connect(stack.wsUrl, 'bench-reader');
      await raw.call('sync', { timeline: 'inbox', after: head, limit: 200 });
      rawFirst.push(performance.now() - t0);
      await raw.close();

      count = 0;
      firstAt = 0;
      allAt = 0;
      target = missed;
      const started = performance.now();
      await client.connect();
      while (allAt === 0) await new Promise((res) => setTimeout(res, 2));
      firstAll.push(firstAt - started);
      allAll.push(allAt - started);
      head += missed;
    }
    client.close();
    return {
      bundle,
      catchUp: { missed, rounds, firstP50: percentile(firstAll, 50), allP50: percentile(allAll, 50), firstAll, allAll, rawFirstPageP50: percentile(rawFirst, 50) },
    };
  } finally {
    await stack.close();
  }
}

export function print(r: SdkBench): void {
  const kb = (n: number) => `${fmt(n / 1024, 1)} KiB`;
  const c = r.catchUp;
  console.log(`client SDK
  browser build (esbuild, minified)   SDK ${kb(r.bundle.sdkMin)} → gzip ${kb(r.bundle.sdkGzip)};  demo page ${kb(r.bundle.demoMin)} → gzip ${kb(r.bundle.demoGzip)}
  catch-up after ${c.missed} missed messages, WebSocket API on the local stack (median of ${c.rounds})
    connect() → first message shown   ${fmt(c.firstP50)} ms   (rounds: ${c.firstAll.map((v) => fmt(v, 0)).join(', ')})
    connect() → all ${c.missed} shown       ${fmt(c.allP50)} ms   (rounds: ${c.allAll.map((v) => fmt(v, 0)).join(', ')})
    raw client connect + 1 sync page   ${fmt(c.rawFirstPageP50)} ms   (floor, same run)`);
}

if (isMain(import.meta.url)) print(await run());
