/**
 * What a message costs on AWS (`npm run bench -- cost`). Each scenario runs through the
 * real handlers on the local stack, with SDK clients (default options, so acks and
 * keep-alives as the SDK sends them) or goim clients; the meter counts every billable
 * call (bench/cost/meter.ts) and bench/cost/prices.ts prices them. Beside each figure,
 * priced the same way: AppSync Events (one publish + one operation per delivery) and the
 * naive sample design (scan the connections table, post to each).
 *
 * Two paces per messaging scenario:
 * - chat-paced: one message at a time, each settled (delivered, and every ack the SDK
 *   sends for it sent) before the next: each message alone in its job batch and its ack
 *   batch. The worst case per message.
 * - at load: a backlog of messages (many conversations at once for 1:1, ten senders at
 *   once in a group) that the job works through in batches of up to 10, and recipients'
 *   acks covering several messages. What a busy system pays per message.
 * Large groups and rooms are measured at two smaller sizes and scaled linearly to 10,000
 * (the fit is printed). Lambda GB-s come from local wall time per invocation, inflated by
 * the emulators sharing a loaded 2-core machine: an upper bound. Writes
 * bench/results/cost.json.
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
/**
 * How long a chat-paced message is given to settle after delivery: longer than any SDK
 * ack interval measured here (1 s before the cut, 3 s after), so its acks are counted with it.
 */
const SETTLE_MS = 3500;

/** The price of one scenario's calls at one pace. */
export interface PacedCost {
  usdPerMillion: number;
  calls: Calls;
  note?: string;
}

