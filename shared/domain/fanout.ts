import type { Message, MessageFrame, PushableFrame } from '../protocol/frames.js';
import type { BatchLookups } from './batch-lookups.js';
import { retentionExpiry, type Deps } from './deps.js';
import type { DeliveryPlan } from './delivery-plan.js';
import type { Job } from './model.js';
import { mapLimit } from './pool.js';
import { planPush } from './push.js';
import type { Recipients } from './recipients.js';
import { planRoom } from './room-fanout.js';

/** Parallel store calls per job record (appends, session look-ups). */
const STORE_CONCURRENCY = 16;
/**
 * How far apart the clocks of two hosts may be: a message stamped up to this long before
 * its group's creation still counts as sent to that group (it cannot have been accepted
 * before the group existed; only clocks make it look so).
 */
export const GROUP_CLOCK_SLACK_MS = 1000;

export type FanoutDeps = Pick<Deps, 'settings' | 'clock' | 'sessions' | 'timelines' | 'groups' | 'offline' | 'queue'>;

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
   * delivery failed, or a process died) pushes to everyone again. A first run of a job
   * that is not a repeat (`Job.repeat`) appends on the store's fast path: no read.
   */
  first: boolean;
}

/** Where one record's frames go, and what it shares with the other records of its batch. */
export interface RecordContext {
  plan: DeliveryPlan;
  /** The record's index in its batch (a failed delivery maps back to it). */
  record: number;
  attempt: JobAttempt;
  lookups: BatchLookups;
  /** Frames for users' connections, looked up once the whole batch is stored (Recipients). */
  recipients: Recipients;
  log?: FanoutLog;
}

/**
 * Persists one job's message where it belongs and queues its frames in `ctx.plan`
 * (goim's job, plus storage). Idempotent: a retried job appends nothing twice.
 *
 * - 1:1 and groups up to `settings.writeFanoutMax`: append to every member's inbox (a user
 *   sender's too; never a backend's `from`), then a `message` frame to each of their live
 *   connections but the sending one (it has the send reply; its user's next inbox frame
 *   names the seq it took: `own`).
 * - larger groups: append once to `group:<gid>`, then the `message` itself to every
 *   member's live connection (the sending one too: in a large group that is one delivery
 *   among thousands, and it tells the sender the seq). A message too large for one push
 *   frame goes as a `notify` instead (members pull it).
 * - rooms: not stored; a `message` frame (seq 0) to every connection in the room but the sender's.
 * - pushes (push API): not stored; a `push` frame to the target's connections (push.ts).
 *
 * On a job's first attempt, stored messages are pushed only where they were new (JobAttempt).
 */
export async function planJob(deps: FanoutDeps, job: Job, ctx: RecordContext): Promise<void> {
  const { plan, record } = ctx;
  if (job.kind === 'push') return planPush(deps, job.push, plan, record);
  const { message } = job;
  if (job.kind === 'room') {
    const rid = job.room;
    await planRoom(deps, rid, { type: 'message', timeline: `room:${rid}`, seq: 0, message }, plan, record, job.origin);
    return;
  }
  const fast = ctx.attempt.first && !job.repeat;
  if ('user' in message.to) {
    // A backend's `from` is a label, not a user: its messages go to the recipient only.
    const uids = message.backend ? [message.to.user] : [...new Set([message.from, message.to.user])];
    await writeFanout(deps, uids, message, ctx, fast, job.origin);
    return;
  }
  if (!('group' in message.to)) return;
  const gid = message.to.group;
  const roster = await ctx.lookups.rosterOf(gid);
  // Members of the group the message was sent to: none when it was deleted since, or
  // deleted and created again under the same id. The job names that group by its
  // createdAt; a job enqueued before jobs did counts a group created after the message
  // was sent (beyond the clock slack between the hosts that stamped the two) as another.
  const sameGroup = roster !== undefined && (job.groupCreatedAt !== undefined ? roster.createdAt === job.groupCreatedAt : roster.createdAt <= message.sentAt + GROUP_CLOCK_SLACK_MS);
  const members = sameGroup ? roster.members : [];
  // A user's message always reaches its own inbox (docs/PROTOCOL.md), also when the group
  // was deleted, or the sender left it, between the accepted send and this job.
  const sender = message.backend || members.includes(message.from) ? [] : [message.from];
  if (members.length === 0) {
    ctx.log?.warn(`group gone (deleted, or created again under its id) or without members; message kept in ${sender.length ? "the sender's inbox" : 'the sender log'} only`, { gid, msgId: message.id });
    if (sender.length) await writeFanout(deps, sender, message, ctx, fast, job.origin);
    return;
  }
  if (members.length <= deps.settings.writeFanoutMax) {
    await writeFanout(deps, [...members, ...sender], message, ctx, fast, job.origin);
    return;
  }
  const timeline = `group:${gid}` as const;
  const { seq, fresh } = await deps.timelines.append(timeline, message, retentionExpiry(deps), { firstAttempt: fast });
  if (ctx.attempt.first && !fresh) return; // a repeat: members were told then
  let frame: PushableFrame = { type: 'message', timeline, seq, message };
  if (Buffer.byteLength(JSON.stringify(frame)) > deps.settings.maxPushBytes) frame = { type: 'notify', timeline, seq };
  for (const uid of members) ctx.recipients.add({ record, uid, frame });
  if (sender.length) await writeFanout(deps, sender, message, ctx, fast, job.origin);
}

async function writeFanout(deps: FanoutDeps, uids: string[], message: Message, ctx: RecordContext, fast: boolean, origin: string | undefined): Promise<void> {
  const expiresAt = retentionExpiry(deps);
  const appended = await mapLimit(uids, STORE_CONCURRENCY, async (uid) => ({ uid, stored: await deps.timelines.append(`user:${uid}`, message, expiresAt, { firstAttempt: fast }) }));
  for (const { uid, stored } of appended) {
    if (ctx.attempt.first && !stored.fresh) continue; // a repeat: this inbox had it, and its connections were sent it then
    const frame: MessageFrame = { type: 'message', timeline: 'inbox', seq: stored.seq, message, ...(stored.own?.length ? { own: stored.own } : {}) };
    ctx.recipients.add({ record: ctx.record, uid, frame, except: origin, offline: uid !== message.from ? message : undefined });
  }
}
