import { ForbiddenError } from '../errors.js';
import type { Message } from '../protocol/frames.js';
import { timelineOwner, type TimelineName } from '../protocol/identifiers.js';
import { requireUser, subjectOf, type Caller, type Deps } from './deps.js';

type TimelineDeps = Pick<Deps, 'timelines' | 'groups' | 'clock'>;

/**
 * The storage owner of a timeline the caller may read: a user reads its own inbox and
 * the timeline of a group it belongs to (FORBIDDEN otherwise); a backend reads the
 * inbox of the user it names and any group's timeline.
 */
async function ownerFor(deps: TimelineDeps, caller: Caller, timeline: TimelineName, uid?: string): Promise<string> {
  if (timeline !== 'inbox') {
    const gid = timeline.slice('group:'.length);
    if (caller.kind === 'user' && !(await deps.groups.isMember(gid, caller.uid))) throw new ForbiddenError(`${caller.uid} is not a member of group ${gid}`);
    return timeline;
  }
  return timelineOwner(subjectOf(caller, uid), timeline);
}

/**
 * The seq a timeline starts after: 0, but for a group's the head its timeline had when
 * the group was created (`timelineBase`): what a deleted group of the same id left there
 * is not the new group's.
 */
async function baseOf(deps: TimelineDeps, timeline: TimelineName): Promise<number> {
  if (timeline === 'inbox') return 0;
  return (await deps.groups.get(timeline.slice('group:'.length)))?.timelineBase ?? 0;
}

/**
 * The most a sync page's messages may take, as JSON: the reply goes out as one WebSocket
 * API message, which API Gateway caps at 128 KiB (the rest is the reply's envelope). A
 * page keeps at least one message (a message body is at most 64 KiB).
 */
export const SYNC_PAGE_MAX_BYTES = 96 * 1024;

/** The first entries of `entries` whose JSON stays within SYNC_PAGE_MAX_BYTES (at least one). */
function withinReplyBudget<T>(entries: T[]): T[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(entries[i])) + 1;
    if (bytes > SYNC_PAGE_MAX_BYTES && i > 0) return entries.slice(0, i);
  }
  return entries;
}

/**
 * Messages of a timeline after `after`, ascending, with the timeline's head: at most
 * `limit`, and no more than fit one reply (SYNC_PAGE_MAX_BYTES; the client pages on from
 * the last seq it got, up to the head). `uid` names the inbox's user for a backend
 * caller; a user reads its own. `held`: the page ends before a gap that may still fill
 * (an append in flight) and `head` is the seq below it; sync again shortly.
 */
export async function syncTimeline(
  deps: TimelineDeps,
  caller: Caller,
  req: { timeline: TimelineName; after: number; limit: number; uid?: string | undefined },
): Promise<{ messages: { seq: number; message: Message }[]; head: number; held?: true }> {
  const [owner, base] = await Promise.all([ownerFor(deps, caller, req.timeline, req.uid), baseOf(deps, req.timeline)]);
  const { entries, head, held } = await deps.timelines.read(owner, Math.max(req.after, base), req.limit, deps.clock.now());
  return { messages: withinReplyBudget(entries), head, ...(held ? { held } : {}) };
}

/**
 * Moves the caller's delivered/read pointer of a timeline forward (users only: pointers
 * are a user's). One write: a read pointer counts as delivered too (TimelineStore).
 */
export async function ackTimeline(
  deps: TimelineDeps,
  caller: Caller,
  req: { timeline: TimelineName; seq: number; kind: 'delivered' | 'read' },
): Promise<Record<string, never>> {
  const user = requireUser(caller, 'ack');
  await ownerFor(deps, user, req.timeline);
  await deps.timelines.ack(user.uid, req.timeline, req.kind, req.seq);
  return {};
}
