import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { EdgeImClient, goimWsTransport, MemoryStorage, wsApiTransport, type PushEvent, type TimelineMessage, type Transport, type WebSocketLike } from '../sdk/index.js';
import { goimTcpTransport } from '../sdk/tcp.js';
import type { SmokeTarget } from './smoke-target.js';

/** One check's outcome. */
export interface SmokeResult {
  check: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface SmokeOptions {
  /** Time each check may take (default 20 s: a cold Lambda plus the queue). */
  timeoutMs?: number;
  /** Checks to leave out, by name (e.g. `ping`). */
  skip?: readonly string[];
  /** The two users (default: fresh ids per run); a JWKS stack needs users it has tokens for. */
  users?: readonly [string, string];
  log?: (line: string) => void;
}

/** The business op the smoke push uses (goim clients here accept it). */
const SMOKE_OP = 1000;

interface Device {
  client: EdgeImClient;
  messages: TimelineMessage[];
  pushes: PushEvent[];
}

/**
 * Connects, sends, syncs and pushes against a deployment, as a user would, with fresh
 * user ids: alice on the WebSocket API; bob on the gateway over goim TCP (TLS when the
 * target has it) and goim WebSocket; messages both ways, a fresh device's sync, a stored
 * message and a transient push from the push API, and the `ping` keep-alive route.
 * Never throws for a failed check: every result is returned (and logged).
 */
export async function runSmoke(target: SmokeTarget, options: SmokeOptions = {}): Promise<SmokeResult[]> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const skip = new Set(options.skip ?? []);
  const run = `smoke-${randomBytes(4).toString('hex')}`;
  const [alice, bob] = options.users ?? [`${run}-alice`, `${run}-bob`];
  const results: SmokeResult[] = [];
  const devices: Device[] = [];
  const NodeWs = trustingWebSocket(target.ca);

  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    if (skip.has(name)) return true;
    const started = performance.now();
    let result: SmokeResult;
    try {
      const detail = await withTimeout(fn(), timeoutMs, name);
      result = { check: name, ok: true, ms: performance.now() - started, detail };
    } catch (err) {
      result = { check: name, ok: false, ms: performance.now() - started, detail: String((err as Error).message ?? err) };
    }
    results.push(result);
    log(`${result.ok ? 'PASS' : 'FAIL'}  ${name.padEnd(32)} ${result.ms.toFixed(0).padStart(6)} ms  ${result.detail}`);
    return result.ok;
  };
  const device = async (uid: string, transport: Transport): Promise<Device> => {
    const client = new EdgeImClient({ transport, token: await target.token(uid), storage: new MemoryStorage(), backoff: { baseMs: 200, maxMs: 2000 } });
    const d: Device = { client, messages: [], pushes: [] };
    client.on('message', (m) => d.messages.push(m));
    client.on('push', (p) => d.pushes.push(p));
    devices.push(d);
    await client.connect();
    return d;
  };
  const gw = target.gateway;

  try {
    let a: Device | undefined;
    let bTcp: Device | undefined;
    let bWs: Device | undefined;
    await check('connect: WebSocket API', async () => {
      a = await device(alice, wsApiTransport({ url: target.webSocketUrl, WebSocket: NodeWs }));
      return `${alice} on ${target.webSocketUrl}`;
    });
    if (gw?.tcp) {
      const tcp = gw.tcp;
      await check(`connect: goim TCP${tcp.tls ? ' + TLS' : ''}`, async () => {
        bTcp = await device(bob, goimTcpTransport({ host: gw.host, port: tcp.port, accepts: [SMOKE_OP], ...(tcp.tls ? { tls: target.ca ? { ca: target.ca } : true } : {}) }));
        return `${bob} on ${gw.host}:${tcp.port}`;
      });
    }
    if (gw?.ws) {
      const ws = gw.ws;
      await check(`connect: goim WebSocket${ws.url.startsWith('wss:') ? ' + TLS' : ''}`, async () => {
        bWs = await device(bob, goimWsTransport({ url: ws.url, WebSocket: NodeWs, accepts: [SMOKE_OP] }));
        return `${bob} on ${ws.url}`;
      });
    }
    const bobs = [bTcp, bWs].filter((d): d is Device => d !== undefined);
    // Without a gateway bob is on the WebSocket API too.
    if (!gw) {
      await check('connect: second WebSocket API client', async () => {
        bobs.push(await device(bob, wsApiTransport({ url: target.webSocketUrl, WebSocket: NodeWs })));
        return bob;
      });
    }
    if (!a || bobs.length === 0) return results;
    const sender = a;
    const receiver = bobs[0]!;

    const sent: string[] = [];
    await check('send: alice → bob', async () => {
      const { msgId } = await sender.client.send({ user: bob }, { text: 'smoke: hello bob' });
      sent.push(msgId);
      await Promise.all(bobs.map((b) => until(() => b.messages.some((m) => m.message.id === msgId), timeoutMs)));
      return `msgId ${msgId} reached bob's ${bobs.length} device(s)`;
    });
    await check('send: bob → alice', async () => {
      const { msgId } = await receiver.client.send({ user: alice }, { text: 'smoke: hello alice' });
      sent.push(msgId);
      await until(() => sender.messages.some((m) => m.message.id === msgId), timeoutMs);
      return `msgId ${msgId} reached alice`;
    });
    await check('sync: a fresh device catches up', async () => {
      const fresh = await device(bob, wsApiTransport({ url: target.webSocketUrl, WebSocket: NodeWs }));
      await until(() => sent.every((id) => fresh.messages.some((m) => m.message.id === id)), timeoutMs);
      fresh.client.close();
      return `${sent.length} messages synced`;
    });
    await check('push API: stored message', async () => {
      const res = await pushApi(target, '/v1/messages', { to: { user: alice }, body: { text: 'smoke: from a backend' } }, `${run}-message`);
      if (res.status !== 202) throw new Error(`POST /v1/messages answered ${res.status}: ${JSON.stringify(res.body)}`);
      const msgId = (res.body as { msgId: string }).msgId;
      await until(() => sender.messages.some((m) => m.message.id === msgId), timeoutMs);
      return `msgId ${msgId} reached alice`;
    });
    await check('push API: transient push', async () => {
      const res = await pushApi(target, '/v1/push', { op: SMOKE_OP, to: { users: [alice, bob] }, body: { smoke: run } }, `${run}-push`);
      if (res.status >= 300) throw new Error(`POST /v1/push answered ${res.status}: ${JSON.stringify(res.body)}`);
      const mine = (d: Device) => d.pushes.some((p) => (p.body as { smoke?: string } | undefined)?.smoke === run);
      await until(() => mine(sender) && bobs.every(mine), timeoutMs);
      return `op ${SMOKE_OP} reached ${1 + bobs.length} connections`;
    });
    await check('ping', async () => {
      const time = await ping(target.webSocketUrl, await target.token(alice), NodeWs);
      // API Gateway's request time in epoch milliseconds: within minutes of this clock.
      const skew = time - Date.now();
      if (Math.abs(skew) > 5 * 60_000) throw new Error(`pong time ${time} is ${skew} ms off this clock (not epoch milliseconds?)`);
      return `pong, time ${time} (${skew} ms from this clock)`;
    });
  } finally {
    for (const d of devices) d.client.close();
  }
  return results;
}

