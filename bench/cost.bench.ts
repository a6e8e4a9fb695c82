/**
 * What a message costs on AWS (`npm run bench -- cost`). Each scenario runs through the
 * real handlers on the local stack, with SDK clients (acks as the SDK sends them by
 * default) or goim clients; the meter counts every billable call (bench/cost/meter.ts)
 * and bench/cost/prices.ts prices them. Beside each figure, priced the same way: AppSync
 * Events (one publish + one operation per delivery) and the naive sample design (scan the
 * connections table, post to each). Large groups and rooms are measured at two smaller
 * sizes and scaled linearly to 10,000 (the fit is printed). Writes bench/results/cost.json.
 *
 *   npx tsx bench/cost.bench.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgeImClient, wsApiTransport, type TimelineMessage } from '../sdk/index.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../shared/domain/auth.js';
import { startTestStack } from '../test/helpers/local-stack.js';
import { GoimClient, OP } from '../test/helpers/goim-client.js';
import type { LocalStack } from '../local/stack.js';
import { combine, Meter, perUnit, type Calls } from './cost/meter.js';
import { appsyncPerMessage, GATEWAY_DELIVERIES_PER_TASK_SECOND, gatewayTaskSecond, naivePerMessage, NAIVE_MIN_TABLE, PRICES } from './cost/prices.js';
import { fmt, isMain } from './stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The SDK's default ack interval, plus slack: chat-paced messages each get their own acks. */
const ACK_SETTLE_MS = 1300;

export interface ScenarioCost {
  usdPerMillion: number;
  appsyncUsdPerMillion: number;
  naiveUsdPerMillion: number | null;
  calls: Calls;
  note?: string;
}
export type CostBench = Record<string, ScenarioCost>;

/** Dollars for the counted calls of one message. */
export function usd(c: Calls): number {
  const p = PRICES;
  const invocations = Object.values(c.lambdaInvocations).reduce((a, b) => a + b, 0);
  return (
    (c.apigwMessagesIn + c.apigwMessagesOut) * p.apiGateway.websocketMessage +
    c.httpApiRequests * p.apiGateway.httpRequest +
    invocations * p.lambda.request +
    c.lambdaGbSeconds * p.lambda.gbSecond +
    c.dynamoRru * p.dynamodb.readRequestUnit +
    c.dynamoWru * p.dynamodb.writeRequestUnit +
    c.sqsRequests * p.sqs.fifoRequest +
    (c.gatewayDeliveries / GATEWAY_DELIVERIES_PER_TASK_SECOND) * gatewayTaskSecond()
  );
}

interface Rig {
  stack: LocalStack;
  meter: Meter;
  clients: EdgeImClient[];
  goims: GoimClient[];
}

async function rig(env: Record<string, string> = {}): Promise<Rig> {
  const meter = new Meter();
  const stack = await startTestStack({ env, onClient: meter.onClient, onInvoke: meter.onInvoke, pollers: 4 });
  meter.meterDelivery(stack.app.delivery);
  return { stack, meter, clients: [], goims: [] };
}

async function close(r: Rig): Promise<void> {
  await Promise.all(r.clients.map((c) => c.close()));
  await Promise.all(r.goims.map((c) => c.close()));
  await r.stack.close();
}

