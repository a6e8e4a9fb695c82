import { createHash } from 'node:crypto';

/**
 * Ids the job queue sees (SQS FIFO MessageGroupId and MessageDeduplicationId), built so
 * that no two different inputs share one and any input is accepted by SQS.
 *
 * SQS allows only alphanumerics and ASCII punctuation in these ids, 1–128 chars, and a
 * FIFO queue drops a message whose (group, dedup id) it saw in the last 5 minutes. An id
 * made by joining user strings with a separator they may contain (`from:cmid`) lets two
 * different sends collide and one be dropped; a space or emoji makes SQS refuse the send.
 * So dedup ids are always a hash of length-prefixed parts, and group ids are kept
 * readable when SQS takes them as they are, hashed otherwise.
 */

/** SQS's charset and length for MessageGroupId and MessageDeduplicationId. */
export const SQS_ID_PATTERN = /^[A-Za-z0-9!-/:-@[-`{-~]{1,128}$/;

/**
 * SHA-256 (base64url, 43 chars) of a list of strings, injective in practice: each part is
 * prefixed with its length and hashed as UTF-16 code units, so no character inside a part
 * can forge a boundary and every JavaScript string (unpaired surrogates included) is hashed
 * exactly as it is.
 */
export function digestOf(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${part.length}:`);
    hash.update(part, 'utf16le');
  }
  return hash.digest('base64url');
}

/**
 * The queue's group id for a conversation or push target id: the id itself when SQS
 * accepts it (conversation ids `u:<a>:<b>`, `g:<gid>`, `r:<rid>` and `push:…` usually are),
 * else `h:` + its digest (no natural group id starts with `h:`).
 */
export function queueGroupId(id: string): string {
  return SQS_ID_PATTERN.test(id) ? id : `h:${digestOf([id])}`;
}

/**
 * Dedup id of a user or group send: one per (sender, cmid), whatever characters either
 * holds. A backend's sends are their own namespace (`backend`): a backend message shown
 * as from `alice` never shares an id with alice's own sends.
 */
export function messageDedupId(sender: string, cmid: string, backend = false): string {
  return `m-${digestOf(backend ? ['!backend', sender, cmid] : [sender, cmid])}`;
}

/** Dedup id of one page of a push job: one per (request id, target, page). */
export function pushDedupId(requestId: string, target: string, page: number): string {
  return `p-${digestOf([requestId, target, String(page)])}`;
}
