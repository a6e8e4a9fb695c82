import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { gatewayFetch } from '../helpers/gateway-fetch.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { sleep } from '../helpers/ws-client.js';

describe('gateway internal @connections API', () => {
  let stack: LocalStack;
  const clients: GoimClient[] = [];
  const connect = async (kind: 'tcp' | 'ws', uid: string, extra: Record<string, unknown> = {}) => {
    const c = await GoimClient.connect(kind, { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, uid, extra);
    clients.push(c);
    return c;
  };
  const post = (path: string, body: unknown) => gatewayFetch(stack, path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const push = (op: number, body: unknown, extra: object = {}) => JSON.stringify({ type: 'push', op, body, ...extra });

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  it('delivers a push to a business op only to connections whose accepts include it', async () => {
    const wants = await connect('tcp', 'acc-a', { accepts: [1001] });
    const other = await connect('ws', 'acc-b', { accepts: [1002] });
    const none = await connect('tcp', 'acc-c');

    for (const c of [wants, other, none]) expect((await post(`/@connections/${c.auth.key}`, push(1001, 'only for 1001'))).status).toBe(200);
    const got = await wants.next((p) => p.op === 1001);
    expect(got.body.toString()).toBe('only for 1001');

    const batch = await post('/@batch', {
      items: [wants, other, none].map((c) => ({ connectionId: c.auth.key, data: push(1002, { n: 2 }) })).concat([{ connectionId: 'g999999', data: push(1002, 1) }]),
    });
    expect(batch.status).toBe(200);
    expect(await batch.json()).toEqual({ gone: ['g999999'] });
    expect((await other.next((p) => p.op === 1002)).json).toEqual({ n: 2 });

    // Sub adds an op (and stores it in the session); Unsub removes one.
    expect((await none.request(OP.Sub, OP.SubReply, '1003,abc')).body.toString()).toBe('1003,abc');
    expect((await stack.app.sessions.get(none.auth.key, Date.now()))?.accepts).toEqual([1003]);
    await post(`/@connections/${none.auth.key}`, push(1003, 'now'));
    expect((await none.next((p) => p.op === 1003)).body.toString()).toBe('now');
    await wants.request(OP.Unsub, OP.UnsubReply, '1001');
    await post(`/@connections/${wants.auth.key}`, push(1001, 'after unsub'));
    await post(`/@connections/${wants.auth.key}`, push(1004, 'room push', { room: 'r1' }));
    expect((await wants.next((p) => p.op === 1004)).body.toString()).toBe('room push');

    await sleep(100);
    expect(other.log.filter((p) => p.op === 1001)).toEqual([]);
    expect(none.log.filter((p) => p.op === 1001 || p.op === 1002)).toEqual([]);
    expect(wants.log.filter((p) => p.op === 1002 || (p.op === 1001 && p.body.toString() === 'after unsub'))).toEqual([]);
  });

  it('answers a body past 16 MiB 413 without buffering it, and keeps serving', async () => {
    const res = await post('/@connections/none', 'x'.repeat(16 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect((await post('/@connections/none', push(1001, 'hi'))).status).toBe(410);
  });

  it('keeps push bodies unchanged: UTF-8 strings as is, base64 decoded', async () => {
    const c = await connect('tcp', 'bytes', { accepts: [1100] });
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    await post(`/@connections/${c.auth.key}`, push(1100, bytes.toString('base64'), { encoding: 'base64' }));
    expect((await c.next((p) => p.op === 1100)).body).toEqual(bytes);
    await post(`/@connections/${c.auth.key}`, push(1100, 'héllo'));
    expect((await c.next((p) => p.op === 1100)).body.toString('utf8')).toBe('héllo');
  });

  it('sends a batch frame as back-to-back packets on TCP and as one op-9 message on WebSocket', async () => {
    const t = await connect('tcp', 'bt', { accepts: [1200] });
    const w = await connect('ws', 'bw', { accepts: [1200] });
    const frames = [
      { type: 'push', op: 1200, body: 'one' },
      { type: 'notify', timeline: 'group:big', seq: 7 },
      { type: 'push', op: 1200, body: 'two' },
    ];
    for (const c of [t, w]) {
      const before = c.messages;
      expect((await post(`/@connections/${c.auth.key}`, { type: 'batch', frames })).status).toBe(200);
      const got = [await c.next((p) => p.op === 1200), await c.next((p) => p.op === OP.Notify), await c.next((p) => p.op === 1200)];
      expect(got.map((p) => p.body.toString())).toEqual(['one', '{"timeline":"group:big","seq":7}', 'two']);
      expect(c.messages - before).toBe(1); // one TCP chunk / one WebSocket message
    }
  });

  it('fans a room broadcast out to the local members once per task call, except the origin', async () => {
    const room = 'stage';
    const members = await Promise.all([connect('tcp', 'm1'), connect('ws', 'm2'), connect('tcp', 'm3')]);
    for (const m of members) await m.call(OP.Join, OP.JoinReply, { room });
    const res = await post(`/@rooms/${room}?except=${members[2]!.auth.key}`, push(1300, 'room-wide'));
    expect(await res.json()).toEqual({ delivered: 2 });
    for (const m of members.slice(0, 2)) expect((await m.next((p) => p.op === 1300)).body.toString()).toBe('room-wide');
    const msg = await post(`/@rooms/${room}`, {
      type: 'message',
      timeline: `room:${room}`,
      seq: 0,
      message: { id: '1', conv: `r:${room}`, from: 'x', to: { room }, body: 'hi', cmid: '1', sentAt: 1 },
    });
    expect(await msg.json()).toEqual({ delivered: 3 });
    for (const m of members) expect((await m.next((p) => p.op === OP.Message)).json).toMatchObject({ timeline: `room:${room}`, message: { body: 'hi' } });
    await sleep(50);
    expect(members[2]!.log.filter((p) => p.op === 1300)).toEqual([]);
    expect(await (await post('/@rooms/empty-room', push(1300, 'x'))).json()).toEqual({ delivered: 0 });
  });

  it('works with the real @connections client: ok, GoneException for unknown ids, GET, DELETE', async () => {
    const c = await connect('tcp', 'sdk');
    const frame = JSON.stringify({ type: 'notify', timeline: 'group:g1', seq: 3 });
    expect(await stack.app.delivery.post(stack.gateway.endpoint, c.auth.key, frame)).toBe('ok');
    expect((await c.next((p) => p.op === OP.Notify)).json).toEqual({ timeline: 'group:g1', seq: 3 });
    expect(await stack.app.delivery.post(stack.gateway.endpoint, 'g0', frame)).toBe('gone');

    const info = await gatewayFetch(stack, `/@connections/${c.auth.key}`);
    expect(await info.json()).toMatchObject({ ConnectedAt: expect.any(String), Identity: { SourceIp: expect.any(String) } });
    const bad = await post(`/@connections/${c.auth.key}`, '{"type":"reply"}');
    expect(bad.status).toBe(400);

    await stack.app.delivery.disconnect(stack.gateway.endpoint, c.auth.key);
    expect((await c.next((p) => p.op === OP.DisconnectReply)).json).toMatchObject({ code: 'CLOSED_BY_SERVER' });
    await c.closed;
    expect((await gatewayFetch(stack, `/@connections/${c.auth.key}`)).status).toBe(410);
    await sleep(50);
    expect(await stack.app.sessions.byUser('sdk', Date.now())).toEqual([]);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${stack.gateway.endpoint}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', connections: expect.any(Number) });
  });
});
