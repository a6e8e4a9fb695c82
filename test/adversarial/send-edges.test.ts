import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

/**
 * Sends at the edges of what the wire allows: JSON values that do not survive a trip
 * through JSON text, characters the queue refuses, the longest documented keys, and a
 * burst of wrong API keys. One stack for the file (a small auth-failure budget: only the
 * last block spends it).
 */
const t = useTestStack({ env: { EDGEIM_API_AUTH_FAILURE_LIMIT: '5' } });

/**
 * Repeats that must be recognised as the same send. A body is compared with the first
 * send's stored copy, which went through JSON text: a value that does not survive that
 * trip (a number beyond double range parses to Infinity and is stored as null) must not
 * make an identical retry look like a different message.
 */
describe('idempotency: an identical retry is the same send', () => {

  it('a WebSocket send whose body holds 1e400 is answered the same msgId on an identical retry, not CONFLICT', async () => {
    const c = await t.connect('idem-huge');
    const text = '{"action":"send","id":"a","to":{"user":"idem-huge-peer"},"cmid":"h1","body":{"n":1e400}}';
    const first = await c.raw(text);
    expect(first).toMatchObject({ ok: true });
    const again = await c.raw(text.replace('"id":"a"', '"id":"b"'));
    expect(again).toMatchObject({ ok: true, data: { msgId: first.data.msgId } });
  });

  it('a push API message whose body holds 1e400 is 202 with the same msgId on an identical retry, not 422', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    const raw = '{"to":{"user":"idem-huge-peer"},"body":{"n":-1e999}}';
    const send = () => api.request('POST', '/v1/messages', { raw, headers: { 'content-type': 'application/json', 'Idempotency-Key': 'huge-1' } });
    const first = await send();
    expect(first.status).toBe(202);
    expect(await send()).toMatchObject({ status: 202, body: { msgId: first.body.msgId } });
  });
});

describe('bodies the queue cannot carry as they are', () => {

  it.each([
    ['U+FFFF', '\uffff'],
    ['U+FFFE', 'a\ufffeb'],
  ])('a send whose body holds %s is accepted and delivered (never INTERNAL)', async (_name, text) => {
    const from = await t.connect('nonchar-a');
    const to = await t.connect('nonchar-b');
    const reply = await from.request('send', { to: { user: 'nonchar-b' }, cmid: `nc-${text.length}`, body: { text } });
    expect(reply.error ?? null).toBeNull();
    expect(reply).toMatchObject({ ok: true });
    const [frame] = await to.messages(1);
    expect(frame!.message.body).toEqual({ text });
  });

  it('a send whose cmid holds U+FFFF is accepted and delivered', async () => {
    const from = await t.connect('nonchar-c');
    const to = await t.connect('nonchar-d');
    expect(await from.request('send', { to: { user: 'nonchar-d' }, cmid: 'x\uffff', body: 1 })).toMatchObject({ ok: true });
    expect((await to.messages(1))[0]!.message.cmid).toBe('x\uffff');
  });

  it('a room message and a push whose body holds U+FFFF are accepted (never INTERNAL / 500)', async () => {
    const c = await t.connect('nonchar-room');
    await c.call('join', { room: 'nc:1' });
    expect(await c.request('send', { to: { room: 'nc:1' }, body: '\uffff' })).toMatchObject({ ok: true });
    const api = new PushApiClient(t.stack.pushUrl);
    expect((await api.post('/v1/push', { op: 1000, body: '\uffff', to: { users: ['nonchar-room'] } })).status).toBe(202);
  });
});

describe('Idempotency-Key length through HTTP', () => {

  it('a 255-character Idempotency-Key (documented: 1-255) is taken by /v1/messages and /v1/push over HTTP, not BAD_REQUEST', async () => {
    const api = new PushApiClient(t.stack.pushUrl);
    const key = `${'k'.repeat(250)}-255!`;
    expect(key.length).toBe(255);
    const sent = await api.post('/v1/messages', { to: { user: 'longkey' }, body: 1 }, { 'Idempotency-Key': key });
    expect(sent.body?.error ?? null).toBeNull();
    expect(sent.status).toBe(202);
    expect((await api.post('/v1/messages', { to: { user: 'longkey' }, body: 1 }, { 'Idempotency-Key': key })).body.msgId).toBe(sent.body.msgId);
    expect((await api.post('/v1/push', { op: 1000, body: 1, to: { users: ['longkey'] } }, { 'Idempotency-Key': key })).status).toBe(202);
  });
});

describe('push API auth-failure budget under a concurrent burst', () => {

  it('200 wrong keys sent at once from one address: at most the budget is checked, the rest are 429 (held in one process)', async () => {
    const { request } = await import('node:http');
    const url = new URL(`${t.stack.pushUrl}/v1/push`);
    const post = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: '127.0.0.4', headers: { authorization: `Bearer guess-${i}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('{}');
      });
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => post(i)));
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(195);
  });

  it('a different X-Forwarded-For on every wrong key does not buy a new budget (held)', async () => {
    const { request } = await import('node:http');
    const url = new URL(`${t.stack.pushUrl}/v1/push`);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          const headers = { authorization: `Bearer xff-${i}`, 'content-type': 'application/json', 'x-forwarded-for': `10.0.${i}.1`, forwarded: `for=10.1.${i}.1`, 'x-real-ip': `10.2.${i}.1` };
          const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: '127.0.0.5', headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end('{}');
        }),
      );
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
  });
});

describe('numbers beyond what the store can hold', () => {
  it.each([
    ['sync after 1e200', 'sync', { timeline: 'inbox', after: 1e200 }],
    ['sync after 2^53', 'sync', { timeline: 'inbox', after: 2 ** 53 }],
    ['ack seq 1e200', 'ack', { timeline: 'inbox', seq: 1e200, kind: 'read' }],
    ['ack seq 1e300 delivered', 'ack', { timeline: 'inbox', seq: 1e300, kind: 'delivered' }],
  ])('%s is answered with a documented code, never INTERNAL', async (_name, action, fields) => {
    const c = await t.connect('huge-numbers');
    const reply = await c.request(action, fields);
    expect(reply.ok === true || reply.error?.code !== 'INTERNAL', JSON.stringify(reply.error)).toBe(true);
  });
});
