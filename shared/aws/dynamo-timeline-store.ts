import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '../domain/model.js';
import type { AckKind, Appended, AppendOptions, OwnEntry, TimelinePage, TimelineStore } from '../domain/ports/timeline-store.js';
import type { Message } from '../protocol/frames.js';
import { InvariantError, StoreContentionError, StoreInconsistencyError } from '../errors.js';
import { isUid } from '../protocol/identifiers.js';
import { isConditionFailed } from './dynamo-batch.js';
import { isExpired, TTL_ATTRIBUTE } from './tables.js';
import { TimelinePointers } from './timeline-pointers.js';
import { ALLOCATE, findIn, NOT_ALLOCATED, ownRun, registerValue, withOwn } from './timeline-register.js';

const timelinePk = (owner: string) => `tl#${owner}`;


/** Messages are kept as JSON text: exact round trip of any JSON body (DynamoDB numbers cap at 38 digits). */
const encode = (m: Message) => JSON.stringify(m);
const decode = (text: unknown) => JSON.parse(text as string) as Message;

/**
 * The sender log key of (uid, cmid). Unambiguous: a uid never holds `#` (its charset is
 * `[A-Za-z0-9_.@-]`), so the first `#` after `send#` ends it and the cmid, whatever it
 * holds (`#` included), is the rest.
 */
/** The sender log key of a message: `send#<uid>#<cmid>`, and `send#!backend#<from>#<cmid>` for a backend's (no uid starts with `!`). */
function sendKey(message: Pick<Message, 'from' | 'cmid' | 'backend'>) {
  if (!isUid(message.from)) throw new InvariantError(`not a uid: ${JSON.stringify(message.from)}`);
  return { pk: `send#${message.backend ? '!backend#' : ''}${message.from}#${message.cmid}`, sk: 0 };
}

/** How far a retry looks back for its message: items appended this long before the message was sent cannot be it (clock skew slack). */
const CLOCK_SLACK_MS = 60_000;

/**
 * How long, by default, a missing seq below a written one may still be an append in
 * flight (its seq taken, its message not yet written: one DynamoDB call, with the SDK's
 * retries) rather than a hole. `read` does not pass such a gap: a reader that moved past
 * it would never be sent the message when it lands (EDGEIM_TIMELINE_SETTLE_MS).
 */
export const SETTLE_MS = 15_000;

/**
 * Whether `item`, at a seq above a missing one, was written less than `settleMs` before
 * `nowMs` (an append below it may still be in flight). Items of an older version carry
 * no write time: they count as settled.
 */
const unsettled = (item: Record<string, unknown>, nowMs: number, settleMs: number) => typeof item.at === 'number' && item.at > nowMs - settleMs;

/**
 * Timelines table (pk string, sk number). `tl#<owner>` / 0 holds the head counter (and the
 * register of the latest allocations), `tl#<owner>` / seq the messages (with the message
 * id as `mid` and the append time as `at`, so a retry can find an earlier attempt's item);
 * `send#<uid>#<cmid>` / 0 the sender log; `ptr#<uid>#<timeline>` / 0 the delivered/read
 * pointers; `claim#<owner>#<msgId>` / 0 the seq a retried append settled on (retries
 * only: a first attempt writes none). Owners (`user:<uid>`, `group:<gid>`), uids and timeline
 * names never hold `#`, and message ids are decimal, so every key reads one way only.
 */
