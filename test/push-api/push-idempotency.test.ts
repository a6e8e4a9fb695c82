import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient } from '../helpers/push-api-client.js';

/**
 * `POST /v1/push` with an Idempotency-Key (docs/PROTOCOL.md): the key is remembered, so a
 * repeat answers the first result and pushes nothing new, and the same key with another
 * request is 422 IDEMPOTENCY_MISMATCH, never a silent 202.
 */
describe('POST /v1/push Idempotency-Key', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);

  it('reused with a different body or target: 422 IDEMPOTENCY_MISMATCH, and nothing is pushed', async () => {
    const [a, b] = await Promise.all([t.connect('pi-a'), t.connect('pi-b')]);
    const key = { 'Idempotency-Key': 'pi-score-1' };
    const first = await api().post('/v1/push', { op: 2100, body: 'one', to: { users: ['pi-a'] } }, key);
    expect(first).toMatchObject({ status: 202, body: { pushId: 'pi-score-1', connections: 1 } });
    expect((await nextPush(a, 2100)).body).toBe('one');

    for (const other of [
      { op: 2100, body: 'two', to: { users: ['pi-a'] } },
      { op: 2100, body: 'one', to: { users: ['pi-b'] } },
      { op: 2101, body: 'one', to: { users: ['pi-a'] } },
    ]) {
      const res = await api().post('/v1/push', other, key);
      expect(res.status).toBe(422);
      expect(res.body.error).toEqual({ code: 'IDEMPOTENCY_MISMATCH', message: expect.stringContaining('pi-score-1') });
    }
    // a marker behind them on both targets: nothing else came before it
    await api().post('/v1/push', { op: 2102, body: 'marker', to: { users: ['pi-a', 'pi-b'] } });
    await Promise.all([nextPush(a, 2102), nextPush(b, 2102)]);
    await t.stack.drain();
    expect([a.pending('push'), b.pending('push')]).toEqual([[], []]);
  });

  it('the same request again answers the first result (even when who is online changed) and pushes nothing new', async () => {
    const a1 = await t.connect('pi-c', { device: 'c1' });
    const key = { 'Idempotency-Key': 'pi-once-2' };
    const request = { op: 2200, body: { score: '2:1' }, to: { users: ['pi-c'] } };
    const first = await api().post('/v1/push', request, key);
    expect(first).toMatchObject({ status: 202, body: { pushId: 'pi-once-2', connections: 1 } });
    await nextPush(a1, 2200);
    const a2 = await t.connect('pi-c', { device: 'c2' });
    const again = await api().post('/v1/push', { to: { users: ['pi-c'] }, body: { score: '2:1' }, op: 2200 }, key);
    expect(again).toMatchObject({ status: 202, body: first.body });
    await api().post('/v1/push', { op: 2201, body: 'marker', to: { users: ['pi-c'] } });
    await Promise.all([nextPush(a1, 2201), nextPush(a2, 2201)]);
    await t.stack.drain();
    expect([a1.pending('push'), a2.pending('push')]).toEqual([[], []]);
  });
});
