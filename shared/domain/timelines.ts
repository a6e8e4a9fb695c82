import { ForbiddenError } from '../errors.js';
import type { Message } from '../protocol/frames.js';
import { timelineOwner, type TimelineName } from '../protocol/identifiers.js';
import type { Caller, Deps } from './deps.js';

type TimelineDeps = Pick<Deps, 'timelines' | 'groups' | 'clock'>;

async function ownerFor(deps: TimelineDeps, caller: Caller, timeline: TimelineName): Promise<string> {
  if (timeline !== 'inbox') {
    const gid = timeline.slice('group:'.length);
    if (!(await deps.groups.isMember(gid, caller.uid))) throw new ForbiddenError(`${caller.uid} is not a member of group ${gid}`);
  }
  return timelineOwner(caller.uid, timeline);
}

/** Messages of one of the caller's timelines after `after`, ascending, with the timeline's head. */
export async function syncTimeline(
  deps: TimelineDeps,
  caller: Caller,
  req: { timeline: TimelineName; after: number; limit: number },
): Promise<{ messages: { seq: number; message: Message }[]; head: number }> {
  const owner = await ownerFor(deps, caller, req.timeline);
  const { entries, head } = await deps.timelines.read(owner, req.after, req.limit, deps.clock.now());
  return { messages: entries, head };
}

/** Moves the caller's delivered/read pointer of a timeline forward. */
export async function ackTimeline(
  deps: TimelineDeps,
  caller: Caller,
  req: { timeline: TimelineName; seq: number; kind: 'delivered' | 'read' },
): Promise<Record<string, never>> {
  await ownerFor(deps, caller, req.timeline);
  await deps.timelines.ack(caller.uid, req.timeline, req.kind, req.seq);
  if (req.kind === 'read') await deps.timelines.ack(caller.uid, req.timeline, 'delivered', req.seq);
  return {};
}
