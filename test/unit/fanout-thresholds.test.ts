import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { userCaller } from '../../shared/domain/deps.js';
import { sendMessage } from '../../shared/domain/messaging.js';
import { memoryDeps, type MemoryDeps } from '../../shared/memory/memory-deps.js';
import { connect, runJob, runQueued } from './job-runner.js';

/** Memory deps with write fan-out up to `max` members (EDGEIM_WRITE_FANOUT_MAX). */
const depsWith = (max: number, env: Record<string, string> = {}) => memoryDeps(loadConfig({ EDGEIM_WRITE_FANOUT_MAX: String(max), ...env }));

/** A group `g` of `size` members m0…, each with one live connection `c-m<i>`. */
async function groupOf(deps: MemoryDeps, size: number): Promise<string[]> {
  const members = Array.from({ length: size }, (_, i) => `m${i}`);
  await deps.groups.create({ gid: 'g', name: 'g', owner: 'm0', createdAt: deps.clock.now() }, members);
  for (const uid of members) await connect(deps, `c-${uid}`, uid);
  return members;
}

/** m0 sends to the group from its connection; the job runs. */
async function sendToGroup(deps: MemoryDeps, body: unknown = 'hi'): Promise<string> {
  const { msgId } = await sendMessage(deps, userCaller('m0', 'c-m0'), { to: { group: 'g' }, cmid: `k-${JSON.stringify(body).length}`, body });
  expect(await runQueued(deps)).toBe(1);
  return msgId;
}

const heads = (deps: MemoryDeps, owners: string[]) => Promise.all(owners.map((o) => deps.timelines.head(o)));

describe('fan-out: write fan-out up to EDGEIM_WRITE_FANOUT_MAX members, one shared group timeline above', () => {
  it.each([1, 3, 4])('a group of %i members with the threshold at 4: a copy in every inbox, none in the group timeline', async (size) => {
    const deps = depsWith(4);
    const members = await groupOf(deps, size);
    const msgId = await sendToGroup(deps);
    expect(await heads(deps, members.map((m) => `user:${m}`))).toEqual(members.map(() => 1));
    expect(await deps.timelines.head('group:g')).toBe(0);
    // every member's connection is told, with its own inbox seq, but the sending connection (it has the reply)
    expect(deps.delivery.framesTo('c-m0')).toEqual([]);
    for (const uid of members.slice(1)) {
      expect(deps.delivery.framesTo(`c-${uid}`)).toEqual([expect.objectContaining({ type: 'message', timeline: 'inbox', seq: 1, message: expect.objectContaining({ id: msgId }) })]);
    }
  });

  it.each([5, 12])('a group of %i members with the threshold at 4: one append to group:g, the message itself to every member connection, the sender’s too', async (size) => {
    const deps = depsWith(4);
    const members = await groupOf(deps, size);
    const msgId = await sendToGroup(deps);
    expect(await deps.timelines.head('group:g')).toBe(1);
    expect(await heads(deps, members.map((m) => `user:${m}`))).toEqual(members.map(() => 0));
    for (const uid of members) {
      expect(deps.delivery.framesTo(`c-${uid}`)).toEqual([{ type: 'message', timeline: 'group:g', seq: 1, message: expect.objectContaining({ id: msgId }) }]);
    }
    expect(deps.offline.notified).toEqual([]); // members read the group timeline: no inbox copy, nobody is "offline" for it
  });

  it('the same group takes the other path when the threshold moves', async () => {
    for (const [max, group, inbox] of [[5, 0, 1], [4, 1, 0]] as const) {
      const deps = depsWith(max);
      await groupOf(deps, 5);
      await sendToGroup(deps);
      expect([await deps.timelines.head('group:g'), await deps.timelines.head('user:m3')]).toEqual([group, inbox]);
    }
  });

  it('above the threshold, a message too large for one push frame goes as a notify (members pull it)', async () => {
    const deps = depsWith(2, { EDGEIM_MAX_PUSH_BYTES: '1024' });
    await groupOf(deps, 3);
    await sendToGroup(deps, 'x'.repeat(2000));
    expect(deps.delivery.framesTo('c-m1')).toEqual([{ type: 'notify', timeline: 'group:g', seq: 1 }]);
    expect((await deps.timelines.read('group:g', 0, 10, deps.clock.now())).entries[0]?.message.body).toBe('x'.repeat(2000));
  });

  it("a sender who left the group before the job ran still gets the message in its own inbox, on either path", async () => {
    for (const max of [10, 2]) {
      const deps = depsWith(max);
      await groupOf(deps, 4);
      await sendMessage(deps, userCaller('m0', 'c-m0'), { to: { group: 'g' }, cmid: 'left', body: 'bye' });
      await deps.groups.removeMembers('g', ['m0']);
      await runQueued(deps);
      expect(await deps.timelines.head('user:m0')).toBe(1);
    }
  });

  it("a backend's message to a group lands in no inbox of its `from` label", async () => {
    const deps = depsWith(10);
    await groupOf(deps, 2);
    await sendMessage(deps, { kind: 'backend', keyId: 'k' }, { to: { group: 'g' }, cmid: 'b1', body: 'notice', from: 'm0' });
    await runQueued(deps);
    expect(await heads(deps, ['user:m0', 'user:m1'])).toEqual([1, 1]); // m0 as a member, once
    await sendMessage(deps, { kind: 'backend', keyId: 'k' }, { to: { user: 'm1' }, cmid: 'b2', body: 'dm', from: 'm0' });
    await runQueued(deps);
    expect(await heads(deps, ['user:m0', 'user:m1'])).toEqual([1, 2]);
  });
});

