import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * A group send is accepted (the sender has its msgId) and the group changes before the
 * fan-out job runs: the job is held back by pausing the poller. The message still reaches
 * the sender's own inbox and devices (docs/PROTOCOL.md, "Sending").
 */
describe('a group that changes between an accepted send and its fan-out', () => {
  const t = useTestStack();
  const inbox = async (uid: string) => (await t.stack.app.timelines.read(`user:${uid}`, 0, 100, Date.now())).entries.map((e) => e.message.id);

  it('deleted: the sender\'s inbox (and its other devices) get the message, nobody else', async () => {
    const [a1, a2, bob] = await Promise.all([t.connect('gd-alice', { device: 'a1' }), t.connect('gd-alice', { device: 'a2' }), t.connect('gd-bob')]);
    await a1.call('createGroup', { group: 'gd-team', members: ['gd-bob'] });
    await t.stack.poller.stop();
    let msgId: string;
    try {
      msgId = (await a1.call('send', { to: { group: 'gd-team' }, cmid: 'gd-1', body: { text: 'last words' } })).msgId;
      await a1.call('deleteGroup', { group: 'gd-team' });
    } finally {
      t.stack.poller.start();
    }
    const seen = await a2.next((f) => f.type === 'message' && f.message.id === msgId);
    expect(seen).toMatchObject({ timeline: 'inbox', seq: 1, message: { body: { text: 'last words' }, to: { group: 'gd-team' } } });
    expect((await a2.call('sync', { timeline: 'inbox' })).messages.map((m: { message: { id: string } }) => m.message.id)).toEqual([msgId]);
    expect(await t.stack.drain()).toBe(true);
    expect(await inbox('gd-alice')).toEqual([msgId]);
    expect(await inbox('gd-bob')).toEqual([]); // no longer a member when the job ran
    expect(bob.pending('message')).toEqual([]);
  });

  it('deleted and created again under its id by someone else: the new group\'s members get nothing of it', async () => {
    const [erin, frank, mallory, mel] = await Promise.all([t.connect('gd-erin'), t.connect('gd-frank'), t.connect('gd-mallory'), t.connect('gd-mel')]);
    await erin.call('createGroup', { group: 'gd-board', members: ['gd-frank'] });
    await t.stack.poller.stop();
    let msgId: string;
    try {
      msgId = (await erin.call('send', { to: { group: 'gd-board' }, cmid: 'gd-3', body: { text: 'for the old board' } })).msgId;
      await erin.call('deleteGroup', { group: 'gd-board' });
      await mallory.call('createGroup', { group: 'gd-board', members: ['gd-mel'] });
    } finally {
      t.stack.poller.start();
    }
    expect(await t.stack.drain()).toBe(true);
    expect(await inbox('gd-erin')).toEqual([msgId]); // the sender's own inbox, as for a deleted group
    expect(await inbox('gd-mallory')).toEqual([]);
    expect(await inbox('gd-mel')).toEqual([]);
    expect(await inbox('gd-frank')).toEqual([]);
    for (const c of [mallory, mel, frank]) expect(c.pending('message')).toEqual([]);
  });

  it('left by the sender: the members and the sender get it (its other devices live; the sending one has the reply)', async () => {
    const [carol, dave, dave2] = await Promise.all([t.connect('gd-carol'), t.connect('gd-dave', { device: 'd1' }), t.connect('gd-dave', { device: 'd2' })]);
    await carol.call('createGroup', { group: 'gd-crew', members: ['gd-dave'] });
    await t.stack.poller.stop();
    let msgId: string;
    try {
      msgId = (await dave.call('send', { to: { group: 'gd-crew' }, cmid: 'gd-2', body: { text: 'bye' } })).msgId;
      await dave.call('removeMembers', { group: 'gd-crew', members: ['gd-dave'] });
    } finally {
      t.stack.poller.start();
    }
    await carol.next((f) => f.type === 'message' && f.message.id === msgId);
    await dave2.next((f) => f.type === 'message' && f.message.id === msgId);
    expect(await t.stack.drain()).toBe(true);
    expect(dave.pending('message')).toEqual([]); // no echo to the sending connection
    expect(await inbox('gd-carol')).toEqual([msgId]);
    expect(await inbox('gd-dave')).toEqual([msgId]);
  });
});
