import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

describe('1:1 messages over the WebSocket API', () => {
  const t = useTestStack();
  const connect = (uid: string, device: string) => t.connect(uid, { device, platform: 'web' });

  it("reaches every device of the recipient and the sender's other devices, same id, consecutive seqs; not the sending connection", async () => {
    const [a1, a2, b1, b2] = await Promise.all([connect('alice', 'a1'), connect('alice', 'a2'), connect('bob', 'b1'), connect('bob', 'b2')]);
    const first = await a1.call('send', { to: { user: 'bob' }, cmid: 'm-1', body: { text: 'hello' } });
    const second = await a1.call('send', { to: { user: 'bob' }, cmid: 'm-2', body: { text: 'again' } });
    expect(first.msgId).not.toBe(second.msgId);

    for (const device of [b1, b2, a2]) {
      const [m1, m2] = await device.messages(2);
      expect(m1!.message).toMatchObject({ id: first.msgId, from: 'alice', to: { user: 'bob' }, conv: 'u:alice:bob', body: { text: 'hello' }, cmid: 'm-1' });
      expect(m2!.message.id).toBe(second.msgId);
      expect(m1!.timeline).toBe('inbox');
      expect(m2!.seq).toBe(m1!.seq + 1);
    }
    // a1 had the send replies: its next inbox frame names the seqs its sends took, so it sees no gap
    const answer = await b1.call('send', { to: { user: 'alice' }, cmid: 'm-3', body: { text: 'hi alice' } });
    const [reply] = await a1.messages(1);
    expect(reply).toMatchObject({ seq: 3, message: { id: answer.msgId }, own: [{ seq: 2, id: second.msgId }, { seq: 1, id: first.msgId }] });
    await t.stack.drain();
    expect(a1.pending('message')).toEqual([]);
  });

  it('stores messages for an offline user, who syncs them in order with dense seqs', async () => {
    const alice = await connect('alice', 'a3');
    const sent = [];
    for (let i = 1; i <= 3; i++) sent.push((await alice.call('send', { to: { user: 'olga' }, cmid: `off-${i}`, body: { n: i } })).msgId);
    await t.stack.drain();

    const olga = await connect('olga', 'o1');
    const page = await olga.call('sync', { timeline: 'inbox', after: 0 });
    expect(page.head).toBe(3);
    expect(page.messages.map((m: any) => m.seq)).toEqual([1, 2, 3]);
    expect(page.messages.map((m: any) => m.message.id)).toEqual(sent);

    const paged = await olga.call('sync', { timeline: 'inbox', after: 1, limit: 1 });
    expect(paged.messages.map((m: any) => m.seq)).toEqual([2]);
  });

  it('stores and delivers a message sent twice with the same cmid once', async () => {
    const [alice, pia] = await Promise.all([connect('alice', 'a4'), connect('pia', 'p1')]);
    const one = await alice.call('send', { to: { user: 'pia' }, cmid: 'dup-1', body: 'once' });
    const two = await alice.call('send', { to: { user: 'pia' }, cmid: 'dup-1', body: 'once' });
    expect(two.msgId).toBe(one.msgId);
    await pia.messages(1, (f) => f.message.id === one.msgId);
    await alice.call('send', { to: { user: 'pia' }, cmid: 'dup-2', body: 'marker' });
    await pia.messages(1, (f) => f.message.body === 'marker');
    await t.stack.drain();

    expect(pia.pending('message').filter((f) => f.message.id === one.msgId)).toHaveLength(0);
    const page = await pia.call('sync', { timeline: 'inbox' });
    expect(page.messages.map((m: any) => m.message.body)).toEqual(['once', 'marker']);
  });

  it('keeps the order of a burst of sends within a conversation', async () => {
    const [sam, tia] = await Promise.all([connect('sam', 's1'), connect('tia', 't1')]);
    const replies = Array.from({ length: 25 }, (_, i) => sam.call('send', { to: { user: 'tia' }, cmid: `burst-${i}`, body: i }));
    const ids = (await Promise.all(replies)).map((r) => r.msgId);
    const frames = await tia.messages(25);
    expect(frames.map((f) => f.message.body)).toEqual(ids.map((_, i) => i));
    expect(frames.map((f) => f.seq)).toEqual(ids.map((_, i) => i + 1));
  });

  it('moves delivered and read pointers forward only', async () => {
    const pia = await connect('pia', 'p2');
    await pia.call('ack', { timeline: 'inbox', seq: 2, kind: 'read' });
    await pia.call('ack', { timeline: 'inbox', seq: 1, kind: 'read' });
    expect(await t.stack.app.timelines.pointers('pia', 'inbox')).toEqual({ delivered: 2, read: 2 });
  });
});
