import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { GoimClient, OP, type GoimPacket } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient } from '../helpers/ws-client.js';

/**
 * Per-connection state an authenticated goim client can grow: every piece must have a
 * bound, or one client grows the task's memory (and its session item) without limit.
 */
describe('gateway: per-connection state stays bounded', () => {
  let stack: LocalStack;
  const clients: GoimClient[] = [];
  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_CONNECTION_RATE_LIMIT: '100000', EDGEIM_CONNECTION_RATE_BURST: '100000' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  it('Sub with tens of thousands of distinct ops does not grow the connection\'s accepts past the Auth limit (1,000)', async () => {
    const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'sub-hog');
    clients.push(c);
    const key = c.auth.key as string;
    const OPS_PER_SUB = 5000; // ~40 KiB bodies, under the 64 KiB packet limit
    for (let i = 0; i < 20; i++) {
      const ops = Array.from({ length: OPS_PER_SUB }, (_, j) => 1000 + i * OPS_PER_SUB + j).join(',');
      await c.request(OP.Sub, OP.SubReply, ops); // echoed, or an error reply: either way the connection lives
    }
    const accepts = stack.gateway.gateway.channel(key)?.accepts;
    expect(accepts?.size ?? 0).toBeLessThanOrEqual(1000);
    const stored = await stack.app.sessions.get(key, Date.now());
    expect(stored?.accepts?.length ?? 0).toBeLessThanOrEqual(1000);
    expect((await c.request(OP.Heartbeat, OP.HeartbeatReply)).op).toBe(OP.HeartbeatReply);
  });

  // Each join grows the session item (DynamoDB refuses it past 400 KB), the task's memory,
  // and the items every renewal and the close rewrite (one per room): a connection is in
  // at most EDGEIM_MAX_ROOMS_PER_CONNECTION rooms (100), checked on the gateway before any
  // store call and in the store's conditional join, and answered BAD_REQUEST.
  it('a connection cannot join more than 100 rooms; joins past that are BAD_REQUEST, never INTERNAL', { timeout: 30_000 }, async () => {
    const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'room-hog', { room_id: 'live://hog-auth' });
    clients.push(c);
    const codes: string[] = [];
    const messages = new Set<string>();
    for (let i = 0; i < 130; i++) {
      const reply = await c.request(OP.Join, OP.JoinReply, { room: `hog-${i}-${'r'.repeat(50)}` });
      codes.push(reply.json?.ok ? 'ok' : reply.json?.error?.code);
      if (!reply.json?.ok) messages.add(reply.json?.error?.message);
    }
    expect(codes.slice(0, 99)).toEqual(Array(99).fill('ok')); // the Auth's room_id is the 100th
    expect(codes.slice(99)).toEqual(Array(31).fill('BAD_REQUEST'));
    expect([...messages]).toEqual(['a connection may be in at most 100 rooms; leave one before joining another']);
    expect(stack.gateway.gateway.channel(c.auth.key)!.rooms).toHaveLength(100);
    expect((await stack.app.sessions.get(c.auth.key, Date.now()))!.rooms).toHaveLength(100);
    // leaving one makes room for another; rejoining a room it is in stays a no-op
    expect((await c.request(OP.Leave, OP.LeaveReply, { room: 'hog-0-' + 'r'.repeat(50) })).json.ok).toBe(true);
    expect((await c.request(OP.Join, OP.JoinReply, { room: 'hog-new' })).json.ok).toBe(true);
    expect((await c.request(OP.Join, OP.JoinReply, { room: 'hog-new' })).json.ok).toBe(true);
    expect((await c.request(OP.Join, OP.JoinReply, { room: 'hog-one-more' })).json.error.code).toBe('BAD_REQUEST');
  });

  it('the WebSocket API applies the same cap (the store\'s conditional join)', { timeout: 30_000 }, async () => {
    const ws = await TestClient.connect(stack.wsUrl, 'room-hog-ws');
    try {
      for (let i = 0; i < 100; i++) await ws.call('join', { room: `wsh-${i}` });
      const refused = await ws.request('join', { room: 'wsh-100' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'a connection may be in at most 100 rooms; leave one before joining another' } });
      expect(await stack.app.sessions.roomCount('wsh-100', Date.now())).toBe(0);
      expect(await ws.call('join', { room: 'wsh-7' })).toMatchObject({ online: 1 }); // already in it: fine
    } finally {
      await ws.close();
    }
  });
});