/** An SDK client over the WebSocket API with default options, its WebSocket metered; resolves once connected. */
async function device(r: Rig, uid: string, seen?: TimelineMessage[]): Promise<EdgeImClient> {
  const client = new EdgeImClient({
    transport: wsApiTransport({ url: r.stack.wsUrl, WebSocket: r.meter.webSocket() }),
    token: await signToken(uid, LOCAL_JWT_SECRET),
  });
  if (seen) client.on('message', (m) => seen.push(m));
  r.clients.push(client);
  await client.connect();
  return client;
}

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`cost bench: timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function pushApi(r: Rig, method: string, path: string, json: unknown): Promise<void> {
  const res = await fetch(r.stack.pushUrl + path, {
    method,
    headers: { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

/** Measures `messages` sends of `send`, each settled (delivered, acked) before the next; per message. */
async function measure(r: Rig, messages: number, send: (i: number) => Promise<void>): Promise<Calls> {
  await r.stack.drain();
  await sleep(ACK_SETTLE_MS);
  r.meter.start();
  for (let i = 0; i < messages; i++) {
    await send(i);
    await r.stack.drain();
    await sleep(ACK_SETTLE_MS);
  }
  await r.stack.drain();
  return perUnit(r.meter.stop(), messages);
}

/** 1:1: the sender has one device, the recipient two. */
async function oneToOne(messages: number): Promise<ScenarioCost> {
  const r = await rig();
  try {
    const got: TimelineMessage[] = [];
    const alice = await device(r, 'alice');
    await device(r, 'bob', got);
    await device(r, 'bob', got);
    const calls = await measure(r, messages, async (i) => {
      await alice.send({ user: 'bob' }, { text: `hello ${i}` });
      await until('both of bob’s devices', () => got.filter((m) => (m.message.body as { text: string }).text === `hello ${i}`).length === 2);
    });
    return price(calls, 3, 3);
  } finally {
    await close(r);
  }
}

/** A group with `members` members of which `online` have one device connected; one member sends. */
async function group(members: number, online: number, messages: number, env: Record<string, string> = {}): Promise<Calls> {
  const r = await rig(env);
  try {
    const uids = Array.from({ length: members }, (_, i) => `m${i}`);
    const gid = `g${members}x${online}`;
    await pushApi(r, 'POST', '/v1/groups', { group: gid, owner: uids[0], members: uids });
    const counts = new Map<string, number>();
    const devices: EdgeImClient[] = [];
    for (let i = 0; i < online; i += 50) {
      devices.push(
        ...(await Promise.all(
          uids.slice(i, Math.min(online, i + 50)).map(async (uid) => {
            const c = await device(r, uid);
            c.on('message', (m) => {
              const t = (m.message.body as { text?: string }).text ?? '';
              counts.set(t, (counts.get(t) ?? 0) + 1);
            });
            return c;
          }),
        )),
      );
    }
    return await measure(r, messages, async (i) => {
      const text = `to ${gid} ${i}`;
      await devices[0]!.send({ group: gid }, { text });
      await until(`${online} members to see the message`, () => (counts.get(text) ?? 0) >= online, 60_000);
    });
  } finally {
    await close(r);
  }
}

/** A room of `members` goim TCP connections on the gateway; one member sends to the room. */
async function gatewayRoom(members: number, messages: number): Promise<Calls> {
  const r = await rig();
  try {
    const ports = { tcp: r.stack.gateway.ports.tcp, wsUrl: r.stack.gateway.wsUrl };
    for (let i = 0; i < members; i += 100) {
      r.goims.push(...(await Promise.all(Array.from({ length: Math.min(100, members - i) }, (_, k) => GoimClient.connect('tcp', ports, `r${i + k}`, { room_id: 'live://cost' })))));
    }
    const sender = r.goims[0]!;
    return await measure(r, messages, async (i) => {
      const text = `room ${i}`;
      const mine = (p: { json?: any }) => p.json?.message?.body?.text === text;
      const received = Promise.all(r.goims.slice(1).map((c) => c.messages26(1, mine, 60_000)));
      await sender.call(OP.SendMsg, OP.SendMsgReply, { to: { room: 'live:cost' }, body: { text } });
      await received;
      r.meter.gatewayDelivered(members - 1);
    });
  } finally {
    await close(r);
  }
}

/** Heartbeats and 2-hourly reconnects of idle WebSocket-API connections, per connection-month. */
async function idle(connections: number): Promise<{ perHeartbeat: Calls; perReconnect: Calls; heartbeatMs: number }> {
  const r = await rig();
  try {
    const transport = wsApiTransport({ url: r.stack.wsUrl, WebSocket: r.meter.webSocket() });
    const heartbeatMs = transport.defaultHeartbeatMs ?? 0;
    const token = (i: number) => signToken(`idle${i}`, LOCAL_JWT_SECRET);
    // A reconnect: connect (authorizer, $connect, the SDK's sync), then close ($disconnect).
    r.meter.start();
    const clients = await Promise.all(Array.from({ length: connections }, async (_, i) => {
      const c = new EdgeImClient({ transport, token: await token(i) });
      await c.connect();
      return c;
    }));
    await r.stack.drain();
    await Promise.all(clients.map((c) => c.close()));
    await sleep(300);
    const perReconnect = perUnit(r.meter.stop(), connections);
    // Heartbeats: the SDK's own, made frequent only so there are some to count.
    const beating = await Promise.all(Array.from({ length: connections }, async (_, i) => {
      const c = new EdgeImClient({ transport, token: await token(i), heartbeat: 200 });
      await c.connect();
      return c;
    }));
    r.clients.push(...beating);
    await sleep(500);
    r.meter.start();
    await sleep(2000);
    const calls = r.meter.stop();
    const beats = calls.apigwMessagesIn;
    return { perHeartbeat: perUnit(calls, Math.max(1, beats)), perReconnect, heartbeatMs };
  } finally {
    await close(r);
  }
}

function price(calls: Calls, deliveries: number, naiveDeliveries: number | null, tableConnections = NAIVE_MIN_TABLE, note?: string): ScenarioCost {
  return {
    usdPerMillion: usd(calls) * 1e6,
    appsyncUsdPerMillion: appsyncPerMessage(deliveries) * 1e6,
    naiveUsdPerMillion: naiveDeliveries === null ? null : naivePerMessage(naiveDeliveries, Math.max(tableConnections, NAIVE_MIN_TABLE)).usd * 1e6,
    calls,
    ...(note ? { note } : {}),
  };
}

/** Fits cost(n) = fixed + n·perMember from two sizes and evaluates it at `target`. */
function scale(small: { n: number; calls: Calls }, large: { n: number; calls: Calls }, target: number): Calls {
  const perMember = combine(large.calls, small.calls, -1);
  const k = 1 / (large.n - small.n);
  const slope = combine(Meter.empty(), perMember, k);
  const fixed = combine(small.calls, slope, -small.n);
  return combine(fixed, slope, target);
}

export async function run(options: { messages?: number; small?: number; large?: number } = {}): Promise<CostBench> {
  const messages = options.messages ?? 6;
  const small = options.small ?? 100;
  const large = options.large ?? 300;
  const readFanout = { EDGEIM_WRITE_FANOUT_MAX: '50' }; // these sizes stand for groups above the write fan-out limit
  const out: CostBench = {};

  out['1:1, recipient with 2 devices, sender 1'] = await oneToOne(messages);
  out['group of 100, all online (write fan-out)'] = price(await group(100, 100, messages), 100, 100);

  const allOnline = [
    { n: small, calls: await group(small, small, 3, readFanout) },
    { n: large, calls: await group(large, large, 3, readFanout) },
  ];
  out['group of 10,000, all online'] = price(scale(allOnline[0]!, allOnline[1]!, 10_000), 10_000, 10_000, 10_000, `measured at ${small} and ${large} members above the write fan-out limit, scaled linearly`);

  const tenth = [
    { n: small, calls: await group(small, small / 10, 3, readFanout) },
    { n: large, calls: await group(large, large / 10, 3, readFanout) },
  ];
  out['group of 10,000, 10 % online'] = price(scale(tenth[0]!, tenth[1]!, 10_000), 1_000, 1_000, 1_000, `measured at ${small} and ${large} members (10 % online), scaled linearly`);

  const room = [
    { n: small, calls: await gatewayRoom(small, messages) },
    { n: large * 2, calls: await gatewayRoom(large * 2, messages) },
  ];
  out['room of 10,000 via the gateway'] = price(scale(room[0]!, room[1]!, 10_000), 10_000, null, 10_000, `measured at ${small} and ${large * 2} goim TCP members on one task, scaled linearly`);

  const idleRun = await idle(20);
  const minutes = 30 * 24 * 60;
  const beatsPerMonth = idleRun.heartbeatMs > 0 ? (minutes * 60_000) / idleRun.heartbeatMs : 0;
  const reconnectsPerMonth = minutes / 120; // API Gateway closes every connection after 2 h
  const perConnMonth = combine(combine(Meter.empty(), idleRun.perHeartbeat, beatsPerMonth), idleRun.perReconnect, reconnectsPerMonth);
  const connMinutes = minutes * PRICES.apiGateway.connectionMinute;
  const N = 100_000;
  out['idle, 100,000 WebSocket-API connections, per month'] = {
    usdPerMillion: (usd(perConnMonth) + connMinutes) * N,
    appsyncUsdPerMillion: minutes * PRICES.appsyncEvents.connectionMinute * N,
    naiveUsdPerMillion: connMinutes * N,
    calls: combine(Meter.empty(), perConnMonth, N),
    note: `USD per month, not per million messages; heartbeat every ${idleRun.heartbeatMs / 1000} s (the SDK default), a reconnect every 2 h; the naive column is API Gateway's connection-minute charge alone`,
  };

  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'cost.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ prices: { date: PRICES.date, region: PRICES.region }, scenarios: out }, null, 2)}\n`);
  return out;
}

