import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient, type Receiver } from '../helpers/push-api-client.js';

describe('POST /v1/push', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);

  it('to users: every connection of each user gets the JSON body, in order', async () => {
    const [a1, a2, b1] = await Promise.all([t.connect('vp-a', { device: 'a1' }), t.connect('vp-a', { device: 'a2' }), t.connect('vp-b')]);
    const receivers: Receiver[] = [a1, a2, b1];
    for (let i = 0; i < 5; i++) {
      const res = await api().post('/v1/push', { op: 2000, body: { n: i }, to: { users: ['vp-a', 'vp-b'] } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ pushId: expect.any(String), connections: 3 });
    }
    for (const r of receivers) {
      const got = [];
      for (let i = 0; i < 5; i++) got.push((await nextPush(r, 2000)).body.n);
      expect(got).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('to keys and to a room', async () => {
    const [k1, k2, r1] = await Promise.all([t.connect('vp-k', { device: 'k1' }), t.connect('vp-k', { device: 'k2' }), t.connect('vp-r')]);
    const { connections } = (await api().get('/v1/users/vp-k/presence')).body;
    const key = connections.find((c: any) => c.device === 'k2').key;
    expect((await api().post('/v1/push', { op: 2001, body: 'to k2', to: { keys: [key] } })).body.connections).toBe(1);
    expect((await nextPush(k2, 2001)).body).toBe('to k2');

    await r1.call('join', { room: 'vp-room' });
    await k1.call('join', { room: 'vp-room' });
    expect((await api().post('/v1/push', { op: 2002, body: [1, 2], to: { room: 'vp-room' } })).body.connections).toBe(2);
    for (const r of [r1, k1]) expect(await nextPush(r, 2002)).toEqual({ type: 'push', op: 2002, body: [1, 2], room: 'vp-room' });
    await t.stack.drain();
    expect(k1.pending('push')).toEqual([]);
    expect(k2.pending('push')).toEqual([]);
  });

  it('to nobody online: OK with a count of 0, nothing stored', async () => {
    const res = await api().post('/v1/push', { op: 2003, body: 'void', to: { users: ['vp-offline'] } });
    expect(res).toMatchObject({ status: 202, body: { connections: 0 } });
    const room = await api().post('/v1/push', { op: 2003, body: 'void', to: { room: 'vp-empty' } });
    expect(room.body.connections).toBe(0);
    const later = await t.connect('vp-offline');
    expect((await later.call('sync', { timeline: 'inbox' })).messages).toEqual([]);
    await t.stack.drain();
    expect(later.pending('push')).toEqual([]);
  });

  it('the same Idempotency-Key twice delivers once', async () => {
    const c = await t.connect('vp-idem');
    const headers = { 'Idempotency-Key': 'push-once-1' };
    const one = await api().post('/v1/push', { op: 2004, body: 'once', to: { users: ['vp-idem'] } }, headers);
    const two = await api().post('/v1/push', { op: 2004, body: 'once', to: { users: ['vp-idem'] } }, headers);
    expect(two.body.pushId).toBe(one.body.pushId);
    await nextPush(c, 2004);
    await api().post('/v1/push', { op: 2005, body: 'marker', to: { users: ['vp-idem'] } });
    await nextPush(c, 2005);
    await t.stack.drain();
    expect(c.pending('push')).toEqual([]);
  });
});
