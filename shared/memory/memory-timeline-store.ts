import type { TimelineEntry } from '../domain/model.js';
import type { AckKind, Appended, AppendOptions, OwnEntry, TimelinePage, TimelineStore } from '../domain/ports/timeline-store.js';
import type { Message } from '../protocol/frames.js';
import { isUid } from '../protocol/identifiers.js';

interface Stored {
  message: Message;
  /** Epoch seconds. */
  expiresAt: number;
}

interface Timeline {
  head: number;
  /** seq → entry; seqs 1..head, all present (memory never dies inside an append). */
  entries: Map<number, Stored>;
  /** message id → its seq. */
  seqOf: Map<string, number>;
}

/** A copy of a message, so that callers and the store share nothing (the DynamoDB store keeps JSON text). */
const clone = (m: Message): Message => JSON.parse(JSON.stringify(m)) as Message;

/**
 * The TimelineStore contract (ports/timeline-store.ts) in one process's memory. Each
 * (owner, message id) gets one seq, the first append's; seqs are dense (an append here
 * cannot die halfway). `read` skips entries past their `expiresAt`; the head counts them.
 * `own` (the owner's own sends right below an appended seq, newest first) is always
 * known here, as it is to the DynamoDB store for the seqs its register remembers. The
 * sender log keeps the first message per (sender, backend or not, cmid); like the
 * DynamoDB store it refuses a `from` that is not a uid.
 */
export class MemoryTimelineStore implements TimelineStore {
  private readonly timelines = new Map<string, Timeline>();
  private readonly sends = new Map<string, Message>();
  private readonly pointerValues = new Map<string, { delivered: number; read: number }>();

  async append(owner: string, message: Message, expiresAt: number, _options?: AppendOptions): Promise<Appended> {
    let tl = this.timelines.get(owner);
    if (!tl) this.timelines.set(owner, (tl = { head: 0, entries: new Map(), seqOf: new Map() }));
    const earlier = tl.seqOf.get(message.id);
    if (earlier !== undefined) return withOwn({ seq: earlier, fresh: false }, ownBelow(owner, tl, earlier));
    const seq = ++tl.head;
    tl.entries.set(seq, { message: clone(message), expiresAt });
    tl.seqOf.set(message.id, seq);
    return withOwn({ seq, fresh: true }, ownBelow(owner, tl, seq));
  }

  async read(owner: string, after: number, limit: number, nowMs: number): Promise<TimelinePage> {
    const tl = this.timelines.get(owner);
    const entries: TimelineEntry[] = [];
    if (!tl) return { entries, head: 0 };
    for (let seq = Math.max(0, Math.floor(after)) + 1; seq <= tl.head && entries.length < limit; seq++) {
      const stored = tl.entries.get(seq);
      if (stored && stored.expiresAt * 1000 > nowMs) entries.push({ seq, message: clone(stored.message) });
    }
    return { entries, head: tl.head };
  }

  async head(owner: string): Promise<number> {
    return this.timelines.get(owner)?.head ?? 0;
  }

  async recordSend(message: Message, _expiresAt: number): Promise<Message> {
    if (!isUid(message.from)) throw new Error(`not a uid: ${JSON.stringify(message.from)}`);
    const key = JSON.stringify([message.backend === true, message.from, message.cmid]);
    const first = this.sends.get(key);
    if (first) return clone(first);
    this.sends.set(key, clone(message));
    return message;
  }

  async ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void> {
    const key = JSON.stringify([uid, timeline]);
    const p = this.pointerValues.get(key) ?? { delivered: 0, read: 0 };
    p[kind] = Math.max(p[kind], seq);
    this.pointerValues.set(key, p);
  }

  /** The pointers; `delivered` is at least `read`. */
  async pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }> {
    const p = this.pointerValues.get(JSON.stringify([uid, timeline])) ?? { delivered: 0, read: 0 };
    return { delivered: Math.max(p.delivered, p.read), read: p.read };
  }
}

/**
 * The owner's own sends (not a backend's in its name; inboxes only) right below `seq`,
 * newest first, down to the first message someone else sent.
 */
function ownBelow(owner: string, tl: Timeline, seq: number): OwnEntry[] {
  const own: OwnEntry[] = [];
  for (let s = seq - 1; s >= 1; s--) {
    const m = tl.entries.get(s)?.message;
    if (!m || m.backend || owner !== `user:${m.from}`) break;
    own.push({ seq: s, id: m.id });
  }
  return own;
}

function withOwn(appended: Appended, own: OwnEntry[]): Appended {
  return own.length > 0 ? { ...appended, own } : appended;
}
