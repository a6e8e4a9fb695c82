import { createHash } from 'node:crypto';

/**
 * Dedup ids of jobs (JobQueue), built so that no two different inputs share one: the
 * queue drops a job whose (group, dedup id) it saw within its dedup window, and an id
 * made by joining user strings with a separator they may contain (`from:cmid`) lets two
 * different sends collide and one be dropped. So dedup ids are always a hash of
 * length-prefixed parts. (What characters the queue's medium accepts is the adapter's
 * rule: aws/sqs-job-queue.ts.)
 */

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
