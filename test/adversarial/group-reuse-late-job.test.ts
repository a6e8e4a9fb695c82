import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

type Synced = { messages: { message: { from: string; body: { text: string } } }[] };
const texts = (page: Synced) => page.messages.map((m) => m.message.body.text);

/**
 * A message accepted for a group is stored by its job, later. If the group is deleted and
 * its id taken by someone else in between (a queue backlog, a job retried after a failed
 * delivery), the job must not deliver the old group's message to the new group: its
 * members never shared a group with the sender. (The timeline base a group keeps covers
 * what was stored before the new group was created, not what its old jobs store after.)
 *
 * The job read the group's members when it ran, whichever group held the id then, so the
 * old message was appended to the new group's timeline above its timelineBase (large) or
 * to the new members' inboxes (small), and pushed to them live. It now reads the group's
 * creation time with its members (the same Query) and treats a group created after the
 * message was sent as a deleted one: the sender's inbox only.
 */
describe("a deleted group's message whose job runs after the id was taken again", () => {
  // Groups above EDGEIM_WRITE_FANOUT_MAX (here 2) keep one shared timeline; smaller ones write to every member's inbox.
  const t = useTestStack({ env: { EDGEIM_WRITE_FANOUT_MAX: '2' } });

  it('reaches neither the new large group\'s timeline nor the new small group\'s inboxes', async () => {
    const owner = await t.connect('late-owner');
    await owner.call('createGroup', { group: 'late-big', members: ['late-b', 'late-c'] });
    await owner.call('createGroup', { group: 'late-small', members: ['late-b'] });

    t.stack.poller.pause(); // the jobs wait in the queue (a backlog)
    try {
      await owner.call('send', { to: { group: 'late-big' }, cmid: 'big', body: { text: 'old big secret' } });
      await owner.call('send', { to: { group: 'late-small' }, cmid: 'small', body: { text: 'old small secret' } });
      await owner.call('deleteGroup', { group: 'late-big' });
      await owner.call('deleteGroup', { group: 'late-small' });
      const mallory = await t.connect('late-mallory');
      await mallory.call('createGroup', { group: 'late-big', members: ['late-x', 'late-y'] });
      await mallory.call('createGroup', { group: 'late-small', members: ['late-z'] });
    } finally {
      t.stack.poller.resume();
    }
    await t.stack.drain();

    const mallory = await t.connect('late-mallory');
    expect(texts(await mallory.call('sync', { timeline: 'group:late-big' }))).toEqual([]);
    const z = await t.connect('late-z');
    expect(texts(await z.call('sync', { timeline: 'inbox' }))).toEqual([]);
    // the sender keeps its own messages (its inbox), as for any group deleted before its job ran
    expect(texts(await owner.call('sync', { timeline: 'inbox' })).sort()).toEqual(['old big secret', 'old small secret']);
  });
});
