import type { Message, PushableFrame } from '../protocol/frames.js';
import { retentionExpiry, type Deps } from './deps.js';
import type { DeliveryPlan } from './delivery-plan.js';
import type { ConnectionRef, Job } from './model.js';
import { mapLimit } from './pool.js';
import { planPush } from './push.js';
import { planRoom } from './room-fanout.js';

/** Parallel store calls per job record (appends, session look-ups). */
const STORE_CONCURRENCY = 16;

export type FanoutDeps = Pick<Deps, 'config' | 'clock' | 'sessions' | 'timelines' | 'groups' | 'offline' | 'queue'>;

export interface FanoutLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

/** What the job knows about the queue message it is running. */
export interface JobAttempt {
  /**
   * The queue hands this job out for the first time (SQS ApproximateReceiveCount 1). A
   * message already stored when its job first runs was stored by an earlier job with the
   * same message: a repeat send enqueued again after the queue's dedup window. Its
   * recipients got it then, so it is pushed only where it is new. A retried job (a
   * delivery failed, or a process died) pushes to everyone again.
   */
  first: boolean;
}

/**
 * Persists one job's message where it belongs and queues its frames in `plan`
 * (goim's job, plus storage). Idempotent: a retried job appends nothing twice.
 *
 * - 1:1 and groups up to EDGEIM_WRITE_FANOUT_MAX: append to every member's inbox
 *   (a user sender's too; never a backend's `from`), then a `message` frame to each of their live connections.
 * - larger groups: append once to `group:<gid>`, then a `notify` to members' connections.
 * - rooms: not stored; a `message` frame (seq 0) to every connection in the room but the sender's.
 * - pushes (push API): not stored; a `push` frame to the target's connections (push.ts).
 *
 * On a job's first attempt, stored messages are pushed only where they were new (JobAttempt).
 */
export async function planJob(deps: FanoutDeps, job: Job, plan: DeliveryPlan, record: number, log?: FanoutLog, attempt: JobAttempt = { first: false }): Promise<void> {
  if (job.kind === 'push') return planPush(deps, job.push, plan, record);
  const { message } = job;
  const now = deps.clock.now();
  if (job.kind === 'room') {
    const rid = (message.to as { room: string }).room;
    await planRoom(deps, rid, { type: 'message', timeline: `room:${rid}`, seq: 0, message }, plan, record, job.origin);
    return;
  }
  if ('user' in message.to) {
    // A backend's `from` is a label, not a user: its messages go to the recipient only.
    await writeFanout(deps, message.backend ? [message.to.user] : [...new Set([message.from, message.to.user])], message, plan, record, attempt);
    return;
  }
  if (!('group' in message.to)) return;
  const gid = message.to.group;
  const members = await deps.groups.members(gid);
  if (members.length === 0) {
    log?.warn('group has no members any more; message kept only in the sender log', { gid, msgId: message.id });
    return;
  }
  if (members.length <= deps.config.EDGEIM_WRITE_FANOUT_MAX) {
    await writeFanout(deps, members, message, plan, record, attempt);
    return;
  }
  const timeline = `group:${gid}` as const;
  const { seq, fresh } = await deps.timelines.append(timeline, message, retentionExpiry(deps));
  if (attempt.first && !fresh) return; // a repeat: members were told then
  await forEachConnection(deps, members, now, (ref) => plan.add(ref, { type: 'notify', timeline, seq }, record));
}

async function writeFanout(deps: FanoutDeps, uids: string[], message: Message, plan: DeliveryPlan, record: number, attempt: JobAttempt): Promise<void> {
  const expiresAt = retentionExpiry(deps);
  const now = deps.clock.now();
  const appended = await mapLimit(uids, STORE_CONCURRENCY, async (uid) => {
    const [{ seq, fresh }, refs] = await Promise.all([deps.timelines.append(`user:${uid}`, message, expiresAt), deps.sessions.byUser(uid, now)]);
    return { uid, seq, fresh, refs };
  });
  for (const { uid, seq, fresh, refs } of appended) {
    if (attempt.first && !fresh) continue; // a repeat: this inbox had it, and its connections were sent it then
    const frame: PushableFrame = { type: 'message', timeline: 'inbox', seq, message };
    for (const ref of refs) plan.add(ref, frame, record);
    if (refs.length === 0 && uid !== message.from) {
      deps.offline.offline(uid, message).catch(() => undefined);
    }
  }
}

async function forEachConnection(deps: FanoutDeps, uids: string[], now: number, fn: (ref: ConnectionRef) => void): Promise<void> {
  const lists = await mapLimit(uids, STORE_CONCURRENCY, (uid) => deps.sessions.byUser(uid, now));
  for (const refs of lists) refs.forEach(fn);
}