describe('fan-out: one to one', () => {
  it("appends to both inboxes; the sender's other device is told (with its run of own sends), the sending connection is not", async () => {
    const deps = depsWith(500);
    await connect(deps, 'a-phone', 'a');
    await connect(deps, 'a-laptop', 'a');
    await connect(deps, 'b-phone', 'b');
    await sendMessage(deps, userCaller('a', 'a-phone'), { to: { user: 'b' }, cmid: '1', body: 'one' });
    await sendMessage(deps, userCaller('a', 'a-phone'), { to: { user: 'b' }, cmid: '2', body: 'two' });
    await runQueued(deps);
    expect(deps.delivery.framesTo('a-phone')).toEqual([]);
    expect(deps.delivery.framesTo('b-phone').map((f) => [f.timeline, f.seq])).toEqual([['inbox', 1], ['inbox', 2]]);
    const laptop = deps.delivery.framesTo('a-laptop');
    expect(laptop.map((f) => f.seq)).toEqual([1, 2]);
    expect(laptop[1]).toMatchObject({ own: [{ seq: 1 }] });
  });

  it("a job's first run pushes a stored message only where it was new; a retried run pushes it again", async () => {
    const deps = depsWith(500);
    await connect(deps, 'b-phone', 'b');
    await sendMessage(deps, userCaller('a'), { to: { user: 'b' }, cmid: 'r', body: 'once' });
    const job = deps.queue.take()!.job;
    await runJob(deps, job, true);
    await runJob(deps, job, true); // a repeat send enqueued again after the dedup window: stored already
    expect(deps.delivery.framesTo('b-phone')).toHaveLength(1);
    await runJob(deps, job, false); // a retry (a delivery failed): pushed again, same seq
    expect(deps.delivery.framesTo('b-phone').map((f) => f.seq)).toEqual([1, 1]);
    expect(await deps.timelines.head('user:b')).toBe(1);
  });
});

describe('fan-out: the offline notifier', () => {
  it('is told once per recipient with no live connection, never for the sender or a connected recipient', async () => {
    const deps = depsWith(10);
    await deps.groups.create({ gid: 'g', name: 'g', owner: 'a', createdAt: 0 }, ['a', 'on', 'off1', 'off2']);
    await connect(deps, 'on-1', 'on');
    const { msgId } = await sendMessage(deps, userCaller('a'), { to: { group: 'g' }, cmid: 'n', body: 'ping' }); // a has no connection either
    await runQueued(deps);
    await new Promise((r) => setImmediate(r)); // the hook is not awaited by the job
    expect(deps.offline.notified.map((n) => [n.uid, n.message.id]).sort()).toEqual([['off1', msgId], ['off2', msgId]]);
  });

  it('a failing hook fails nothing: the message is stored and delivered all the same', async () => {
    const deps = depsWith(10);
    deps.offline.failWith(new Error('push provider down'));
    await connect(deps, 'b-1', 'b');
    await sendMessage(deps, userCaller('a'), { to: { user: 'b' }, cmid: 'f1', body: 'x' });
    await sendMessage(deps, userCaller('b'), { to: { user: 'c' }, cmid: 'f2', body: 'y' }); // c is offline: the hook throws
    const result = await runJob(deps, deps.queue.take()!.job);
    expect(result.failedFrom).toBeUndefined();
    await expect(runJob(deps, deps.queue.take()!.job)).resolves.toMatchObject({ gone: [] });
    expect(await deps.timelines.head('user:c')).toBe(1);
    expect(deps.delivery.framesTo('b-1').map((f) => f.seq)).toEqual([1, 2]); // and b's own send, from no connection, is in b's inbox
  });
});
