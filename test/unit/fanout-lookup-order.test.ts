import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { userCaller } from '../../shared/domain/deps.js';
import { sendMessage } from '../../shared/domain/messaging.js';
import type { Message } from '../../shared/protocol/frames.js';
import { memoryDeps, type MemoryDeps } from '../../shared/memory/memory-deps.js';
import { BatchLookups } from '../../shared/domain/batch-lookups.js';
import { DeliveryPlan } from '../../shared/domain/delivery-plan.js';
import { Recipients } from '../../shared/domain/recipients.js';
import { connect, runQueued } from './job-runner.js';

/**
 * A device connects (and syncs) while the job is storing a message for its user. If the
 * job had looked up the user's connections before that append landed, the device would
 * get neither the push (it was not connected at the look-up) nor the message from its
 * sync (not stored yet): it would see it only at its next sync. The job looks users up
 * once the batch is stored, so the device is either pushed the message or finds it.
 */
describe('fan-out: connections looked up after the appends', () => {
  /** Makes each append of `deps` wait a moment and, when `lateUser` names a user for it, connect a device `late-<uid>` of that user just before it lands. */
  function connectDuringAppends(deps: MemoryDeps, lateUser: (owner: string, message: Message) => string | undefined): MemoryDeps {
    const append = deps.timelines.append.bind(deps.timelines);
    deps.timelines.append = async (owner, message, expiresAt, options) => {
      await new Promise((r) => setTimeout(r, 5)); // the write is on its way …
      const uid = lateUser(owner, message);
      if (uid) await connect(deps, `late-${uid}`, uid); // … a device connects meanwhile
      return append(owner, message, expiresAt, options);
    };
    return deps;
  }

  it('1:1: a device that connected while its inbox append ran is pushed the message', async () => {
    // every recipient's inbox append (not the sender's) sees a new device of that recipient connect
    const deps = connectDuringAppends(memoryDeps(loadConfig({})), (owner, m) => (owner.startsWith('user:') && owner !== `user:${m.from}` ? owner.slice('user:'.length) : undefined));
    await connect(deps, 'c-ann', 'ann');
    const { msgId } = await sendMessage(deps, userCaller('ann', 'c-ann'), { to: { user: 'bo' }, cmid: 'late-1', body: 'hi' });
    await runQueued(deps);
    expect(deps.delivery.framesTo('late-bo')).toEqual([expect.objectContaining({ type: 'message', timeline: 'inbox', seq: 1, message: expect.objectContaining({ id: msgId }) })]);
    expect(deps.offline.notified).toEqual([]); // bo was online when looked up
  });

  it('a large group: a member that connected while the group append ran is pushed the message', async () => {
    const deps = memoryDeps(loadConfig({ EDGEIM_WRITE_FANOUT_MAX: '2' }));
    const members = ['g0', 'g1', 'g2', 'g3'];
    await deps.groups.create({ gid: 'big', name: 'big', owner: 'g0', createdAt: deps.clock.now() }, members);
    await connect(deps, 'c-g0', 'g0');
    connectDuringAppends(deps, (owner) => (owner === 'group:big' ? 'g3' : undefined));
    const { msgId } = await sendMessage(deps, userCaller('g0', 'c-g0'), { to: { group: 'big' }, cmid: 'late-2', body: 'hi' });
    await runQueued(deps);
    expect(deps.delivery.framesTo('late-g3')).toEqual([expect.objectContaining({ type: 'message', timeline: 'group:big', seq: 1, message: expect.objectContaining({ id: msgId }) })]);
  });

  it('a failed look-up fails only the records that reach that user, in the order they were recorded', async () => {
    const deps = memoryDeps(loadConfig({}));
    await connect(deps, 'c-ok', 'ok');
    const byUser = deps.sessions.byUser.bind(deps.sessions);
    deps.sessions.byUser = async (uid, nowMs, consistency) => {
      if (uid === 'down') throw new Error('store unavailable');
      return byUser(uid, nowMs, consistency);
    };
    const recipients = new Recipients();
    const frame = (seq: number) => ({ type: 'notify' as const, timeline: 'group:g' as const, seq });
    recipients.add({ record: 0, uid: 'ok', frame: frame(1) });
    recipients.add({ record: 1, uid: 'down', frame: frame(2) });
    recipients.add({ record: 2, uid: 'ok', frame: frame(3) });
    const plan = new DeliveryPlan();
    expect([...(await recipients.resolve(deps, new BatchLookups(deps), plan, 4))]).toEqual([1]);
    expect(plan.lanes(1 << 20).flat().length).toBeGreaterThan(0);
  });
});