export function print(r: CostBench): void {
  console.log(`what a message costs on AWS (us-east-1 list prices of ${PRICES.date}; USD per million messages)`);
  console.log(`  ${'scenario'.padEnd(52)} ${'edgeim'.padStart(10)} ${'AppSync Ev.'.padStart(12)} ${'naive'.padStart(10)} ${'÷ AppSync'.padStart(10)}`);
  for (const [name, s] of Object.entries(r)) {
    const naive = s.naiveUsdPerMillion === null ? '—' : fmt(s.naiveUsdPerMillion, 1);
    console.log(`  ${name.padEnd(52)} ${fmt(s.usdPerMillion, 1).padStart(10)} ${fmt(s.appsyncUsdPerMillion, 1).padStart(12)} ${naive.padStart(10)} ${fmt(s.usdPerMillion / s.appsyncUsdPerMillion, 2).padStart(10)}`);
    if (s.note) console.log(`    (${s.note})`);
  }
  console.log('  calls per message (per month for idle):');
  for (const [name, s] of Object.entries(r)) {
    const c = s.calls;
    const dyn = Object.entries(c.dynamoCalls).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
    const fns = Object.entries(c.lambdaInvocations).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
    console.log(`    ${name}: API GW in ${fmt(c.apigwMessagesIn, 2)} out ${fmt(c.apigwMessagesOut, 2)}; Lambda ${fns || '0'} (${fmt(c.lambdaGbSeconds, 4)} GB-s); DynamoDB ${fmt(c.dynamoWru, 2)} WRU ${fmt(c.dynamoRru, 2)} RRU [${dyn}]; SQS ${fmt(c.sqsRequests, 2)}; gateway calls ${fmt(c.gatewayCalls, 2)} (${fmt(c.gatewayDeliveries, 0)} deliveries)`);
  }
}

if (isMain(import.meta.url)) print(await run());
