import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';

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

  // Defect, not fixed here: a connection may join any number of rooms. Each join grows the
  // session item (DynamoDB refuses it past 400 KB: INTERNAL from then on), the task's
  // memory, the copy of the room list every heartbeat and renewal makes on the gateway, and
  // the items every renewal and the close rewrite (one per room). Fix: a documented cap of
  // rooms per connection (goim has one room per connection), checked in the store's join
  // condition (`size(rooms) < :max`) and answered with a clear error code.
  it.fails('a connection cannot join more than 100 rooms; joins past that are refused, never INTERNAL', { timeout: 30_000 }, async () => {
    const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'room-hog');
    clients.push(c);
    const codes: string[] = [];
    for (let i = 0; i < 130; i++) {
      const reply = await c.request(OP.Join, OP.JoinReply, { room: `hog-${i}-${'r'.repeat(50)}` });
      codes.push(reply.json?.ok ? 'ok' : reply.json?.error?.code);
    }
    expect(codes).not.toContain('INTERNAL');
    expect(stack.gateway.gateway.channel(c.auth.key)!.rooms.length).toBeLessThanOrEqual(100);
    expect(codes.filter((code) => code !== 'ok').length).toBeGreaterThanOrEqual(30);
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
    for (let i = 0; i < 400 && (gw.admission.pending > 0 || gw.removals.size > 0 || gw.all.size > 0); i++) await new Promise((r) => setTimeout(r, 25));
    return { pending: gw.admission.pending, removals: gw.removals.size, transports: gw.all.size, channels: gw.channels.size };
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
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  // Defect, not fixed here: every bound is per connection (1 MiB of waiting requests, 4 MiB
  // queued out, 100 requests of burst), and nothing bounds how many connections one user
  // (one token, one address) holds on a task or what they hold together. 24 connections of
  // one user that pipeline Syncs of its inbox and read nothing grew the process by about
  // 130 MiB (60 connections: 200 MiB); a few hundred take a Fargate task's memory, and
  // everyone on it goes down with it. The fix: a per-user connection cap on the task and a
  // task-wide budget for queued bytes (waiting requests + outbound), past which the
  // connections holding the most are closed SLOW_CONSUMER / RATE_LIMITED.
  it.fails('24 connections of one user pipelining to their bounds do not grow the task by more than 32 MiB', { timeout: 60_000 }, async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    for (let i = 0; i < 40; i++) {
      await stack.app.timelines.append('user:hog', { id: `hog${i}`, conv: 'u:a:hog', from: 'a', to: { user: 'hog' }, body: 'x'.repeat(15_000), cmid: `c${i}`, sentAt: Date.now() }, exp);
    }
    const { encode } = await import('../helpers/goim-client.js');
    const sync = encode(OP.Sync, JSON.stringify({ timeline: 'inbox', limit: 200, pad: 'p'.repeat(16_000) }), 5);
    const burst = Buffer.concat(Array.from({ length: 60 }, () => sync)); // under 64 requests and 1 MiB waiting
    const before = process.memoryUsage().rss;
    const clients: GoimClient[] = [];
    let peak = before;
    try {
      for (let i = 0; i < 24; i++) {
        const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'hog');
        c.pause(); // reads nothing
        c.write(burst);
        clients.push(c);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      for (let t = 0; t < 20; t++) {
        await new Promise((r) => setTimeout(r, 100));
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    } finally {
      for (const c of clients) c.resume();
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(Math.round((peak - before) / 1048576)).toBeLessThanOrEqual(32);
  });
});
