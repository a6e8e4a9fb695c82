import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { gatewayFetch } from '../helpers/gateway-fetch.js';
import { encode, GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { TestClient } from '../helpers/ws-client.js';

/** Every line the stack logs during this file (DEBUG level), to prove no token or key is in any. */
const logged: string[] = [];
/** Every secret this file hands to the stack. */
const secrets: string[] = [LOCAL_API_KEY];

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** A POST from another loopback address (127.0.0.2): a second "source address" for the auth-failure budget. */
function postFrom(localAddress: string, url: string, key: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', localAddress, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ op: 1000, body: 1, to: { users: ['nobody'] } }));
  });
}

describe('adversarial input', () => {
  const capture = (chunk: unknown) => (logged.push(String(chunk)), true);
  beforeAll(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  const t = useTestStack({ logLevel: 'DEBUG', env: { EDGEIM_CONNECTION_RATE_LIMIT: '1', EDGEIM_CONNECTION_RATE_BURST: '20', EDGEIM_API_AUTH_FAILURE_LIMIT: '5' } });
  const api = () => new PushApiClient(t.stack.pushUrl);
  afterAll(() => vi.restoreAllMocks());

  it('JSON nested deeper than 64 levels is BAD_REQUEST on every edge, at any depth, and the connection stays', async () => {
    const c = await t.connect('deep-ws');
    for (const depth of [65, 5_000, 20_000]) {
      const frame = await c.raw(`{"action":"send","id":"d${depth}","to":{"user":"deep-x"},"cmid":"c","body":${deep(depth - 1)}}`);
      expect(frame).toMatchObject({ type: 'reply', id: `d${depth}`, ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/64 levels/) } });
    }
    expect((await c.request('send', { to: { user: 'deep-x' }, cmid: 'ok64', body: JSON.parse(deep(62)) })).ok).toBe(true); // 64 levels with the frame and `body`

    const g = await GoimClient.connect('tcp', { tcp: t.stack.gateway.ports.tcp, wsUrl: t.stack.gateway.wsUrl }, 'deep-goim');
    const reply = await g.request(OP.SendMsg, OP.SendMsgReply, `{"id":"g","to":{"user":"deep-x"},"cmid":"c","body":${deep(5_000)}}`);
    expect(reply.json).toMatchObject({ ok: false, id: 'g', error: { code: 'BAD_REQUEST' } });
    await g.close();
    const fresh = await GoimClient.tcp(t.stack.gateway.ports.tcp);
    const answer = fresh.next((p) => p.op === OP.AuthReply || p.op === OP.DisconnectReply);
    fresh.write(encode(OP.Auth, `{"token":"${await signToken('deep-goim', LOCAL_JWT_SECRET)}","room_id":${deep(5_000)}}`, 1));
    expect((await answer).json).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/64 levels/) });

    const res = await api().request('POST', '/v1/messages', { raw: `{"to":{"user":"deep-x"},"body":${deep(5_000)}}`, headers: { 'content-type': 'application/json', 'idempotency-key': 'deep' } });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it.each(['constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'toString', '$connect', '$disconnect'])(
    'the WebSocket API routes action %j like any unknown action (own routes only)',
    async (action) => {
      const c = await t.connect(`proto-${action.replace(/\W/g, '')}`);
      const frame = await c.raw(JSON.stringify({ action, id: 'p1' }));
      expect(frame).toMatchObject({ type: 'reply', id: 'p1', ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/unknown action/) } });
      expect((await c.request('heartbeat')).ok).toBe(true);
    },
  );

  it('a WebSocket API connection past its request budget gets RATE_LIMITED with retryAfterMs, echoing ids; others are unaffected', async () => {
    const [noisy, calm] = [await t.connect('noisy'), await t.connect('calm')];
    const replies = await Promise.all(Array.from({ length: 30 }, () => noisy.request('heartbeat')));
    const limited = replies.filter((r) => !r.ok);
    expect(replies.filter((r) => r.ok).length).toBeLessThanOrEqual(21);
    expect(limited.length).toBeGreaterThanOrEqual(9);
    expect(limited[0]).toMatchObject({ id: expect.any(String), error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
    expect((await calm.request('heartbeat')).ok).toBe(true);
  });

  it.each([
    ['/push/mids', { operation: 1000, mids: 'a/b' }, /^mids: /],
    ['/push/mids', { operation: 1000, mids: ['ok', 'a:b'] }, /^mids: /],
    ['/push/keys', { operation: 1000, keys: 'a b' }, /^keys: /],
    ['/push/keys', { operation: 1000, keys: 'k'.repeat(129) }, /^keys: /],
    ['/push/room', { operation: 1000, type: 'li/ve', room: '1' }, /^type: /],
    ['/push/room', { operation: 1000, type: 'live', room: 'a/b' }, /^room: /],
    ['/push/mids', { operation: 'x', mids: 'bob' }, /^operation: /],
    ['/push/all', { operation: 1000, speed: '-3' }, /^speed: /],
  ])('goim POST %s with %j is -400 naming the parameter', async (path, query, message) => {
    const res = await api().goim('POST', path, query as Record<string, string>, 'x');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: -400, message: expect.stringMatching(message) });
  });

  it.each([
    ['/online/room', { type: 'live', rooms: 'a/b' }, /^rooms: /],
    ['/online/top', { type: 'a/b', limit: 3 }, /^type: /],
    ['/online/top', { type: 'live', limit: 'x' }, /^limit: /],
  ])('goim GET %s with %j is -400 naming the parameter', async (path, query, message) => {
    expect((await api().goim('GET', path, query as Record<string, string>)).body).toMatchObject({ code: -400, message: expect.stringMatching(message) });
  });

  it('an Idempotency-Key reused with another body or recipient is 422 IDEMPOTENCY_MISMATCH; a cmid reused on the WebSocket API is CONFLICT', async () => {
    const send = (body: unknown) => api().post('/v1/messages', body, { 'Idempotency-Key': 'idem-1' });
    const first = await send({ to: { user: 'idem-a' }, body: { n: 1 } });
    expect(first.status).toBe(202);
    expect(await send({ to: { user: 'idem-a' }, body: { n: 1 } })).toMatchObject({ status: 202, body: { msgId: first.body.msgId } });
    expect(await send({ to: { user: 'idem-a' }, body: { n: 2 } })).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_MISMATCH' } } });
    expect(await send({ to: { user: 'idem-b' }, body: { n: 1 } })).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_MISMATCH' } } });

    const c = await t.connect('idem-ws');
    expect((await c.request('send', { to: { user: 'idem-a' }, cmid: 'w1', body: 1 })).ok).toBe(true);
    expect(await c.request('send', { to: { user: 'idem-a' }, cmid: 'w1', body: 2 })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // A user named like the backend's label cannot claim a backend message's key: its send is its own message.
    const system = await t.connect('system');
    const own = await system.request('send', { to: { user: 'idem-a' }, cmid: 'idem-1', body: { n: 1 } });
    expect(own).toMatchObject({ ok: true });
    expect(own.data.msgId).not.toBe(first.body.msgId);
    await t.stack.drain();
    const inbox = await t.stack.app.timelines.read('user:idem-a', 0, 10, Date.now());
    expect(inbox.entries.map((e) => [e.message.from, e.message.backend ?? false, e.message.body])).toEqual([
      ['system', true, { n: 1 }],
      ['idem-ws', false, 1],
      ['system', false, { n: 1 }],
    ]);
  });

  it('failed API-key checks are budgeted per source address: 429 with Retry-After, other addresses unaffected', async () => {
    const url = `${t.stack.pushUrl}/v1/push`;
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await postFrom('127.0.0.2', url, `wrong-key-${i}`));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.slice(5).every((a) => a.status === 429 && Number(a.retryAfter) >= 1)).toBe(true);
    // Past the budget even the right key is refused from that address (no guessing continues)...
    expect((await postFrom('127.0.0.2', url, LOCAL_API_KEY)).status).toBe(429);
    // ...while the backend on another address goes on.
    expect((await postFrom('127.0.0.1', url, LOCAL_API_KEY)).status).toBe(202);
  });

  it('no token, API key or gateway secret appears in any log line', async () => {
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(LOCAL_JWT_SECRET));
    const tokens = [await signToken('logged', LOCAL_JWT_SECRET), await signToken('logged', 'wrong-secret'), await sign({ sub: 12345 }), await sign({ sub: 'a:b' })];
    secrets.push(...tokens, t.stack.config.EDGEIM_GATEWAY_SECRET!, 'wrong-api-key-xyz');
    for (const token of tokens) {
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${t.stack.wsUrl}/?token=${token}`);
        ws.once('open', () => (ws.close(), resolve()));
        ws.once('error', () => resolve());
      });
      const g = await GoimClient.tcp(t.stack.gateway.ports.tcp);
      await g.auth({ token });
      await g.close();
    }
    await TestClient.connect(t.stack.wsUrl, 'logged').then((c) => c.close());
    await api().withKey('wrong-api-key-xyz').post('/v1/push', { op: 1000, body: 1, to: { all: true } });
    await gatewayFetch(t.stack, '/@batch', { body: '{"items":[]}', secret: 'y'.repeat(40) });
    await gatewayFetch(t.stack, '/@connections/x', { secret: null, headers: { authorization: `Bearer ${tokens[0]}` } });

    const text = logged.join('');
    expect(text.length).toBeGreaterThan(0); // DEBUG logging was on and captured
    for (const secret of secrets) expect(text.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false);
  });
});
