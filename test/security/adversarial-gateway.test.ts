import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { encode, GoimClient, OP, splitPackets, type GoimPacket } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { fuzzPackets, mulberry32 } from './goim-fuzz.js';

const FUZZ_PACKETS = 20_000;
const MAX_BODY = 64 * 1024;

describe('adversarial goim clients', () => {
  let stack: LocalStack;
  const clients: GoimClient[] = [];
  const ports = () => ({ tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl });

  beforeAll(async () => {
    // A generous request budget here: the fuzzer should reach the request handlers, not the limiter.
    stack = await startTestStack({ env: { EDGEIM_CONNECTION_RATE_LIMIT: '100000', EDGEIM_CONNECTION_RATE_BURST: '100000', EDGEIM_HANDSHAKE_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  it(`survives ${FUZZ_PACKETS} seeded fuzz packets while a well-behaved client keeps receiving, and never answers INTERNAL`, async () => {
    const receiver = await GoimClient.connect('ws', ports(), 'fz-receiver', { accepts: [1777] });
    clients.push(receiver);
    const api = new PushApiClient(stack.pushUrl);
    const random = mulberry32(0xed6e1);
    const token = await signToken('fz-attacker', LOCAL_JWT_SECRET);
    const seen: GoimPacket[] = [];
    let sent = 0;
    let pushes = 0;
    let connections = 0;
    while (sent < FUZZ_PACKETS) {
      const kind = connections++ % 3 === 2 ? 'ws' : 'tcp';
      const c = kind === 'tcp' ? await GoimClient.tcp(stack.gateway.ports.tcp) : await GoimClient.ws(stack.gateway.wsUrl);
      if (random() < 0.85) await c.auth({ token, accepts: [1000, 1777] });
      let inFlight = 0;
      for (const packet of fuzzPackets(random, 400, MAX_BODY)) {
        if (c.isClosed) break;
        c.write(packet);
        sent++;
        // Pipeline at most 40 (under the 64 waiting requests a connection may have): a
        // heartbeat is answered after everything before it (or the connection is gone).
        if (++inFlight === 40) {
          await Promise.race([c.request(OP.Heartbeat, OP.HeartbeatReply), c.closed]);
          inFlight = 0;
        }
      }
      if (!c.isClosed) await Promise.race([c.request(OP.Heartbeat, OP.HeartbeatReply), c.closed]);
      seen.push(...c.log);
      await c.close();
      const n = ++pushes;
      expect((await api.post('/v1/push', { op: 1777, body: `p${n}`, to: { users: ['fz-receiver'] } })).status).toBe(202);
    }
    const got = [];
    for (let i = 1; i <= pushes; i++) got.push((await receiver.next((p) => p.op === 1777)).body.toString());
    expect(got).toEqual(Array.from({ length: pushes }, (_, i) => `p${i + 1}`));

    const internal = seen.filter((p) => p.json?.error?.code === 'INTERNAL' || p.json?.code === 'INTERNAL');
    expect(internal.map((p) => p.body.toString().slice(0, 200))).toEqual([]);
    const disconnects = new Set(seen.filter((p) => p.op === OP.DisconnectReply).map((p) => p.json?.code));
    for (const code of disconnects) expect(['PROTOCOL_ERROR', 'UNAUTHORIZED', 'RATE_LIMITED', 'HANDSHAKE_TIMEOUT']).toContain(code);
    expect((await receiver.request(OP.Heartbeat, OP.HeartbeatReply)).op).toBe(OP.HeartbeatReply);
  });

  it('a client pipelining 6,000 Sync requests of 64 KiB is closed with RATE_LIMITED and the task does not grow with it', async () => {
    const socket = netConnect({ port: stack.gateway.ports.tcp, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let pending = Buffer.alloc(0);
    const packets: GoimPacket[] = [];
    socket.on('data', (chunk: Buffer) => {
      const split = splitPackets(Buffer.concat([pending, chunk]));
      pending = Buffer.from(split.rest);
      packets.push(...split.packets);
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(encode(OP.Auth, JSON.stringify({ token: await signToken('pipeliner', LOCAL_JWT_SECRET) }), 1));
    while (!packets.some((p) => p.op === OP.AuthReply)) await new Promise((r) => setTimeout(r, 5));

    const pad = 'x'.repeat(MAX_BODY - 64);
    const body = Buffer.from(JSON.stringify({ timeline: 'inbox', limit: 200, id: 'pipe', pad }));
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    let written = 0;
    for (let seq = 2; seq < 6002 && !socket.destroyed && socket.writable; seq++) {
      const header = encode(OP.Sync, Buffer.alloc(0), seq);
      header.writeInt32BE(16 + body.length, 0);
      const more = socket.write(header) && socket.write(body); // the same body Buffer every time: the client holds one
      written++;
      if (written % 250 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
      if (!more) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
    }
    await closed;
    rssMax = Math.max(rssMax, process.memoryUsage().rss);

    const bye = packets.find((p) => p.op === OP.DisconnectReply);
    expect(bye?.json).toMatchObject({ code: 'RATE_LIMITED', reconnect: true, retryAfterMs: expect.any(Number) });
    // Before the bound, the task queued a copy of every request: +400 MiB for this client.
    expect((rssMax - rssBefore) / 2 ** 20).toBeLessThan(128);
    expect(written).toBeLessThan(6000);
  });

  it.each(['.', '..'])('a room named %j (a URL dot segment) still gets its room messages through the job', async (room) => {
    const [a, b] = [await GoimClient.connect('tcp', ports(), 'dots-a'), await GoimClient.connect('ws', ports(), 'dots-b')];
    clients.push(a, b);
    for (const c of [a, b]) await c.call(OP.Join, OP.JoinReply, { room });
    await a.call(OP.SendMsg, OP.SendMsgReply, { to: { room }, body: `to ${room}` });
    expect((await b.next((p) => p.op === OP.Message)).json).toMatchObject({ timeline: `room:${room}`, message: { body: `to ${room}` } });
  });

  describe('request budget per connection', () => {
    let tight: RunningGateway;
    beforeAll(async () => {
      tight = await startGateway(stack.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0, rateLimit: { perSecond: 0.5, burst: 3 } });
    });
    afterAll(() => tight.close());

    it.each(['tcp', 'ws'] as const)('over %s: requests past the budget are answered RATE_LIMITED in order, the connection stays', async (kind) => {
      const c = await GoimClient.connect(kind, { tcp: tight.ports.tcp, wsUrl: tight.wsUrl }, `budget-${kind}`);
      clients.push(c);
      // Auth took one token; two joins pass, the rest are over the budget.
      const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => c.request(OP.Join, OP.JoinReply, { id: `j${i}`, room: `b-${kind}` })));
      expect(replies.map((r) => (r.json.ok ? 'ok' : r.json.error.code))).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
      expect(replies[2]!.json).toMatchObject({ id: 'j2', error: { retryAfterMs: expect.any(Number) } });
      expect(c.isClosed).toBe(false);
      expect(c.log.filter((p) => p.op === OP.DisconnectReply)).toEqual([]);
    });
  });
});
