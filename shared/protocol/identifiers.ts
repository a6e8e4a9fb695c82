import * as z from 'zod/mini';

/**
 * User and group ids: 1–64 chars of `[A-Za-z0-9_.@-]` (docs/PROTOCOL.md). No `:`, so an
 * id built from uids (a conversation id, a key) can never be read two ways.
 */
export const UID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Room ids may also hold `:` (goim's `type:id`); rooms are never joined into other ids. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** Whether `value` is a valid user (or group) id: a string of the uid charset. */
export const isUid = (value: unknown): value is string => typeof value === 'string' && UID_PATTERN.test(value);

export const uidSchema = z.string().check(z.regex(UID_PATTERN, 'uid must be 1-64 chars of [A-Za-z0-9_.@-]'));
export const gidSchema = z.string().check(z.regex(UID_PATTERN, 'group id must be 1-64 chars of [A-Za-z0-9_.@-]'));
export const ridSchema = z.string().check(z.regex(ROOM_ID_PATTERN, 'room id must be 1-64 chars of [A-Za-z0-9_.:@-]'));

/** Where a message goes. */
export type Target = { user: string } | { group: string } | { room: string };

/** Conversation id: `u:<a>:<b>` (uids sorted), `g:<gid>`, `r:<rid>`. */
export function conversationId(from: string, to: Target): string {
  if ('user' in to) {
    const [a, b] = from < to.user ? [from, to.user] : [to.user, from];
    return `u:${a}:${b}`;
  }
  if ('group' in to) return `g:${to.group}`;
  return `r:${to.room}`;
}

/**
 * A timeline as clients name it: `inbox` (the caller's own) or `group:<gid>`
 * (a large group's shared timeline). Rooms are not stored; their frames say `room:<rid>`.
 */
export type TimelineName = 'inbox' | `group:${string}`;

export const timelineSchema = z.union([
  z.literal('inbox'),
  z.string().check(z.regex(/^group:[A-Za-z0-9_.@-]{1,64}$/, 'timeline must be "inbox" or "group:<gid>"')),
]) as unknown as z.ZodMiniType<TimelineName>;

/** The storage owner of a timeline: a user's inbox or a group's timeline. */
export function timelineOwner(uid: string, timeline: TimelineName): string {
  return timeline === 'inbox' ? `user:${uid}` : timeline;
}
