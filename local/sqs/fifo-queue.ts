import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EdgeImError } from '../../shared/errors.js';

/** One message as the queue holds it. */
export interface QueueMessage {
  id: string;
  /** SQS FIFO SequenceNumber: a decimal string, increasing within the queue. */
  seq: string;
  group: string;
  dedup: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Epoch ms until which the message is in flight (received, not deleted); 0 when visible. */
  invisibleUntil: number;
  /** The handle of the latest receive; only it can delete the message or change its visibility. */
  receipt?: string;
}

/** Where a queue writes what it must not forget (the journal); called before each change is acknowledged. */
export interface QueueLog {
  created(queue: string, attributes: Record<string, string>, createdAt: number): void;
  attributesSet(queue: string, attributes: Record<string, string>): void;
  sent(queue: string, m: QueueMessage): void;
  received(queue: string, ids: string[], at: number): void;
  deleted(queue: string, ids: string[]): void;
  /** A message moved to the queue's dead-letter queue `to` (one line: it is in one queue or the other, never both or neither). */
  moved(queue: string, to: string, id: string): void;
  purged(queue: string): void;
}

/** Where a queue's messages go after too many receives (SQS's RedrivePolicy). */
export interface Redrive {
  target: FifoQueue;
  maxReceiveCount: number;
}

/** A message a queue moved to its dead-letter queue. */
export interface DeadLettered {
  queue: string;
  deadLetterQueue: string;
  id: string;
  group: string;
  receiveCount: number;
}

/** A dedup entry: a (group, dedup id) seen within the window, and the message it stood for. */
export interface DedupEntry {
  key: string;
  id: string;
  seq: string;
  until: number;
}

export interface FifoQueueOptions {
  /** FIFO's deduplication interval (SQS: 5 minutes). */
  dedupWindowMs: number;
  now?: () => number;
  /** The queue's redrive, looked up at each receive (its RedrivePolicy may change). */
  redrive?: (q: FifoQueue) => Redrive | undefined;
  /** Told of each message moved to a dead-letter queue, after the journal has the move. */
  onDeadLetter?: (moved: DeadLettered) => void;
}