describe('gateway: connect churn leaves nothing behind', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const settle = async () => {
    const gw = stack.gateway.gateway;
    const counts = () => gw.connections.counts;
    for (let i = 0; i < 400 && (gw.admission.pending > 0 || counts().removals > 0 || counts().transports > 0); i++) await new Promise((r) => setTimeout(r, 25));
    return { pending: gw.admission.pending, removals: counts().removals, transports: counts().transports, channels: counts().open };
  };

  it('200 clients that send Auth and vanish at once (TCP and WS) leave no session, no channel and no admission slot taken', async () => {
    const { signToken } = await import('../../shared/domain/auth.js');
    const { LOCAL_JWT_SECRET } = await import('../../shared/config.js');
    const { encode } = await import('../helpers/goim-client.js');
    const token = await signToken('churn-user', LOCAL_JWT_SECRET);
    const auth = encode(OP.Auth, JSON.stringify({ token, room_id: 'live://churn' }), 1);
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const c = i % 2 === 0 ? await GoimClient.tcp(stack.gateway.ports.tcp) : await GoimClient.ws(stack.gateway.wsUrl);
        c.write(auth);
        if (i % 4 < 2) await new Promise((r) => setImmediate(r)); // some leave a moment later, mid-Auth
        if (c.kind === 'tcp') (c as unknown as { tcp: import('node:net').Socket }).tcp.destroy();
        else (c as unknown as { ws: import('ws').WebSocket }).ws.terminate();
      }),
    );
    expect(await settle()).toEqual({ pending: 0, removals: 0, transports: 0, channels: 0 });
    expect(await stack.app.sessions.byUser('churn-user', Date.now())).toEqual([]);
    expect(await stack.app.sessions.roomCount('live:churn', Date.now())).toBe(0);
  });

  it('bad Auths of every kind (not JSON, too deep, bad token, no token, huge mid) give back their admission slot', async () => {
    const { encode } = await import('../helpers/goim-client.js');
    const bodies = ['not json', '['.repeat(5000) + ']'.repeat(5000), '{"token":"a.b.c"}', '{}', '{"mid":1e400}', '{"token":{"x":1}}', '{"accepts":"x"}', '"' + 'x'.repeat(60_000) + '"'];
    for (const body of bodies) {
      const c = await GoimClient.tcp(stack.gateway.ports.tcp);
      const answer = c.next((p) => p.op === OP.DisconnectReply || p.op === OP.AuthReply);
      c.write(encode(OP.Auth, body, 1));
      expect((await answer).json).toMatchObject({ code: 'UNAUTHORIZED', reconnect: false });
      await c.close();
    }
    expect((await settle()).pending).toBe(0);
  });
});

describe('gateway: slow clients before the handshake', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_HANDSHAKE_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const closedAfter = async (port: number, bytes: string) => {
    const { connect } = await import('node:net');
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(bytes);
    await new Promise<void>((r) => socket.once('close', () => r()));
    return true;
  };

  it('a goim TCP client that sends half a packet header is closed by the handshake timeout', { timeout: 10_000 }, async () => {
    expect(await closedAfter(stack.gateway.ports.tcp, '\u0000\u0000\u0000')).toBe(true);
  });

  it('a goim WebSocket client that never finishes its HTTP upgrade headers (slowloris) is closed by the handshake timeout too', { timeout: 10_000 }, async () => {
    expect(await closedAfter(stack.gateway.ports.ws, 'GET /sub HTTP/1.1\r\nHost: x\r\n')).toBe(true);
  });

  it('an upgraded goim WebSocket connection is not cut by that timeout afterwards', async () => {
    const c = await GoimClient.connect('ws', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'slow-ok');
    await new Promise((r) => setTimeout(r, 1500)); // five handshake timeouts, three connection checks
    expect((await c.request(OP.Heartbeat, OP.HeartbeatReply)).op).toBe(OP.HeartbeatReply);
    await c.close();
  });
});

