import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * Group ids are chosen by whoever creates the group. Once a group is deleted its id is
 * free again, but what was stored under it (a large group's shared timeline, kept for the
 * retention period) must not pass to whoever takes the id next: a group's timeline starts
 * at the head it had when the group was created.
 */
describe('a deleted group\'s id taken by someone else', () => {
  // Groups above EDGEIM_WRITE_FANOUT_MAX (here 2) keep one shared timeline, `group:<gid>`.
  const t = useTestStack({ env: { EDGEIM_WRITE_FANOUT_MAX: '2' } });

  it('does not let the new owner read the old group\'s messages, and serves the new group\'s', async () => {
    const owner = await t.connect('reuse-owner');
    await owner.call('createGroup', { group: 'board', members: ['reuse-b', 'reuse-c'] });
    await owner.call('send', { to: { group: 'board' }, cmid: 'plan', body: { text: 'the secret plan' } });
    await t.stack.drain();
    await owner.call('deleteGroup', { group: 'board' });

    const mallory = await t.connect('reuse-mallory');
    const created = await mallory.call('createGroup', { group: 'board', members: ['reuse-x', 'reuse-y'] });
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'gid', 'memberCount', 'name', 'owner']); // nothing internal in the reply
    const page = await mallory.call('sync', { timeline: 'group:board' });
    expect(page.messages).toEqual([]);

    await mallory.call('send', { to: { group: 'board' }, cmid: 'hello', body: { text: 'new board' } });
    await t.stack.drain();
    const next = await mallory.call('sync', { timeline: 'group:board', after: 0 });
    expect(next.messages.map((m: { message: { body: { text: string } } }) => m.message.body.text)).toEqual(['new board']);
  });
});