/** A refused request, in SQS's terms: its error type, (query protocol) code and HTTP status. */
export class SqsError extends EdgeImError {
  override name = 'SqsError';
  constructor(
    readonly type: string,
    message: string,
    readonly queryCode: string = type,
    readonly status = 400,
    options?: ErrorOptions,
  ) {
    super(status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', message, options);
  }
}

/** Default attributes of a queue, as SQS reports them. */
export const DEFAULT_ATTRIBUTES: Record<string, string> = {
  VisibilityTimeout: '30',
  DelaySeconds: '0',
  ReceiveMessageWaitTimeSeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

/** MD5 of a body, hex: SQS's MD5OfBody, which the AWS SDK checks. */
export const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * One SQS FIFO queue, in memory, with the semantics the stack relies on:
 *
 * - Message groups: messages of a group are handed out in send order, and while any
 *   message of a group is in flight no other message of that group is (the group lock);
 *   a message that comes back (visibility timeout, or visibility set to 0) is handed out
 *   again before anything later in its group.
 * - Deduplication: a send whose dedup id was seen within `dedupWindowMs` (per message
 *   group when DeduplicationScope is messageGroup, else per queue) is accepted and
 *   dropped, answering the first message's id, even if that one was already deleted.
 * - Visibility timeouts, ApproximateReceiveCount, receipt handles per receive.
 * - Redrive: a message received `maxReceiveCount` times without being deleted is moved
 *   to the dead-letter queue when it would be handed out again, and the next message of
 *   its group is handed out in its place (the group moves on).
 *
 * Every change that a caller is told about is first handed to the `QueueLog` (the
 * journal), so a restart can rebuild the queue.
 */
export class FifoQueue {
  private readonly groups = new Map<string, QueueMessage[]>();
  private readonly byId = new Map<string, QueueMessage>();
  private readonly byReceipt = new Map<string, QueueMessage>();
  private readonly dedup = new Map<string, DedupEntry>();
  /** In-flight messages per group (a group with any is locked). */
  private readonly locked = new Map<string, number>();
  private readonly inFlight = new Set<QueueMessage>();
  private lastSeq = 10n ** 19n;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    readonly attributes: Record<string, string>,
    readonly createdAt: number,
    private readonly options: FifoQueueOptions,
    private readonly log?: QueueLog,
  ) {
    this.now = options.now ?? Date.now;
  }

  get visibilityTimeout(): number {
    return Number(this.attributes.VisibilityTimeout);
  }

  /** Changes attributes (SetQueueAttributes); the journal has them first. */
  setAttributes(attributes: Record<string, string>): void {
    this.log?.attributesSet(this.name, attributes);
    this.restoreAttributes(attributes);
  }

  /** Replays SetQueueAttributes. */
  restoreAttributes(attributes: Record<string, string>): void {
    Object.assign(this.attributes, attributes);
  }

  /** Stores a message (or recognises a duplicate); the journal has it before this returns. */
  send(input: { group: string; dedup?: string | undefined; body: string }): { id: string; seq: string; md5: string } {
    const now = this.now();
    const dedup = input.dedup ?? (this.attributes.ContentBasedDeduplication === 'true' ? createHash('sha256').update(input.body).digest('hex') : undefined);
    if (dedup === undefined) {
      throw new SqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly', 'InvalidParameterValue');
    }
    this.pruneDedup(now);
    const key = this.dedupKey(input.group, dedup);
    const seen = this.dedup.get(key);
    if (seen && seen.until > now) return { id: seen.id, seq: seen.seq, md5: md5(input.body) };
    this.lastSeq += 1n;
    const m: QueueMessage = { id: randomUUID(), seq: String(this.lastSeq), group: input.group, dedup, body: input.body, md5: md5(input.body), sentAt: now, receiveCount: 0, invisibleUntil: 0 };
    this.log?.sent(this.name, m);
    this.restore(m);
    return { id: m.id, seq: m.seq, md5: m.md5 };
  }

  /** Hands out up to `max` messages, whole groups in order, skipping locked groups. */
  receive(max: number, visibilitySeconds = this.visibilityTimeout): QueueMessage[] {
    const now = this.now();
    this.expire(now);
    const out: QueueMessage[] = [];
    const redrive = this.options.redrive?.(this);
    for (const group of [...this.groups.keys()]) {
      if (out.length >= max) break;
      if (this.locked.has(group)) continue;
      const list = this.groups.get(group)!;
      for (let i = 0; i < list.length && out.length < max; ) {
        const m = list[i]!;
        if (redrive && m.receiveCount >= redrive.maxReceiveCount) this.deadLetter(m, redrive.target); // takes it out of `list`
        else {
          out.push(m);
          i++;
        }
      }
      // served groups go to the back: other conversations get their turn
      if (list.length === 0) continue;
      this.groups.delete(group);
      this.groups.set(group, list);
    }
    if (out.length === 0) return out;
    this.log?.received(
      this.name,
      out.map((m) => m.id),
      now,
    );
    for (const m of out) {
      if (m.receipt) this.byReceipt.delete(m.receipt);
      m.receipt = `${m.id}.${randomBytes(12).toString('base64url')}`;
      this.byReceipt.set(m.receipt, m);
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      this.hide(m, now + visibilitySeconds * 1000);
    }
    return out;
  }

  /**
   * Deletes the message a receipt handle was given for. A handle from an earlier receive
   * (the message was handed out again since) deletes nothing, as SQS does.
   */
  delete(receipts: string[]): void {
    const doomed = receipts.map((r) => this.byReceipt.get(r)).filter((m): m is QueueMessage => m !== undefined);
    if (doomed.length === 0) return;
    this.log?.deleted(
      this.name,
      doomed.map((m) => m.id),
    );
    for (const m of doomed) this.forget(m);
  }

  /** Sets how long an in-flight message stays hidden from now (0: visible again at once). */
  changeVisibility(receipt: string, seconds: number): void {
    const m = this.byReceipt.get(receipt);
    if (!m) throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${receipt}" is not valid.`, 'ReceiptHandleIsInvalid');
    const now = this.now();
    this.expire(now);
    if (!this.inFlight.has(m)) throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.', 'AWS.SimpleQueueService.MessageNotInflight');
    if (seconds === 0) this.show(m);
    else m.invisibleUntil = now + seconds * 1000;
  }

  /** Replays a move to the dead-letter queue `target`. */
  restoreMove(id: string, target: FifoQueue): void {
    const m = this.byId.get(id);
    if (!m) return;
    this.forget(m);
    target.adopt(m);
  }

  /**
   * Takes a message another queue dead-lettered: visible, at the end of its group, with
   * its id, group, dedup id, body and sent time, a new sequence number and no receives
   * yet. Not a send: the dedup window does not apply.
   */
  adopt(m: QueueMessage): void {
    this.lastSeq += 1n;
    const { receipt: _receipt, firstReceiveAt: _first, ...rest } = m;
    const moved: QueueMessage = { ...rest, seq: String(this.lastSeq), receiveCount: 0, invisibleUntil: 0 };
    this.byId.set(moved.id, moved);
    const list = this.groups.get(moved.group);
    if (list) list.push(moved);
    else this.groups.set(moved.group, [moved]);
  }

  purge(): void {
    this.log?.purged(this.name);
    this.restorePurge();
  }

  /** Replays a purge. */
  restorePurge(): void {
    this.groups.clear();
    this.byId.clear();
    this.byReceipt.clear();
    this.locked.clear();
    this.inFlight.clear();
  }

  /** Messages waiting (visible or behind a group lock) and in flight. */
  counts(): { visible: number; inFlight: number } {
    this.expire(this.now());
    let all = 0;
    for (const list of this.groups.values()) all += list.length;
    return { visible: all - this.inFlight.size, inFlight: this.inFlight.size };
  }

  /** Whether a receive now would get anything. */
  hasAvailable(): boolean {
    this.expire(this.now());
    for (const group of this.groups.keys()) if (!this.locked.has(group)) return true;
    return false;
  }

  /** When the next in-flight message comes back by itself, if any. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const m of this.inFlight) if (next === undefined || m.invisibleUntil < next) next = m.invisibleUntil;
    return next;
  }

  /** Live messages in send order, and dedup entries still in their window (for the journal's snapshot). */
  snapshot(): { messages: QueueMessage[]; dedup: DedupEntry[] } {
    const messages = [...this.groups.values()].flat().sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    const now = this.now();
    return { messages, dedup: [...this.dedup.values()].filter((d) => d.until > now) };
  }

  /** Puts back a message (journal replay, or a send): visible, at the end of its group. */
  restore(m: QueueMessage): void {
    const seq = BigInt(m.seq);
    if (seq > this.lastSeq) this.lastSeq = seq;
    m.invisibleUntil = 0;
    delete m.receipt;
    this.byId.set(m.id, m);
    const list = this.groups.get(m.group);
    if (list) list.push(m);
    else this.groups.set(m.group, [m]);
    this.dedup.delete(this.dedupKey(m.group, m.dedup)); // re-inserted last: the map stays in expiry order
    this.dedup.set(this.dedupKey(m.group, m.dedup), { key: this.dedupKey(m.group, m.dedup), id: m.id, seq: m.seq, until: m.sentAt + this.options.dedupWindowMs });
  }

  /** Replays a dedup entry whose message was already deleted. */
  restoreDedup(entry: DedupEntry): void {
    this.dedup.set(entry.key, entry);
  }

  /** Replays a receive (counts survive a restart); the message comes back visible. */
  restoreReceive(id: string, at: number): void {
    const m = this.byId.get(id);
    if (!m) return;
    m.receiveCount++;
    m.firstReceiveAt ??= at;
  }

  /** Replays a delete. */
  restoreDelete(id: string): void {
    const m = this.byId.get(id);
    if (m) this.forget(m);
  }

  private deadLetter(m: QueueMessage, target: FifoQueue): void {
    this.log?.moved(this.name, target.name, m.id);
    this.restoreMove(m.id, target);
    this.options.onDeadLetter?.({ queue: this.name, deadLetterQueue: target.name, id: m.id, group: m.group, receiveCount: m.receiveCount });
  }

  private dedupKey(group: string, dedup: string): string {
    return this.attributes.DeduplicationScope === 'messageGroup' ? `${group}\u0000${dedup}` : dedup;
  }

  private pruneDedup(now: number): void {
    for (const [key, entry] of this.dedup) {
      if (entry.until > now) return;
      this.dedup.delete(key);
    }
  }

  private hide(m: QueueMessage, until: number): void {
    m.invisibleUntil = until;
    if (!this.inFlight.has(m)) {
      this.inFlight.add(m);
      this.locked.set(m.group, (this.locked.get(m.group) ?? 0) + 1);
    }
  }

  private show(m: QueueMessage): void {
    m.invisibleUntil = 0;
    if (!this.inFlight.delete(m)) return;
    const left = (this.locked.get(m.group) ?? 1) - 1;
    if (left > 0) this.locked.set(m.group, left);
    else this.locked.delete(m.group);
  }

  /** Messages whose visibility timeout passed come back (their receipt stays valid until the next receive). */
  private expire(now: number): void {
    for (const m of this.inFlight) if (m.invisibleUntil <= now) this.show(m);
  }

  private forget(m: QueueMessage): void {
    this.show(m);
    this.byId.delete(m.id);
    if (m.receipt) this.byReceipt.delete(m.receipt);
    const list = this.groups.get(m.group);
    if (!list) return;
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.groups.delete(m.group);
  }
}