export class DynamoTimelineStore implements TimelineStore {
  private readonly pointerItems: TimelinePointers;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly settleMs = SETTLE_MS,
  ) {
    this.pointerItems = new TimelinePointers(db, table);
  }

  /**
   * First attempt: one conditional write takes the seq and records the message id in the
   * head's register, one write stores the message: 2 write units, no read. A retry first
   * looks for an earlier attempt: the head's register (a seq taken, maybe without its
   * message: the message is written now), then the message items appended since the
   * message was sent; only when neither holds it does it append as a first attempt
   * would. Every retry then claims its seq (`claim#…`, one conditional write): retries
   * racing each other all settle on the first claim, however many other appends pass
   * meanwhile. No duplicate, and no hole while the register remembers the dead attempt;
   * but a dead attempt's seq that readers may have moved past (an item above it written
   * more than half the settle time ago: a retry comes after the queue's visibility
   * timeout, minutes later) is left a hole and the message appended anew, above them.
   */
  async append(owner: string, message: Message, expiresAt: number, options: AppendOptions = {}): Promise<Appended> {
    const mid = registerValue(owner, message);
    if (!options.firstAttempt) {
      const earlier = await this.earlierAttempt(owner, message, mid);
      if (earlier && (earlier.stored || earlier.claimed || !(await this.passed(owner, earlier.seq)))) {
        const seq = await this.claim(owner, message.id, earlier.seq, expiresAt);
        if (!earlier.stored || seq !== earlier.seq) await this.putMessage(owner, seq, message, expiresAt);
        return withOwn({ seq, fresh: false }, seq === earlier.seq ? earlier.own : undefined);
      }
      if (earlier) {
        // The dead attempt's seq was never written and readers may be past it: it stays a
        // hole, and the message takes a new seq (the register then names that one first;
        // the claim settles racing retries).
        const taken = await this.allocate(owner, mid, false);
        const seq = await this.claim(owner, message.id, taken.seq, expiresAt);
        await this.putMessage(owner, seq, message, expiresAt);
        return withOwn({ seq, fresh: false }, seq === taken.seq ? taken.own : undefined);
      }
    }
    let { taken, fresh } = await this.takeSeq(owner, message, mid, options);
    if (!options.firstAttempt) {
      // A retry may race another attempt of the same message; the claim decides whose seq
      // holds (the loser's allocation stays a hole). A first attempt needs none: nothing
      // came before it, and FIFO's group lock keeps a second one from running beside it.
      const seq = await this.claim(owner, message.id, taken.seq, expiresAt);
      if (seq !== taken.seq) {
        taken = { seq, own: [] };
        fresh = false;
      }
    }
    await this.putMessage(owner, taken.seq, message, expiresAt);
    return withOwn({ seq: taken.seq, fresh }, taken.own);
  }

  /**
   * Reads the items after `after` page by page until it has `limit` live entries, the
   * end, or a gap that may still fill. Expired items (kept until TTL deletes them) are
   * read, not filtered out: they count as present for the gap check (their seqs are no
   * holes), and a page of only expired items does not end the read (DynamoDB applies
   * `Limit` before a filter, so a filtered page could come back empty with live messages
   * after it, and an empty page reads as "synced" to a client).
   */
  async read(owner: string, after: number, limit: number, nowMs: number): Promise<TimelinePage> {
    const headRead = this.head(owner);
    const entries: TimelineEntry[] = [];
    let expected = after + 1;
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk > :after',
            ExpressionAttributeValues: { ':pk': timelinePk(owner), ':after': after },
            Limit: limit - entries.length,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          // A gap that may still fill: the page ends before it (held) and the head is the seq below it.
          if (item.sk !== expected && unsettled(item, nowMs, this.settleMs)) return { entries, head: Math.min(await headRead, expected - 1), held: true };
          expected = (item.sk as number) + 1;
          if (!isExpired(item, nowMs)) entries.push({ seq: item.sk as number, message: decode(item.m) });
        }
        start = out.LastEvaluatedKey;
      } while (start && entries.length < limit);
      return { entries, head: await headRead };
    } finally {
      await headRead.catch(() => undefined); // never an unhandled rejection when a query failed first
    }
  }

  async head(owner: string): Promise<number> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: timelinePk(owner), sk: 0 }, ConsistentRead: true, ProjectionExpression: 'head' }),
    );
    return (out.Item?.head as number | undefined) ?? 0;
  }

  async recordSend(message: Message, expiresAt: number): Promise<Message> {
    const Key = sendKey(message);
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { ...Key, m: encode(message), [TTL_ATTRIBUTE]: expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return message;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      return decode(out.Item?.m);
    }
  }

  ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void> {
    return this.pointerItems.ack(uid, timeline, kind, seq);
  }

  pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }> {
    return this.pointerItems.pointers(uid, timeline);
  }

  /**
   * Allocates a seq for `mid`, or finds the one an earlier attempt allocated (the
   * register refused the allocation). When the register has moved past that attempt
   * meanwhile (more than 32 appends between the refusal and the look-up: attempts of
   * one message racing each other on a busy timeline), a retry allocates a seq of its
   * own and leaves it to the claim which seq holds; a first attempt has no claim to
   * settle it, and fails with `StoreContentionError` (the job retries it).
   */
  private async takeSeq(owner: string, message: Message, mid: string, options: AppendOptions): Promise<{ taken: { seq: number; own: OwnEntry[] }; fresh: boolean }> {
    for (let tries = 0; ; tries++) {
      try {
        return { taken: await this.allocate(owner, mid), fresh: true };
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        const registered = await this.registered(owner, mid);
        if (registered) return { taken: registered, fresh: false };
        if (options.firstAttempt || tries >= 3) throw new StoreContentionError(`allocation of ${message.id} on ${owner} refused but not in the register`, { cause: err });
      }
    }
  }

  /** Where an earlier attempt of this append got to, if any: its seq, and whether its message item is known to be written. */
  private async earlierAttempt(owner: string, message: Message, mid: string): Promise<{ seq: number; stored: boolean; claimed?: true; own?: OwnEntry[] } | undefined> {
    const [register, claim] = await Promise.all([this.register(owner), this.claimedSeq(owner, message.id)]);
    if (claim !== undefined) return { seq: claim, stored: false, claimed: true }; // a claim decides, wherever the register points
    const registered = findIn(register, mid);
    if (registered) return { seq: registered.seq, stored: false, own: registered.own };
    const seq = await this.findStored(owner, message, (register.head as number | undefined) ?? 0);
    return seq === undefined ? undefined : { seq, stored: true };
  }

  /**
   * Whether readers may have moved past `seq` as a hole: it holds no message and the
   * first message above it was written more than half the settle time ago (or by an
   * older version: no write time). Half, so a message written now at `seq` still lands
   * well before any reader's settle time runs out.
   */
  private async passed(owner: string, seq: number): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk >= :seq',
        ExpressionAttributeValues: { ':pk': timelinePk(owner), ':seq': seq },
        ProjectionExpression: 'sk, #at',
        ExpressionAttributeNames: { '#at': 'at' },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const first = out.Items?.[0];
    if (!first || first.sk === seq) return false; // nothing above it (no reader passes it), or it is written
    return typeof first.at !== 'number' || first.at <= Date.now() - this.settleMs / 2;
  }

  /** The seq `mid` holds in the head's register, and the owner's own sends just below it. */
  private async registered(owner: string, mid: string): Promise<{ seq: number; own: OwnEntry[] } | undefined> {
    return findIn(await this.register(owner), mid);
  }

  /** The head item: the counter and the register (empty for a new timeline). */
  private async register(owner: string): Promise<Record<string, unknown>> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: timelinePk(owner), sk: 0 }, ConsistentRead: true }));
    return out.Item ?? {};
  }

  /**
   * Claims `seq` for (owner, message): the first claim wins and every attempt gets the
   * winning seq (one conditional write; a read only when another attempt claimed first).
   */
  private async claim(owner: string, msgId: string, seq: number, expiresAt: number): Promise<number> {
    const Key = { pk: `claim#${owner}#${msgId}`, sk: 0 };
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { ...Key, seq, [TTL_ATTRIBUTE]: expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return seq;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const winner = await this.claimedSeq(owner, msgId);
      if (winner === undefined) throw new StoreInconsistencyError(`claim of ${msgId} on ${owner} refused but not found`, { cause: err });
      return winner;
    }
  }

  /** The seq an attempt recorded in its claim item (retries, and appends of earlier versions). */
  private async claimedSeq(owner: string, msgId: string): Promise<number | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `claim#${owner}#${msgId}`, sk: 0 }, ConsistentRead: true }));
    return out.Item?.seq as number | undefined;
  }

  /**
   * The seq of `message` among the items at or below `head`, newest first, looking no
   * further back than items appended before the message was sent (they cannot be it).
   */
  private async findStored(owner: string, message: Message, head: number): Promise<number | undefined> {
    if (head < 1) return undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :one AND :head',
          FilterExpression: 'mid = :id OR attribute_not_exists(#at) OR #at < :floor',
          ProjectionExpression: 'sk, mid',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':pk': timelinePk(owner), ':one': 1, ':head': head, ':id': message.id, ':floor': message.sentAt - CLOCK_SLACK_MS },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: 100,
          ExclusiveStartKey: start,
        }),
      );
      const first = out.Items?.[0];
      if (first) return first.mid === message.id ? (first.sk as number) : undefined; // else: an item older than the message
      start = out.LastEvaluatedKey;
    } while (start);
    return undefined;
  }

  /**
   * Takes the timeline's next seq for `mid`; fails the condition when the register already
   * holds it (`once`, the default; a retry abandoning a dead attempt's seq allocates again).
   */
  private async allocate(owner: string, mid: string, once = true): Promise<{ seq: number; own: OwnEntry[] }> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: timelinePk(owner), sk: 0 },
        UpdateExpression: ALLOCATE,
        ...(once ? { ConditionExpression: NOT_ALLOCATED } : {}),
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':mid': mid, ':none': '-' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const attrs = out.Attributes ?? {};
    const seq = attrs.head as number;
    return { seq, own: ownRun(attrs, seq, 1) };
  }

  private async putMessage(owner: string, seq: number, message: Message, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { pk: timelinePk(owner), sk: seq, m: encode(message), mid: message.id, at: Date.now(), [TTL_ATTRIBUTE]: expiresAt } }),
    );
  }
}
