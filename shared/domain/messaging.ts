import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { cmidProblem, MAX_IDEMPOTENCY_KEY_CHARS } from '../protocol/cmid.js';
import { checkBodySize, type Message } from '../protocol/frames.js';
import { conversationId, type Target } from '../protocol/identifiers.js';
import { retentionExpiry, type Caller, type RequestDeps } from './deps.js';
import type { Job } from './model.js';
import { messageDedupId } from './queue-ids.js';

export interface SendInput {
  to: Target;
  cmid?: string | undefined;
  body: unknown;
  /** Backends only: the sender the message shows (default BACKEND_FROM). A label: it grants nothing. */
  from?: string | undefined;
}

/** The `from` of a backend's message when its request names none (docs/PROTOCOL.md). */
export const BACKEND_FROM = 'system';

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
export async function sendMessage(deps: RequestDeps, caller: Caller, input: SendInput): Promise<{ msgId: string }> {
  checkBodySize(input.body, deps.settings.maxBodyBytes);
  const isRoom = 'room' in input.to;
  if (!isRoom && !input.cmid) throw new BadRequestError('cmid is required when sending to a user or a group');
  const badCmid = input.cmid === undefined ? undefined : cmidProblem(input.cmid, MAX_IDEMPOTENCY_KEY_CHARS);
  if (badCmid) throw new BadRequestError(badCmid);
  const groupCreatedAt = await authorizeSend(deps, caller, input.to);
  const from = senderOf(caller, input.from);

  const id = String(await deps.ids.next());
  let message: Message = {
    id,
    conv: conversationId(from, input.to),
    from,
    to: input.to,
    body: input.body,
    cmid: input.cmid ?? id,
    sentAt: deps.clock.now(),
    ...(caller.kind === 'backend' ? { backend: true as const } : {}),
  };
  let repeat = false;
  if (!isRoom) {
    const first = await deps.timelines.recordSend(message, retentionExpiry(deps));
    if (first.id !== message.id && !sameSend(first, asStored(message))) {
      throw new ConflictError(`cmid ${JSON.stringify(message.cmid)} was already used for another message (to ${JSON.stringify(first.to)}); use a new cmid`);
    }
    repeat = first.id !== message.id;
    message = first;
  }

  const origin = caller.kind === 'user' ? caller.connectionId : undefined;
  const job: Job =
    'room' in input.to
      ? { kind: 'room', room: input.to.room, message, ...(origin ? { origin } : {}) }
      : { kind: 'message', message, ...(groupCreatedAt !== undefined ? { groupCreatedAt } : {}), ...(origin ? { origin } : {}), ...(repeat ? { repeat: true as const } : {}) };
  await deps.queue.enqueue(job, { group: message.conv, dedup: messageDedupId(message.from, message.cmid, Boolean(message.backend)) });
  return { msgId: message.id };
}

/**
 * A repeat of `(sender, cmid)` must be the same send: same target, body (JSON equality,
 * key order aside) and kind of sender (a user whose uid equals a backend's `from` label
 * cannot claim its messages).
 */
function sameSend(first: Message, again: Message): boolean {
  return Boolean(first.backend) === Boolean(again.backend) && sameJson(first.to, again.to) && sameJson(first.body, again.body);
}

/**
 * A message as the store gives it back: through JSON text, so a value that does not
 * survive the trip (a number beyond double range parses as Infinity, is stored as null)
 * compares as the first send's stored copy does.
 */
const asStored = (m: Message): Message => JSON.parse(JSON.stringify(m)) as Message;

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

/**
 * Who a message is from: a user's own uid (a user cannot name another sender), or the
 * sender a backend's request names (BACKEND_FROM by default) with `backend: true`.
 */
function senderOf(caller: Caller, from: string | undefined): string {
  if (caller.kind === 'backend') return from ?? BACKEND_FROM;
  if (from !== undefined && from !== caller.uid) throw new ForbiddenError('a user sends only as itself');
  return caller.uid;
}

/**
 * Who may send where: a user to any user, to a group it is a member of, to a room its
 * connection joined; a backend to any user, any existing group and any room. For a
 * group, returns its `createdAt`: which group of that id the message is sent to (the
 * job delivers it to that group only, not to one created later under the same id).
 */
async function authorizeSend(deps: RequestDeps, caller: Caller, to: Target): Promise<number | undefined> {
  if ('group' in to) {
    const [member, group] = await Promise.all([caller.kind === 'user' ? deps.groups.isMember(to.group, caller.uid) : true, deps.groups.get(to.group)]);
    if (!group) throw new NotFoundError(`group ${to.group} does not exist`);
    if (!member && caller.kind === 'user') throw new ForbiddenError(`${caller.uid} is not a member of group ${to.group}`);
    return group.createdAt;
  } else if ('room' in to) {
    if (caller.kind === 'backend') return;
    const session = caller.connectionId ? await deps.sessions.get(caller.connectionId, deps.clock.now()) : undefined;
    if (!session?.rooms.includes(to.room)) throw new ForbiddenError(`join room ${to.room} before sending to it`);
  }
}
