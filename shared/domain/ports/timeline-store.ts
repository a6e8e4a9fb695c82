import type { Message } from '../../protocol/frames.js';
import type { TimelineEntry } from '../model.js';

export type AckKind = 'delivered' | 'read';

/** Where an append put a message, and whether this call stored it (false: it was already there). */
export interface Appended {
  seq: number;
  /** True when this call stored the message; false when an earlier call (or a concurrent one) had. */
  fresh: boolean;
}

/**
 * Timelines: per owner (`user:<uid>` inbox or `group:<gid>`), messages at dense seqs.
 *
 * Contract:
 * - `append` gives each (owner, message.id) exactly one seq, however often (and however
 *   concurrently) it is called (at-least-once job delivery): a repeat returns the seq of
 *   the first call with `fresh: false`. Seqs of one owner are 1, 2, 3 …; a process dying
 *   anywhere inside `append` leaves no duplicate, and no hole as long as the retry comes
 *   before many other appends to the same owner (DynamoDB: 32); past that, a hole.
 * - `read` returns entries with seq > after, ascending, at most `limit`, skipping expired
 *   ones, and the owner's head (highest seq allocated, 0 when empty).
 * - `recordSend` stores a sender's message under (sender, cmid) once: the first call wins
 *   and every call returns the first message, so a retried send keeps its id. Any cmid
 *   string works (the key is unambiguous whatever characters it holds).
 * - Ack pointers only move forward.
 */
export interface TimelineStore {
  append(owner: string, message: Message, expiresAt: number): Promise<Appended>;
  read(owner: string, after: number, limit: number, nowMs: number): Promise<{ entries: TimelineEntry[]; head: number }>;
  head(owner: string): Promise<number>;
  recordSend(message: Message, expiresAt: number): Promise<Message>;
  ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void>;
  pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }>;
}