describe('gateway: one user, many connections, each at its bound', () => {
  let stack: LocalStack;
  const BUDGET = 4 * 1024 * 1024;
  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_GATEWAY_MAX_QUEUED_BYTES: String(BUDGET) } }); // 10 connections per user (the default)
  });
  afterAll(async () => {
    await stack.close();
  });

  // Every other bound is per connection (1 MiB of waiting requests, 4 MiB queued out, 100
  // requests of burst). Without more, 24 connections of one user that pipeline Syncs of
  // its inbox and read nothing grew the process by about 130 MiB (60 connections: 200 MiB);
  // a few hundred take a Fargate task's memory, and everyone on it goes down with it. So a
  // user holds at most EDGEIM_GATEWAY_MAX_CONNECTIONS_PER_USER connections on a task (one
  // more is refused at Auth, TOO_MANY_CONNECTIONS), and what all connections hold queued
  // together has a budget (EDGEIM_GATEWAY_MAX_QUEUED_BYTES): past it, the connections
  // holding the most are closed RATE_LIMITED with a retry hint.
  it('24 connections of one user pipelining to their bounds: 10 get in, the task stays within its queue budget, growth is bounded', { timeout: 60_000 }, async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    for (let i = 0; i < 40; i++) {
      await stack.app.timelines.append('user:hog', { id: `hog${i}`, conv: 'u:a:hog', from: 'a', to: { user: 'hog' }, body: 'x'.repeat(15_000), cmid: `c${i}`, sentAt: Date.now() }, exp);
    }
    const { encode } = await import('../helpers/goim-client.js');
    const { signToken } = await import('../../shared/domain/auth.js');
    const { LOCAL_JWT_SECRET } = await import('../../shared/config.js');
    const token = await signToken('hog', LOCAL_JWT_SECRET);
    const sync = encode(OP.Sync, JSON.stringify({ timeline: 'inbox', limit: 200, pad: 'p'.repeat(16_000) }), 5);
    const burst = Buffer.concat(Array.from({ length: 60 }, () => sync)); // under 64 requests and 1 MiB waiting
    const gw = stack.gateway.gateway;
    // What the process holds (live JS heap + buffers) after a full GC: RSS alone moves with
    // how lazily V8 collects garbage, not with what the task keeps.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = live();
    const admitted: GoimClient[] = [];
    const keys = new Map<GoimClient, string>();
    const refused: GoimPacket[] = [];
    let peak = before;
    let peakQueued = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, live());
      peakQueued = Math.max(peakQueued, gw.budget.total);
    }, 50);
    try {
      for (let i = 0; i < 24; i++) {
        const c = await GoimClient.tcp(stack.gateway.ports.tcp);
        const reply = await c.auth({ token });
        if (reply.op === OP.AuthReply) {
          admitted.push(c);
          keys.set(c, reply.json.key);
        }
        else {
          refused.push(reply);
          await c.close();
        }
      }
      for (const c of admitted) {
        c.pause(); // reads nothing
        c.write(burst);
      }
      for (let t = 0; t < 20; t++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      clearInterval(watch);
      for (const c of admitted) c.resume();
    }
    // every connection past the tenth was refused at Auth, with a reason and a time to come back
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(14);
    for (const r of refused) {
      expect(r.op).toBe(OP.DisconnectReply);
      expect(r.json).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', reconnect: true });
      expect(r.json.retryAfterMs).toBeGreaterThanOrEqual(30_000);
    }
    // the biggest holders were closed RATE_LIMITED with a retry hint once the task's budget was passed
    // the connections the server closed: each reads what was queued before its DisconnectReply
    const closedByServer = admitted.filter((c) => gw.channel(keys.get(c)!) === undefined);
    await Promise.all(closedByServer.map((c) => Promise.race([c.closed, new Promise((r) => setTimeout(r, 10_000))])));
    const reasons = closedByServer.map((c) => c.log.find((p) => p.op === OP.DisconnectReply)?.json ?? null); // none: destroyed unread (the budget cut a closing one)
    await Promise.all(admitted.map((c) => c.close()));
    const limited = reasons.filter((r) => r?.code === 'RATE_LIMITED');
    expect(gw.budget.evicted).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expect(r).toMatchObject({ reconnect: true, retryAfterMs: expect.any(Number) });
    const growthMiB = Math.round((peak - before) / 1048576);
    console.log(`24 connections of one user: ${admitted.length} admitted, ${limited.length} closed RATE_LIMITED, peak queued ${Math.round(peakQueued / 1048576)} MiB (budget ${BUDGET / 1048576}), live memory growth ${growthMiB} MiB`);
    expect(growthMiB).toBeLessThanOrEqual(32);
    // nothing is left counted against the user or the budget
    // (sockets closed too: a closing connection's unsent bytes count until its socket is gone)
    for (let i = 0; i < 400 && (gw.connections.userConnections('hog') > 0 || gw.connections.counts.transports > 0); i++) await new Promise((r) => setTimeout(r, 25));
    expect(gw.connections.userConnections('hog')).toBe(0);
    expect(gw.budget.total).toBe(0);
  });
});
