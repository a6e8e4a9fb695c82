import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { GoimClient, OP, type GoimPacket } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { fixture, otherOwnsAGroup, outcomeOf, ROWS, UID, USERS, type Who } from './matrix.js';

/** The goim op and reply op of each WebSocket-API action the gateway offers. */
const OPS: Record<string, [number, number]> = {
  send: [OP.SendMsg, OP.SendMsgReply],
  sync: [OP.Sync, OP.SyncReply],
  ack: [OP.Ack, OP.AckReply],
  join: [OP.Join, OP.JoinReply],
  leave: [OP.Leave, OP.LeaveReply],
};

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(LOCAL_JWT_SECRET));

describe.each(['tcp', 'ws'] as const)('authorization matrix: goim gateway over %s', (kind) => {
  let stack: LocalStack;
  const conns = {} as Record<Who, GoimClient>;
  const open: GoimClient[] = [];
  const ports = () => ({ tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl });

  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_GOIM_INSECURE_AUTH: 'true' } });
    for (const who of USERS) open.push((conns[who] = await GoimClient.connect(kind, ports(), UID[who])));
    await otherOwnsAGroup(stack);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await stack.close();
  });

  /** One request in goim form; heartbeat is op 2 → 3 with an int32 body (ok when answered). */
  async function run(c: GoimClient, request: Record<string, unknown>): Promise<string> {
    const { action, ...body } = request;
    if (action === 'heartbeat') return (await c.request(OP.Heartbeat, OP.HeartbeatReply)).body.length === 4 ? 'ok' : 'bad reply';
    const [op, replyOp] = OPS[action as string]!;
    return outcomeOf((await c.request(op, replyOp, body)).json);
  }

  describe.each(ROWS.filter((r) => r.goim))('$name', (row) => {
    it.each(USERS)('as %s', async (who) => {
      const f = await fixture(stack, row.mutates);
      const c = conns[who];
      if (row.joinFirst) await c.call(OP.Join, OP.JoinReply, { room: f.room });
      expect(await run(c, row.request(f, who))).toBe(row.expect[who]);
    });
  });

  it('ChangeRoom and Sub/Unsub act on the caller\'s own connection only: open to every user', async () => {
    for (const who of USERS) {
      expect((await conns[who].request(OP.ChangeRoom, OP.ChangeRoomReply, 'live://authz')).body.toString()).toBe('live://authz');
      expect((await conns[who].request(OP.Sub, OP.SubReply, '1000')).body.toString()).toBe('1000');
    }
    expect(await stack.app.sessions.roomCount('live:authz', Date.now())).toBe(USERS.length);
  });

  /** Auth with `body`: resolves with the DisconnectReply's JSON, or fails if the gateway let it in. */
  async function refused(body: Record<string, unknown>): Promise<GoimPacket> {
    const c = kind === 'tcp' ? await GoimClient.tcp(stack.gateway.ports.tcp) : await GoimClient.ws(stack.gateway.wsUrl);
    open.push(c);
    const reply = await c.auth(body);
    await c.closed;
    return reply;
  }

  it.each([
    ['no token (and no mid)', async () => ({})],
    ['a token signed with another secret (wrong key)', async () => ({ token: await signToken('owner', 'not-the-secret') })],
    ['the push API key as the token (backend key)', async () => ({ token: LOCAL_API_KEY })],
    ['a token whose sub is a number', async () => ({ token: await sign({ sub: 12345 }) })],
    ['a token whose sub is an array', async () => ({ token: await sign({ sub: ['a'] }) })],
    ['a token whose sub holds ":"', async () => ({ token: await sign({ sub: 'a:b' }) })],
    ['insecure mode: a mid holding ":"', async () => ({ mid: 'a:b' })],
    ['insecure mode: a fractional mid', async () => ({ mid: 1.5 })],
    ['insecure mode: a mid beyond 2^53', async () => ({ mid: 2 ** 60 })],
    ['insecure mode: an array mid', async () => ({ mid: [1] })],
  ])('refuses %s: DisconnectReply UNAUTHORIZED, nothing stored', async (_name, body) => {
    const reply = await refused(await body());
    expect(reply.op).toBe(OP.DisconnectReply);
    expect(reply.json).toMatchObject({ code: 'UNAUTHORIZED', reconnect: false });
    expect(await stack.app.sessions.byUser('a:b', Date.now())).toEqual([]);
  });

  it('insecure mode: a mid is an ordinary user, `system` included (no privilege from the name)', async () => {
    const c = await GoimClient.tcp(stack.gateway.ports.tcp);
    open.push(c);
    expect((await c.auth({ mid: 'system' })).json).toMatchObject({ uid: 'system' });
    const f = await fixture(stack, true);
    const reply = await c.request(OP.SendMsg, OP.SendMsgReply, { to: { group: f.gid }, cmid: 'sys-1', body: 'x' });
    expect(reply.json).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const numeric = await GoimClient.tcp(stack.gateway.ports.tcp);
    open.push(numeric);
    expect((await numeric.auth({ mid: 12345 })).json).toMatchObject({ uid: '12345' });
  });
});
