import { z } from 'zod';

/** User, group and room ids: 1–64 chars of `[A-Za-z0-9_.:@-]` (docs/PROTOCOL.md). */
export const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;

export const idSchema = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-64 chars of [A-Za-z0-9_.:@-]`);

export const uidSchema = idSchema('uid');
export const gidSchema = idSchema('group id');
export const ridSchema = idSchema('room id');

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
  z.string().regex(/^group:[A-Za-z0-9_.:@-]{1,64}$/, 'timeline must be "inbox" or "group:<gid>"'),
]) as z.ZodType<TimelineName>;

/** The storage owner of a timeline: a user's inbox or a group's timeline. */
export function timelineOwner(uid: string, timeline: TimelineName): string {
  return timeline === 'inbox' ? `user:${uid}` : timeline;
}
