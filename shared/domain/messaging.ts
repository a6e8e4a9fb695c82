import { createHash } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import { checkBodySize, type Message } from '../protocol/frames.js';
import { conversationId, type Target } from '../protocol/identifiers.js';
import { retentionExpiry, type Caller, type Deps } from './deps.js';

export interface SendInput {
  to: Target;
  cmid?: string | undefined;
  body: unknown;
}

/** SQS caps MessageGroupId and MessageDeduplicationId at 128 chars; longer ids are hashed. */
export function queueSafeId(id: string): string {
  return id.length <= 128 ? id : `h:${createHash('sha256').update(id).digest('base64url')}`;
}

/**
 * Accepts a message from `caller` and hands it to the fan-out job. Resolves with the
 * message id once the message is durable (in the queue), which is what `accepted` means.
 *
 * User and group sends are idempotent by (sender, cmid): a repeat returns the first
 * message's id and stores or delivers nothing new. Room messages are transient.
 */
export async function sendMessage(deps: Deps, caller: Caller, input: SendInput): Promise<{ msgId: string }> {
  checkBodySize(input.body, deps.config.EDGEIM_MAX_BODY_BYTES);
  const isRoom = 'room' in input.to;
  if (!isRoom && !input.cmid) throw new BadRequestError('cmid is required when sending to a user or a group');
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
  if (!isRoom) message = await deps.timelines.recordSend(message, retentionExpiry(deps));

  await deps.queue.enqueue(
    { kind: isRoom ? 'room' : 'message', message, ...(caller.connectionId ? { origin: caller.connectionId } : {}) },
    { group: queueSafeId(message.conv), dedup: queueSafeId(`${message.from}:${message.cmid}`) },
  );
  return { msgId: message.id };
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
