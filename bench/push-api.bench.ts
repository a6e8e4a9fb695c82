/**
 * The push API on the local stack (Hono on @hono/node-server, real handlers, dynalite,
 * local SQS, the job delivering to WebSocket-API receivers): requests/s and p99 latency
 * of `POST /v1/push` to one user and to a room, under autocannon, next to a bare Hono
 * route on the same server setup measured in the same run (the floor), with the ratio.
 *
 *   npx tsx bench/push-api.bench.ts
 */
import { createAdaptorServer } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { LOCAL_API_KEY } from '../shared/config.js';
import { startTestStack } from '../test/helpers/local-stack.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { fmt, isMain } from './stats.js';

export interface LoadFigure {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Push frames the receivers got during the run (after the queue drained). */
  delivered?: number;
}

export interface PushApiBench {
  seconds: number;
  connections: number;
  roomSize: number;
  figures: LoadFigure[];
}

function load(name: string, url: string, body: string, seconds: number, connections: number): Promise<LoadFigure> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' },
        connections,
        duration: seconds,
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          name,
          requestsPerSec: r.requests.average,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
        });
      },
    );
  });
}

/** A trivial Hono route served the same way as the push API: the floor of the setup. */
async function bareHono(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.post('/v1/push', async (c) => c.json({ pushId: 'bare', connections: 0, size: (await c.req.text()).length }, 202));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Counts push frames (batches unpacked) and forgets them, so a long run keeps no backlog. */
function countPushes(clients: TestClient[]): () => number {
  let count = 0;
  for (const c of clients) {
    c.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; frames?: { type: string }[] };
      count += (frame.type === 'batch' ? (frame.frames ?? []) : [frame]).filter((f) => f.type === 'push').length;
      c.frames.length = 0;
    });
  }
  return () => count;
}

export async function run(options: { seconds?: number; connections?: number; roomSize?: number } = {}): Promise<PushApiBench> {
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 10;
  const roomSize = options.roomSize ?? 20;
  const stack = await startTestStack({ env: { EDGEIM_API_RATE_LIMIT: '0' } });
  const bare = await bareHono();
  const figures: LoadFigure[] = [];
  const clients: TestClient[] = [];
  try {
    const user = await Promise.all([TestClient.connect(stack.wsUrl, 'bench-user', { device: 'd1' }), TestClient.connect(stack.wsUrl, 'bench-user', { device: 'd2' })]);
    const room = await Promise.all(Array.from({ length: roomSize }, (_, i) => TestClient.connect(stack.wsUrl, `bench-room-${i}`)));
    clients.push(...user, ...room);
    await Promise.all(room.map((c) => c.call('join', { room: 'bench-room' })));
    const userCount = countPushes(user);
    const roomCount = countPushes(room);

    const payload = (to: unknown) => JSON.stringify({ op: 1000, body: { text: 'x'.repeat(64) }, to });
    figures.push(await load('bare Hono route (floor)', `${bare.url}/v1/push`, payload({ users: ['bench-user'] }), seconds, connections));
    const toUser = await load('POST /v1/push, one user (2 connections)', `${stack.pushUrl}/v1/push`, payload({ users: ['bench-user'] }), seconds, connections);
    await stack.drain(120_000);
    toUser.delivered = userCount();
    figures.push(toUser);
    const toRoom = await load(`POST /v1/push, room of ${roomSize}`, `${stack.pushUrl}/v1/push`, payload({ room: 'bench-room' }), seconds, connections);
    await stack.drain(120_000);
    toRoom.delivered = roomCount();
    figures.push(toRoom);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await bare.close();
    await stack.close();
  }
  return { seconds, connections, roomSize, figures };
}

export function print(b: PushApiBench): void {
  const floor = b.figures[0]!;
  console.log(`push API on the local stack: autocannon, ${b.connections} connections, ${b.seconds} s per run`);
  console.log('| load | requests/s | p50 ms | p99 ms | vs bare Hono (req/s) | requests | non-2xx | push frames delivered |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const f of b.figures) {
    const ratio = f === floor ? '1' : `${fmt(f.requestsPerSec / floor.requestsPerSec, 3)}`;
    console.log(`| ${f.name} | ${fmt(f.requestsPerSec, 0)} | ${fmt(f.p50Ms)} | ${fmt(f.p99Ms)} | ${ratio} | ${f.requests} | ${f.non2xx + f.errors} | ${f.delivered ?? '—'} |`);
  }
}

if (isMain(import.meta.url)) print(await run());
