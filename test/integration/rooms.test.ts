import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

describe('rooms', () => {
  const t = useTestStack();
  const connect = (uid: string) => t.connect(uid);

  it('a room send reaches the other members; leave stops delivery; a connection is in several rooms', async () => {
    const [r1, r2, r3] = await Promise.all([connect('r1'), connect('r2'), connect('r3')]);
    expect(await r1.call('join', { room: 'lobby' })).toEqual({ online: 1 });
    expect(await r2.call('join', { room: 'lobby' })).toEqual({ online: 2 });
    expect(await r3.call('join', { room: 'lobby' })).toEqual({ online: 3 });
    expect(await r1.call('join', { room: 'lobby' })).toEqual({ online: 3 }); // joining twice is a no-op

    const { msgId } = await r1.call('send', { to: { room: 'lobby' }, body: 'hello room' });
    for (const c of [r2, r3]) {
      const [frame] = await c.messages(1);
      expect(frame).toMatchObject({ timeline: 'room:lobby', seq: 0, message: { id: msgId, conv: 'r:lobby', from: 'r1' } });
    }

    expect(await r3.call('leave', { room: 'lobby' })).toEqual({ online: 2 });
    await r1.call('send', { to: { room: 'lobby' }, body: 'after leave' });
    await r2.messages(1, (f) => f.message.body === 'after leave');

    // r3 joins a second room while r1 is in lobby and side.
    await r1.call('join', { room: 'side' });
    await r3.call('join', { room: 'side' });
    await r3.call('send', { to: { room: 'side' }, body: 'side talk' });
    await r1.messages(1, (f) => f.message.body === 'side talk');
    await t.stack.drain();

    expect(r3.pending('message').map((f) => f.message.body)).toEqual([]);
    expect(r1.pending('message').map((f) => f.message.body)).toEqual([]);
    expect(r2.pending('message').map((f) => f.message.body)).toEqual([]); // not in side
    const hb = await r1.call('heartbeat');
    expect(hb.online).toBe(2); // first room: lobby (r1, r2)
  });

  it('refuses a send to a room the connection has not joined', async () => {
    const c = await connect('r4');
    expect(await c.request('send', { to: { room: 'lobby' }, body: 'x' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('forgets room membership on disconnect', async () => {
    const [a, b] = await Promise.all([connect('r5'), connect('r6')]);
    await a.call('join', { room: 'brief' });
    await b.call('join', { room: 'brief' });
    await b.close();
    await expect.poll(async () => t.stack.app.sessions.roomCount('brief', Date.now())).toBe(1);
  });
});
