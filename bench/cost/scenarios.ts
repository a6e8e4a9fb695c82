/**
 * The cost bench's scenarios (bench/cost.bench.ts): each runs on a local stack of its own
 * with the meter attached and returns the calls counted per message (idle: per keep-alive
 * and per reconnect), chat-paced and at load.
 */
import { EdgeImClient, wsApiTransport, type TimelineMessage } from '../../sdk/index.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../../test/helpers/local-stack.js';
import { GoimClient, OP } from '../../test/helpers/goim-client.js';
import type { LocalStack } from '../../local/stack.js';
import { Meter, perUnit, type Calls } from './meter.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * How long a chat-paced message is given to settle after delivery: longer than any SDK
 * ack interval measured here (1 s before the cut, 3 s after), so its acks are counted with it.
 */
const SETTLE_MS = 3500;

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
export async function oneToOne(messages: number, pairs: number, perPair: number): Promise<{ chat: Calls; load: Calls }> {
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
export async function group(members: number, online: number, messages: number, burst: number, env: Record<string, string> = {}): Promise<{ chat: Calls; load: Calls }> {
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
export async function gatewayRoom(members: number, messages: number): Promise<Calls> {
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
export async function idle(connections: number): Promise<{ perKeepAlive: Calls; perReconnect: Calls; keepAliveMs: number }> {
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