/** `{"action":"ping"}` on a raw connection → `{"type":"pong","time":<epoch ms>}` (no Lambda behind it in the cloud). */
async function ping(url: string, token: string, Ctor: WebSocketLike): Promise<number> {
  const base = url.replace(/\/+$/, '');
  const ws = new Ctor(`${base}${base.includes('?') ? '&' : '/?'}token=${encodeURIComponent(token)}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ action: 'ping' }));
      ws.onmessage = (ev) => {
        const frame = JSON.parse(String(ev.data)) as { type?: string; time?: unknown; error?: { code?: string; message?: string } };
        if (frame.type === 'pong' && typeof frame.time === 'number') resolve(frame.time);
        else reject(new Error(`no pong: ${String(ev.data).slice(0, 200)}`));
      };
      ws.onclose = (ev) => reject(new Error(`closed (${ev.code}) before a pong`));
    });
  } finally {
    ws.close();
  }
}

async function pushApi(target: SmokeTarget, path: string, body: unknown, idempotencyKey: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${target.pushApiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

/** `ws` for the SDK, trusting `ca` too when given (a self-signed gateway). */
function trustingWebSocket(ca: string | undefined): WebSocketLike {
  if (!ca) return WebSocket as unknown as WebSocketLike;
  class Trusting extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  return Trusting as unknown as WebSocketLike;
}

/** Polls `check` until it holds; gives up (throws) after `ms`, so no loop outlives its check. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]);
}