export interface ScenarioCost extends PacedCost {
  appsyncUsdPerMillion: number;
  naiveUsdPerMillion: number | null;
  /** The same scenario at load (see the module comment), when measured. */
  atLoad?: PacedCost;
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
async function device(r: Rig, uid: string, seen?: (m: TimelineMessage) => void): Promise<EdgeImClient> {
  const client = new EdgeImClient({
    transport: wsApiTransport({ url: r.stack.wsUrl, WebSocket: r.meter.webSocket() }),
    token: await signToken(uid, LOCAL_JWT_SECRET),
  });
  if (seen) client.on('message', seen);
  r.clients.push(client);
  await client.connect();
  return client;
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
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

/** Counts texts seen, for "every member saw it". */
class Seen {
  private readonly counts = new Map<string, number>();
  readonly on = (m: TimelineMessage) => {
    const t = (m.message.body as { text?: string }).text ?? '';
    this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
  };
  count(text: string): number {
    return this.counts.get(text) ?? 0;
  }
}

/** Chat-paced: `messages` sends, each settled (delivered, acks sent) before the next; per message. */
async function chatPaced(r: Rig, messages: number, send: (i: number) => Promise<void>): Promise<Calls> {
  await r.stack.drain();
  await sleep(SETTLE_MS);
  r.meter.start();
  for (let i = 0; i < messages; i++) {
    await send(i);
    await r.stack.drain();
    await sleep(SETTLE_MS);
  }
  await r.stack.drain();
  return perUnit(r.meter.stop(), messages);
}

/**
 * At load: the job is paused while `messages` sends are accepted (a backlog), then works
 * through them in batches; everything is counted until every ack went out. Per message.
 */
async function atLoad(r: Rig, messages: number, sendAll: () => Promise<void>, delivered: () => boolean): Promise<Calls> {
  await r.stack.drain();
  await sleep(SETTLE_MS);
  r.meter.start();
  r.stack.poller.pause();
  await sendAll();
  r.stack.poller.resume();
  await until('every message delivered', delivered);
  await r.stack.drain();
  await sleep(SETTLE_MS);
  return perUnit(r.meter.stop(), messages);
}

/** 1:1: the sender has one device, the recipient two. At load: `pairs` conversations, each sending `perPair` messages at once. */
async function oneToOne(messages: number, pairs: number, perPair: number): Promise<{ chat: Calls; load: Calls }> {
  const r = await rig();
  try {
    const seen = new Seen();
    const alice = await device(r, 'alice');
    await device(r, 'bob', seen.on);
    await device(r, 'bob', seen.on);
    const chat = await chatPaced(r, messages, async (i) => {
      await alice.send({ user: 'bob' }, { text: `hello ${i}` });
      await until('both of bob’s devices', () => seen.count(`hello ${i}`) === 2);
    });
    const senders: EdgeImClient[] = [];
    for (let p = 0; p < pairs; p++) {
      senders.push(await device(r, `s${p}`));
      await device(r, `t${p}`, seen.on);
      await device(r, `t${p}`, seen.on);
    }
    const texts = senders.flatMap((_, p) => Array.from({ length: perPair }, (__, k) => `load ${p}.${k}`));
    const load = await atLoad(
      r,
      pairs * perPair,
      () => Promise.all(senders.map(async (s, p) => { for (let k = 0; k < perPair; k++) await s.send({ user: `t${p}` }, { text: `load ${p}.${k}` }); })).then(() => undefined),
      () => texts.every((t) => seen.count(t) === 2),
    );
    return { chat, load };
  } finally {
    await close(r);
  }
}

/**
 * A group with `members` members of which `online` have one device connected. Chat-paced:
 * one member sends `messages` times. At load: `burst` online members send one message each at once.
 */
async function group(members: number, online: number, messages: number, burst: number, env: Record<string, string> = {}): Promise<{ chat: Calls; load: Calls }> {
  const r = await rig(env);
  try {
    const uids = Array.from({ length: members }, (_, i) => `m${i}`);
    const gid = `g${members}x${online}`;
    await pushApi(r, 'POST', '/v1/groups', { group: gid, owner: uids[0], members: uids });
    const seen = new Seen();
    const devices: EdgeImClient[] = [];
    for (let i = 0; i < online; i += 50) {
      devices.push(...(await Promise.all(uids.slice(i, Math.min(online, i + 50)).map((uid) => device(r, uid, seen.on)))));
    }
    // every member but the sending connection gets it (large groups: the sender too)
    const reached = (text: string) => seen.count(text) >= online - 1;
    const chat = await chatPaced(r, messages, async (i) => {
      const text = `to ${gid} ${i}`;
      await devices[0]!.send({ group: gid }, { text });
      await until(`${online} members to see the message`, () => reached(text));
    });
    const texts = devices.slice(0, burst).map((_, k) => `burst ${gid} ${k}`);
    const load = await atLoad(
      r,
      burst,
      () => Promise.all(devices.slice(0, burst).map((d, k) => d.send({ group: gid }, { text: texts[k] }))).then(() => undefined),
      () => texts.every(reached),
    );
    return { chat, load };
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
    return await chatPaced(r, messages, async (i) => {
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

/** Keep-alives and 2-hourly reconnects of idle WebSocket-API connections, per connection-month. */
async function idle(connections: number): Promise<{ perKeepAlive: Calls; perReconnect: Calls; keepAliveMs: number }> {
  const r = await rig();
  try {
    const transport = wsApiTransport({ url: r.stack.wsUrl, WebSocket: r.meter.webSocket() });
    const keepAliveMs = transport.defaultHeartbeatMs ?? 0;
    const token = (i: number) => signToken(`idle${i}`, LOCAL_JWT_SECRET);
    // A reconnect: connect (authorizer, $connect, the SDK's sync), then close ($disconnect).
    r.meter.start();
    const clients = await Promise.all(
      Array.from({ length: connections }, async (_, i) => {
        const c = new EdgeImClient({ transport, token: await token(i) });
        await c.connect();
        return c;
      }),
    );
    await r.stack.drain();
    await Promise.all(clients.map((c) => c.close()));
    await sleep(300);
    const perReconnect = perUnit(r.meter.stop(), connections);
    // Keep-alives: the SDK's own, made frequent only so there are some to count.
    const beating = await Promise.all(
      Array.from({ length: connections }, async (_, i) => {
        const c = new EdgeImClient({ transport, token: await token(i), heartbeat: 200 });
        await c.connect();
        return c;
      }),
    );
    r.clients.push(...beating);
    await sleep(500);
    r.meter.start();
    await sleep(2000);
    const calls = r.meter.stop();
    const beats = calls.apigwMessagesIn;
    return { perKeepAlive: perUnit(calls, Math.max(1, beats)), perReconnect, keepAliveMs };
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

const paced = (calls: Calls, note?: string): PacedCost => ({ usdPerMillion: usd(calls) * 1e6, calls, ...(note ? { note } : {}) });

/**
 * Fits cost(n) = fixed + n·perMember from two sizes and evaluates it at `target`, field by
 * field. A field that came out smaller at the larger size (noise: local Lambda time under
 * a shared machine's load) is scaled in proportion from the larger size instead, an upper
 * bound, so no extrapolation goes negative.
 */
function scale(small: { n: number; calls: Calls }, large: { n: number; calls: Calls }, target: number): Calls {
  const fit = (a: number, b: number) => {
    const slope = (b - a) / (large.n - small.n);
    return slope >= 0 ? a + slope * (target - small.n) : (b * target) / large.n;
  };
  const fitAll = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, fit(a[k] ?? 0, b[k] ?? 0)]));
  const s = small.calls;
  const l = large.calls;
  return {
    apigwMessagesIn: fit(s.apigwMessagesIn, l.apigwMessagesIn),
    apigwMessagesOut: fit(s.apigwMessagesOut, l.apigwMessagesOut),
    lambdaInvocations: fitAll(s.lambdaInvocations, l.lambdaInvocations),
    lambdaGbSeconds: fit(s.lambdaGbSeconds, l.lambdaGbSeconds),
    dynamoRru: fit(s.dynamoRru, l.dynamoRru),
    dynamoWru: fit(s.dynamoWru, l.dynamoWru),
    dynamoCalls: fitAll(s.dynamoCalls, l.dynamoCalls),
    sqsRequests: fit(s.sqsRequests, l.sqsRequests),
    gatewayCalls: fit(s.gatewayCalls, l.gatewayCalls),
    gatewayDeliveries: fit(s.gatewayDeliveries, l.gatewayDeliveries),
    httpApiRequests: fit(s.httpApiRequests, l.httpApiRequests),
  };
}

export async function run(options: { messages?: number; small?: number; large?: number } = {}): Promise<CostBench> {
  const messages = options.messages ?? 6;
  const small = options.small ?? 100;
  const large = options.large ?? 300;
  const readFanout = { EDGEIM_WRITE_FANOUT_MAX: '50' }; // these sizes stand for groups above the write fan-out limit
  const out: CostBench = {};

  const direct = await oneToOne(messages, 30, 4);
  out['1:1, recipient with 2 devices, sender 1'] = { ...price(direct.chat, 3, 3), atLoad: paced(direct.load, '30 conversations sending 4 messages each at once') };

  const g100 = await group(100, 100, 4, 10);
  out['group of 100, all online (write fan-out)'] = { ...price(g100.chat, 100, 100), atLoad: paced(g100.load, '10 members sending at once') };

  const allOnline = [
    { n: small, ...(await group(small, small, 3, 10, readFanout)) },
    { n: large, ...(await group(large, large, 3, 10, readFanout)) },
  ];
  const fit = (list: { n: number; chat: Calls; load: Calls }[], pace: 'chat' | 'load') => scale({ n: list[0]!.n, calls: list[0]![pace] }, { n: list[1]!.n, calls: list[1]![pace] }, 10_000);
  out['group of 10,000, all online'] = {
    ...price(fit(allOnline, 'chat'), 10_000, 10_000, 10_000, `measured at ${small} and ${large} members above the write fan-out limit, scaled linearly`),
    atLoad: paced(fit(allOnline, 'load'), '10 members sending at once, scaled the same way'),
  };

  const tenth = [
    { n: small, ...(await group(small, small / 10, 3, 10, readFanout)) },
    { n: large, ...(await group(large, large / 10, 3, 10, readFanout)) },
  ];
  out['group of 10,000, 10 % online'] = {
    ...price(fit(tenth, 'chat'), 1_000, 1_000, 1_000, `measured at ${small} and ${large} members (10 % online), scaled linearly`),
    atLoad: paced(fit(tenth, 'load'), '10 members sending at once, scaled the same way'),
  };

  const room = [
    { n: small, calls: await gatewayRoom(small, messages) },
    { n: large * 2, calls: await gatewayRoom(large * 2, messages) },
  ];
  out['room of 10,000 via the gateway'] = price(scale(room[0]!, room[1]!, 10_000), 10_000, null, 10_000, `measured at ${small} and ${large * 2} goim TCP members on one task, scaled linearly`);

  const idleRun = await idle(20);
  const minutes = 30 * 24 * 60;
  const beatsPerMonth = idleRun.keepAliveMs > 0 ? (minutes * 60_000) / idleRun.keepAliveMs : 0;
  const reconnectsPerMonth = minutes / 120; // API Gateway closes every connection after 2 h
  const perConnMonth = combine(combine(Meter.empty(), idleRun.perKeepAlive, beatsPerMonth), idleRun.perReconnect, reconnectsPerMonth);
  const connMinutes = minutes * PRICES.apiGateway.connectionMinute;
  const N = 100_000;
  out['idle, 100,000 WebSocket-API connections, per month'] = {
    usdPerMillion: (usd(perConnMonth) + connMinutes) * N,
    appsyncUsdPerMillion: minutes * PRICES.appsyncEvents.connectionMinute * N,
    naiveUsdPerMillion: connMinutes * N,
    calls: combine(Meter.empty(), perConnMonth, N),
    note: `USD per month, not per million messages; a keep-alive every ${idleRun.keepAliveMs / 1000} s (the SDK default), a reconnect every 2 h; the naive column is API Gateway's connection-minute charge alone`,
  };

  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'cost.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ prices: { date: PRICES.date, region: PRICES.region }, scenarios: out }, null, 2)}\n`);
  return out;
}

function callsLine(c: Calls): string {
  const dyn = Object.entries(c.dynamoCalls).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  const fns = Object.entries(c.lambdaInvocations).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  return `API GW in ${fmt(c.apigwMessagesIn, 2)} out ${fmt(c.apigwMessagesOut, 2)}; Lambda ${fns || '0'} (${fmt(c.lambdaGbSeconds, 4)} GB-s); DynamoDB ${fmt(c.dynamoWru, 2)} WRU ${fmt(c.dynamoRru, 2)} RRU [${dyn}]; SQS ${fmt(c.sqsRequests, 2)}; gateway calls ${fmt(c.gatewayCalls, 2)} (${fmt(c.gatewayDeliveries, 0)} deliveries)`;
}

export function print(r: CostBench): void {
  console.log(`what a message costs on AWS (us-east-1 list prices of ${PRICES.date}; USD per million messages)`);
  console.log(`  ${'scenario'.padEnd(52)} ${'chat-paced'.padStart(11)} ${'at load'.padStart(10)} ${'AppSync Ev.'.padStart(12)} ${'naive'.padStart(10)} ${'÷ AppSync'.padStart(16)}`);
  for (const [name, s] of Object.entries(r)) {
    const naive = s.naiveUsdPerMillion === null ? '—' : fmt(s.naiveUsdPerMillion, 1);
    const load = s.atLoad ? fmt(s.atLoad.usdPerMillion, 1) : '—';
    const ratio = `${fmt(s.usdPerMillion / s.appsyncUsdPerMillion, 2)}${s.atLoad ? ` / ${fmt(s.atLoad.usdPerMillion / s.appsyncUsdPerMillion, 2)}` : ''}`;
    console.log(`  ${name.padEnd(52)} ${fmt(s.usdPerMillion, 1).padStart(11)} ${load.padStart(10)} ${fmt(s.appsyncUsdPerMillion, 1).padStart(12)} ${naive.padStart(10)} ${ratio.padStart(16)}`);
    if (s.note) console.log(`    (${s.note})`);
    if (s.atLoad?.note) console.log(`    (at load: ${s.atLoad.note})`);
  }
  console.log('  calls per message (per month for idle):');
  for (const [name, s] of Object.entries(r)) {
    console.log(`    ${name}: ${callsLine(s.calls)}`);
    if (s.atLoad) console.log(`      at load: ${callsLine(s.atLoad.calls)}`);
  }
}

if (isMain(import.meta.url)) print(await run());
