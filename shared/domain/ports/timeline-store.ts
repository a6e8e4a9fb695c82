import type { Message } from '../../protocol/frames.js';
import type { TimelineEntry } from '../model.js';

export type AckKind = 'delivered' | 'read';

/**
 * Timelines: per owner (`user:<uid>` inbox or `group:<gid>`), messages at dense seqs.
 *
 * Contract:
 * - `append` gives each (owner, message.id) exactly one seq, however often it is called
 *   (at-least-once job delivery): a repeat returns the seq of the first call. Seqs of one
 *   owner are 1, 2, 3 …; a process dying between taking a seq and recording it leaves a
 *   hole, never a duplicate.
 * - `read` returns entries with seq > after, ascending, at most `limit`, skipping expired
 *   ones, and the owner's head (highest seq allocated, 0 when empty).
 * - `recordSend` stores a sender's message under (sender, cmid) once: the first call wins
 *   and every call returns the first message, so a retried send keeps its id.
 * - Ack pointers only move forward.
 */
export interface TimelineStore {
  append(owner: string, message: Message, expiresAt: number): Promise<number>;
  read(owner: string, after: number, limit: number, nowMs: number): Promise<{ entries: TimelineEntry[]; head: number }>;
  head(owner: string): Promise<number>;
  recordSend(message: Message, expiresAt: number): Promise<Message>;
  ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void>;
  pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }>;
}
