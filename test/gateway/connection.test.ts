import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { encode, GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { sleep } from '../helpers/ws-client.js';

const HANDSHAKE_MS = 300;

describe.each(['tcp', 'ws'] as const)('gateway connection over %s', (kind) => {
  let stack: LocalStack;
  const clients: GoimClient[] = [];
  const ports = () => ({ tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl });
  const raw = async () => {
    const c = kind === 'tcp' ? await GoimClient.tcp(stack.gateway.ports.tcp) : await GoimClient.ws(stack.gateway.wsUrl);
    clients.push(c);
    return c;
  };
  const connect = async (uid: string, extra: Record<string, unknown> = {}) => {
    const c = await GoimClient.connect(kind, ports(), uid, extra);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS) } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  it('authenticates a valid token: AuthReply with the uid and a gateway connection id, session stored', async () => {
    const c = await connect(`ann-${kind}`, { platform: 'ios', key: 'dev-1' });
    expect(c.auth).toMatchObject({ uid: `ann-${kind}` });
    expect(c.auth.key).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits, base64url
    const refs = await stack.app.sessions.byUser(`ann-${kind}`, Date.now());
    expect(refs).toEqual([{ connectionId: c.auth.key, uid: `ann-${kind}`, endpoint: stack.gateway.endpoint, kind: 'gateway' }]);
    const session = await stack.app.sessions.get(c.auth.key, Date.now());
    expect(session).toMatchObject({ platform: 'ios', device: 'dev-1' });
  });

  it('refuses a bad token with DisconnectReply UNAUTHORIZED, closes, stores nothing', async () => {
    const c = await raw();
    const reply = await c.auth({ token: 'not-a-jwt', mid: 42 });
    expect(reply.op).toBe(OP.DisconnectReply);
    expect(reply.json).toMatchObject({ code: 'UNAUTHORIZED' });
    await c.closed;
    expect(await stack.app.sessions.byUser('42', Date.now())).toEqual([]);
  });

  it('refuses the bare goim {mid} auth unless the insecure mode is on', async () => {
    const c = await raw();
    const reply = await c.auth({ mid: 7, room_id: 'live://1' });
    expect(reply.json).toMatchObject({ code: 'UNAUTHORIZED' });
    await c.closed;
  });

  it('closes a connection that does not authenticate within the handshake timeout', async () => {
    const c = await raw();
    c.write(encode(OP.Heartbeat)); // ignored before auth
    const started = Date.now();
    const reply = await c.next((p) => p.op === OP.DisconnectReply, 5000);
    expect(reply.json).toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    expect(c.log.filter((p) => p.op === OP.HeartbeatReply)).toEqual([]);
  });

  it('answers a heartbeat with the 4-byte online count of the first room, echoing ver and seq', async () => {
    const room = `hb-${kind}`;
    const a = await connect(`hb-a-${kind}`);
    const b = await connect(`hb-b-${kind}`);
    const zero = await a.request(OP.Heartbeat, OP.HeartbeatReply, '', 0);
    expect(zero.body.length).toBe(4);
    expect(zero.body.readInt32BE(0)).toBe(0);
    expect(zero.ver).toBe(0);
    expect(await a.call(OP.Join, OP.JoinReply, { room })).toEqual({ online: 1 });
    expect(await b.call(OP.Join, OP.JoinReply, { room })).toEqual({ online: 2 });
    const two = await a.request(OP.Heartbeat, OP.HeartbeatReply);
    expect(two.body.readInt32BE(0)).toBe(2);
  });

  it('closes a connection that sends garbage, without touching the others', async () => {
    const good = await connect(`calm-${kind}`);
    const bad = await connect(`noisy-${kind}`);
    const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'x'.repeat(64));
    if (kind === 'tcp') bad.write(garbage);
    else bad.write(garbage); // one binary message whose header is not goim's
    const reply = await bad.next((p) => p.op === OP.DisconnectReply, 5000);
    expect(reply.json).toMatchObject({ code: 'PROTOCOL_ERROR' });
    await bad.closed;
    const pre = await raw();
    pre.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 16, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1])); // negative packLen before auth
    await pre.closed;
    const hb = await good.request(OP.Heartbeat, OP.HeartbeatReply);
    expect(hb.body.length).toBe(4);
    await sleep(50);
    expect(await stack.app.sessions.byUser(`noisy-${kind}`, Date.now())).toEqual([]);
    expect(await stack.app.sessions.byUser(`calm-${kind}`, Date.now())).toHaveLength(1);
  });

  it('answers a malformed request with an error reply and keeps the connection', async () => {
    const c = await connect(`odd-${kind}`);
    const bad = await c.request(OP.SendMsg, OP.SendMsgReply, 'not json');
    expect(bad.json).toMatchObject({ type: 'reply', ok: false, error: { code: 'BAD_REQUEST' } });
    const missing = await c.request(OP.Sync, OP.SyncReply, { id: 'q1', timeline: 'nope' });
    expect(missing.json).toMatchObject({ id: 'q1', ok: false, error: { code: 'BAD_REQUEST' } });
    expect((await c.request(OP.Heartbeat, OP.HeartbeatReply)).body.length).toBe(4);
  });
});
