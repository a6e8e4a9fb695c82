import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient } from '../helpers/push-api-client.js';

describe('push API errors', () => {
  const t = useTestStack({ env: { EDGEIM_API_KEYS: 'key-old, key-new', EDGEIM_API_BODY_LIMIT: '2048' } });
  const api = (key: string | null = 'key-new') => new PushApiClient(t.stack.pushUrl, key);

  it('no key or a wrong key is 401 and pushes nothing; every configured key works', async () => {
    const c = await t.connect('er-a');
    const push = { op: 3000, body: 'secret', to: { users: ['er-a'] } };
    for (const key of [null, 'wrong', 'key-new-', 'Bearer', '']) {
      const res = await api(key).post('/v1/push', push);
      expect(res.status, `key ${key}`).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await api(null).request('POST', '/v1/push', { json: push, headers: { authorization: 'Basic a2V5LW5ldzo=' } })).status).toBe(401);
    expect((await api(null).get('/v1/online/total')).status).toBe(401);

    expect((await api('key-old').post('/v1/push', { ...push, op: 3001 })).status).toBe(202);
    expect((await api('key-new').post('/v1/push', { ...push, op: 3002 })).status).toBe(202);
    expect((await nextPush(c, 3001)).body).toBe('secret');
    await nextPush(c, 3002);
    await t.stack.drain();
    expect(c.pending('push')).toEqual([]);
  });

  it('bad input is 4xx with the right code, never a 500', async () => {
    const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
      ['malformed JSON', () => api().request('POST', '/v1/push', { raw: '{"op":', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST'],
      ['empty body', () => api().request('POST', '/v1/push', { raw: '' }), 400, 'BAD_REQUEST'],
      ['JSON but not an object', () => api().post('/v1/push', [1, 2]), 400, 'BAD_REQUEST'],
      ['bad uid in body', () => api().post('/v1/push', { op: 3000, body: 1, to: { users: ['no spaces'] } }), 400, 'BAD_REQUEST'],
      ['bad uid in path', () => api().get('/v1/users/bad%20uid/presence'), 400, 'BAD_REQUEST'],
      ['uid too long', () => api().get(`/v1/users/${'u'.repeat(65)}/timeline`), 400, 'BAD_REQUEST'],
      ['op below 1000', () => api().post('/v1/push', { op: 999, body: 1, to: { all: true } }), 400, 'BAD_REQUEST'],
      ['two targets', () => api().post('/v1/push', { op: 3000, body: 1, to: { users: ['a'], room: 'r' } }), 400, 'BAD_REQUEST'],
      ['missing body', () => api().post('/v1/push', { op: 3000, to: { users: ['a'] } }), 400, 'BAD_REQUEST'],
      ['bad query', () => api().get('/v1/users/a/timeline?limit=5000'), 400, 'BAD_REQUEST'],
      ['non-numeric query', () => api().get('/v1/users/a/timeline?after=x'), 400, 'BAD_REQUEST'],
      ['message to a room', () => api().post('/v1/messages', { to: { room: 'r' }, body: 1 }, { 'Idempotency-Key': 'k' }), 400, 'BAD_REQUEST'],
      ['oversized request', () => api().post('/v1/push', { op: 3000, body: 'x'.repeat(4096), to: { all: true } }), 413, 'TOO_LARGE'],
      ['oversized, no length', () => api().request('POST', '/v1/push', { raw: chunked('x'.repeat(4096)), headers: { 'content-type': 'application/json' } }), 413, 'TOO_LARGE'],
      ['unknown route', () => api().get('/v1/nothing-here'), 404, 'NOT_FOUND'],
      ['unknown top-level route', () => api().get('/nothing'), 404, 'NOT_FOUND'],
      ['wrong method', () => api().request('PUT', '/v1/push', { json: {} }), 405, 'METHOD_NOT_ALLOWED'],
      ['wrong method on a path with parameters', () => api().request('PATCH', '/v1/groups/g1'), 405, 'METHOD_NOT_ALLOWED'],
      ['unknown group', () => api().get('/v1/groups/no-such-group'), 404, 'NOT_FOUND'],
    ];
    for (const [name, call, status, code] of cases) {
      const res = await call();
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
      expect(res.body.error.message, name).toEqual(expect.any(String));
    }
  });

  it('a wrong method is 405 with Allow listing the methods the path takes, before any body is read', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/v1/push', 'POST'],
      ['GET', '/v1/messages', 'POST'],
      ['PATCH', '/v1/groups/g1', 'GET, HEAD, DELETE'],
      ['POST', '/v1/users/alice/presence', 'GET, HEAD'],
      ['DELETE', '/v1/groups', 'POST'],
    ] as const) {
      const res = await api().request(method, path);
      expect({ path, method, status: res.status, allow: res.headers.get('allow') }).toEqual({ path, method, status: 405, allow });
      expect(res.body.error).toEqual({ code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${path}; use ${allow.replace(', HEAD', '').replace(', ', ' or ')}` });
    }
    expect((await api(null).request('PUT', '/v1/push')).status).toBe(401); // the key is checked first: no route map for strangers
    expect((await api().request('GET', '/v1/push/extra')).status).toBe(404);
  });
});

describe('push API rate limit', () => {
  const t = useTestStack({ env: { EDGEIM_API_RATE_LIMIT: '5', EDGEIM_MAX_BODY_BYTES: '100' } });
  const api = (key = 'edgeim-local-key') => new PushApiClient(t.stack.pushUrl, key);

  it('answers 429 RATE_LIMITED with Retry-After once a key spends its budget', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await api().get('/v1/users/rl/presence'));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const goim = await api().goim('GET', '/online/total');
    expect(goim).toMatchObject({ status: 429, body: { code: -429 } });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api().get('/v1/users/rl/presence')).status).toBe(200);
  });

  it('a body over EDGEIM_MAX_BODY_BYTES is 413 TOO_LARGE', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const msg = await api().post('/v1/messages', { to: { user: 'rl' }, body: 'z'.repeat(200) }, { 'Idempotency-Key': 'big' });
    expect(msg).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
    const push = await api().post('/v1/push', { op: 3000, body: 'z'.repeat(200), to: { all: true } });
    expect(push).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
  });
});

/** A request body stream with no Content-Length. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.subarray(i, i + 512));
      controller.close();
    },
  });
}
