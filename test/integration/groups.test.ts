import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

describe('groups', () => {
  const t = useTestStack({ env: { EDGEIM_WRITE_FANOUT_MAX: '3' } });
  const connect = (uid: string) => t.connect(uid);

  it('write fan-out: a group of 3 gets the message in every inbox', async () => {
    const [ann, ben, cat] = await Promise.all([connect('ann'), connect('ben'), connect('cat')]);
    const group = await ann.call('createGroup', { group: 'trio', name: 'Trio', members: ['ben', 'cat'] });
    expect(group).toMatchObject({ gid: 'trio', owner: 'ann', memberCount: 3 });
    expect(await ben.call('groups')).toEqual({ groups: ['trio'] });

    const { msgId } = await ben.call('send', { to: { group: 'trio' }, cmid: 'g-1', body: 'hi all' });
    for (const c of [ann, cat]) {
      const [frame] = await c.messages(1, (f) => f.message.id === msgId);
      expect(frame).toMatchObject({ timeline: 'inbox', message: { conv: 'g:trio', from: 'ben', to: { group: 'trio' } } });
    }
    // the sending connection is not pushed its own message; its next inbox frame names the seq it took
    const reply = await cat.call('send', { to: { group: 'trio' }, cmid: 'g-2', body: 'hi ben' });
    const [next] = await ben.messages(1, (f) => f.message.id === reply.msgId);
    const stored = (await ben.call('sync', { timeline: 'inbox' })).messages;
    const mine = stored.find((m: any) => m.message.id === msgId);
    expect(next).toMatchObject({ seq: mine.seq + 1, own: [{ seq: mine.seq, id: msgId }] });
    await t.stack.drain();
    expect(ben.pending('message').filter((f) => f.message.id === msgId)).toEqual([]);
  });

  it('read fan-out: above EDGEIM_WRITE_FANOUT_MAX members get the message pushed (the sender too), stored once in the group timeline', async () => {
    const [ann, ben, cat, dan] = await Promise.all([connect('ann'), connect('ben'), connect('cat'), connect('dan')]);
    await ann.call('createGroup', { group: 'quad', members: ['ben', 'cat', 'dan'] });
    const { msgId } = await ann.call('send', { to: { group: 'quad' }, cmid: 'q-1', body: 'big news' });
    for (const c of [ann, ben, cat, dan]) {
      const [frame] = await c.messages(1, (f) => f.message.id === msgId);
      expect(frame).toMatchObject({ type: 'message', timeline: 'group:quad', seq: 1, message: { id: msgId, body: 'big news' } });
      const page = await c.call('sync', { timeline: 'group:quad', after: 0 });
      expect(page.messages).toEqual([{ seq: 1, message: expect.objectContaining({ id: msgId, body: 'big news' }) }]);
    }
    await t.stack.drain();
    for (const c of [ann, ben, cat, dan]) expect(c.pending('notify')).toEqual([]);
    expect((await dan.call('sync', { timeline: 'inbox' })).messages).toEqual([]); // not copied into inboxes
  });

  it("refuses a non-member's send and sync with FORBIDDEN, and a missing group with NOT_FOUND", async () => {
    const eve = await connect('eve');
    const send = await eve.request('send', { to: { group: 'trio' }, cmid: 'x-1', body: 'let me in' });
    expect(send).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const sync = await eve.request('sync', { timeline: 'group:quad' });
    expect(sync).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const missing = await eve.request('send', { to: { group: 'nope' }, cmid: 'x-2', body: 1 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('only the owner manages members; a member may leave', async () => {
    const [ann, ben] = await Promise.all([connect('ann'), connect('ben')]);
    await ann.call('createGroup', { group: 'club', members: ['ben'] });
    expect(await ben.request('addMembers', { group: 'club', members: ['zed'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ann.call('addMembers', { group: 'club', members: ['zed', 'zed'] })).toMatchObject({ memberCount: 3 });
    expect(await ben.call('removeMembers', { group: 'club', members: ['ben'] })).toMatchObject({ memberCount: 2 });
    expect(await ben.request('send', { to: { group: 'club' }, cmid: 'c-1', body: 1 })).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('the owner deletes a group; a send to it is then NOT_FOUND', async () => {
    const [ann, ben] = await Promise.all([connect('ann'), connect('ben')]);
    await ann.call('createGroup', { group: 'gone', members: ['ben'] });
    expect(await ben.request('deleteGroup', { group: 'gone' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ann.call('deleteGroup', { group: 'gone' })).toEqual({});
    expect(await ben.request('send', { to: { group: 'gone' }, cmid: 'late', body: 1 })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await ben.call('groups')).groups).not.toContain('gone');
  });
});
