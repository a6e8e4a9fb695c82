import type { Message } from '../../protocol/frames.js';
import type { TimelineEntry } from '../model.js';

export type AckKind = 'delivered' | 'read';

/** A message the timeline's owner sent, at the seq it holds there (see `Appended.own`). */
export interface OwnEntry {
  seq: number;
  id: string;
}

/** Where an append put a message, and whether this call stored it (false: it was already there). */
export interface Appended {
  seq: number;
  /** True when this call stored the message; false when an earlier call (or a concurrent one) had. */
  fresh: boolean;
  /**
   * The owner's own messages (sent by the owner, not by a backend in its name) at the seqs
   * right below `seq`, down to the first message someone else sent: the run of its own
   * sends just before this one, newest first. Known from the append itself when the store
   * can tell at no cost (absent otherwise). A connection that sent them was not pushed
   * them, so this tells it that its gap is only its own sends.
   */
  own?: OwnEntry[];
}

/** One page of a timeline: `held` when it ends before a gap that may still fill (read again shortly). */
export interface TimelinePage {
  entries: TimelineEntry[];
  head: number;
  held?: true;
}

/** What the caller knows about an append. */
export interface AppendOptions {
  /**
   * No earlier attempt of this append can have run: the job runs for the first time with
   * a message no earlier job carried (a first receive that is not a repeat send). The
   * store then takes the fast path (no read at all); without it, it first looks for an
   * earlier attempt's work. Claiming it wrongly is still safe for an attempt whose seq the
   * timeline remembers (its last 32 allocations), as every concurrent attempt is.
   */
  firstAttempt?: boolean;
}

/**
 * Timelines: per owner (`user:<uid>` inbox or `group:<gid>`), messages at dense seqs.
 *
 * Contract:
 * - `append` gives each (owner, message.id) exactly one seq, however often (and however
 *   concurrently) it is called (at-least-once job delivery): a repeat returns the seq of
 *   the first call with `fresh: false`. Seqs of one owner are 1, 2, 3 …; a process dying
 *   anywhere inside `append` leaves no duplicate, and no hole as long as the retry comes
 *   before many other appends to the same owner (DynamoDB: 32); past that, a hole. A
 *   retry never writes below what readers may already have moved past: the seq of a dead
 *   attempt that `read` may have reported as a hole stays one, and the message takes a
 *   new seq.
 *   Cost (DynamoDB): a first attempt is two writes of one unit each for a message under
 *   1 KB (the seq, the message) and no read; a retry reads first.
 * - `read` returns entries with seq > after, ascending, at most `limit`, skipping expired
 *   ones, and the owner's head (highest seq allocated, 0 when empty). A missing seq below
 *   an entry written within the last few seconds may be an append still in flight: the
 *   page ends before it, `head` is then the seq below it and the page says `held`, so a
 *   reader never moves past a message that is about to land, and knows to read again
 *   (DynamoDB: 15 s, then the gap counts as a hole).
 * - `recordSend` stores a sender's message under (sender, cmid) once: the first call wins
 *   and every call returns the first message, so a retried send keeps its id. Any cmid
 *   string works (the key is unambiguous whatever characters it holds).
 * - Ack pointers only move forward; a read pointer counts as a delivered pointer too
 *   (`pointers` reports delivered ≥ read), so a read ack is one write.
 */
export interface TimelineStore {
  append(owner: string, message: Message, expiresAt: number, options?: AppendOptions): Promise<Appended>;
  read(owner: string, after: number, limit: number, nowMs: number): Promise<TimelinePage>;
  head(owner: string): Promise<number>;
  recordSend(message: Message, expiresAt: number): Promise<Message>;
  ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void>;
  pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }>;
}
