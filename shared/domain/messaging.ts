import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { cmidProblem, MAX_IDEMPOTENCY_KEY_CHARS } from '../protocol/cmid.js';
import { checkBodySize, type Message } from '../protocol/frames.js';
import { conversationId, type Target } from '../protocol/identifiers.js';
import { retentionExpiry, type Caller, type Deps } from './deps.js';
import { messageDedupId, queueGroupId } from './queue-ids.js';

export interface SendInput {
  to: Target;
  cmid?: string | undefined;
  body: unknown;
}

/**
 * Accepts a message from `caller` and hands it to the fan-out job. Resolves with the
 * message id once the message is durable (in the queue), which is what `accepted` means.
 *
 * User and group sends are idempotent by (sender, cmid): a repeat returns the first
 * message's id and stores or delivers nothing new; a repeat whose `to` or `body` differs
 * from the first is a ConflictError. A repeat is enqueued again (the first send may have
 * died between recording and enqueueing): the queue drops it within its dedup window,
 * and after that the job finds the message already stored and delivers nothing
 * (fanout.ts). Room messages are transient.
 */
export async function sendMessage(deps: Deps, caller: Caller, input: SendInput): Promise<{ msgId: string }> {
  checkBodySize(input.body, deps.config.EDGEIM_MAX_BODY_BYTES);
  const isRoom = 'room' in input.to;
  if (!isRoom && !input.cmid) throw new BadRequestError('cmid is required when sending to a user or a group');
  const badCmid = input.cmid === undefined ? undefined : cmidProblem(input.cmid, MAX_IDEMPOTENCY_KEY_CHARS);
  if (badCmid) throw new BadRequestError(badCmid);
  await authorizeSend(deps, caller, input.to);

  const id = String(await deps.ids.next());
  let message: Message = {
    id,
    conv: conversationId(caller.uid, input.to),
    from: caller.uid,
    to: input.to,
    body: input.body,
    cmid: input.cmid ?? id,
    sentAt: deps.clock.now(),
  };
  if (!isRoom) {
    const first = await deps.timelines.recordSend(message, retentionExpiry(deps));
    if (first.id !== message.id && !(sameJson(first.to, message.to) && sameJson(first.body, message.body))) {
      throw new ConflictError(`cmid ${JSON.stringify(message.cmid)} was already used for another message (to ${JSON.stringify(first.to)}); use a new cmid`);
    }
    message = first;
  }

  await deps.queue.enqueue(
    { kind: isRoom ? 'room' : 'message', message, ...(caller.connectionId ? { origin: caller.connectionId } : {}) },
    { group: queueGroupId(message.conv), dedup: messageDedupId(message.from, message.cmid) },
  );
  return { msgId: message.id };
}

/** Deep equality of two JSON values; object key order does not matter. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameJson(v, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return ka.length === Object.keys(ob).length && ka.every((k) => Object.hasOwn(ob, k) && sameJson((a as Record<string, unknown>)[k], ob[k]));
}

async function authorizeSend(deps: Deps, caller: Caller, to: Target): Promise<void> {
  if ('group' in to) {
    const [group, member] = await Promise.all([deps.groups.get(to.group), deps.groups.isMember(to.group, caller.uid)]);
    if (!group) throw new NotFoundError(`group ${to.group} does not exist`);
    if (!member) throw new ForbiddenError(`${caller.uid} is not a member of group ${to.group}`);
  } else if ('room' in to) {
    if (!caller.connectionId) return; // backends (push API) may send to any room
    const session = await deps.sessions.get(caller.connectionId, deps.clock.now());
    if (!session?.rooms.includes(to.room)) throw new ForbiddenError(`join room ${to.room} before sending to it`);
  }
}
