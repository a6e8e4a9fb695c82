import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '../domain/model.js';
import type { AckKind, Appended, TimelineStore } from '../domain/ports/timeline-store.js';
import type { Message } from '../protocol/frames.js';
import { isUid } from '../protocol/identifiers.js';
import { isConditionFailed } from './dynamo-batch.js';

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
  if (!isUid(message.from)) throw new Error(`not a uid: ${JSON.stringify(message.from)}`);
  return { pk: `send#${message.backend ? '!backend#' : ''}${message.from}#${message.cmid}`, sk: 0 };
}

/**
 * How many of a timeline's latest allocations its head item remembers (message ids m0 =
 * newest … m31): an append that died after taking its seq finds it there on retry instead
 * of taking another, so seqs stay dense. 32 ids of ≤ 20 digits keep the item under 1 KB
 * (one write unit, as the bare counter cost).
 */
const REGISTER = 32;
const slot = (i: number) => `m${i}`;
/** `SET head = head + 1, m0 = :mid, m1 = m0, …`: operands are read before the update, so this shifts the register by one. */
const ALLOCATE =
  'SET head = if_not_exists(head, :zero) + :one, m0 = :mid, ' +
  Array.from({ length: REGISTER - 1 }, (_, i) => `${slot(i + 1)} = if_not_exists(${slot(i)}, :none)`).join(', ');
/** The allocation is refused when the register already holds this message id (a retry of an append that died). */
const NOT_ALLOCATED = `NOT (${Array.from({ length: REGISTER }, (_, i) => `${slot(i)} = :mid`).join(' OR ')})`;

/**
 * Timelines table (pk string, sk number). `tl#<owner>` / 0 holds the head counter (and the
 * register of the latest allocations), `tl#<owner>` / seq the messages;
 * `claim#<owner>#<msgId>` / 0 records which seq a message took (idempotent append);
 * `send#<uid>#<cmid>` / 0 the sender log; `ptr#<uid>#<timeline>` / 0 the delivered/read
 * pointers. Owners (`user:<uid>`, `group:<gid>`), uids and timeline names never hold
 * `#`, and message ids are decimal, so every key reads one way only.
 */
export class DynamoTimelineStore implements TimelineStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Claim check, then one write that takes the seq and records the message id in the
   * head's register, then the claim, then the message: 1 read + 3 writes. A retry finds
   * the claim (reuses its seq) or, if the process died before writing it, the id in the
   * register (reuses the seq taken then): no duplicate, no hole.
   */
  async append(owner: string, message: Message, expiresAt: number): Promise<Appended> {
    const claimKey = { pk: `claim#${owner}#${message.id}`, sk: 0 };
    const prior = await this.claimedSeq(claimKey);
    if (prior !== undefined) {
      await this.putMessage(owner, prior, message, expiresAt); // finish an append that died halfway
      return { seq: prior, fresh: false };
    }
    let seq: number;
    let fresh = true;
    try {
      seq = await this.allocate(owner, message.id);
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      seq = await this.allocatedSeq(owner, message.id, err); // taken by an attempt that died (or runs) before claiming
      fresh = false;
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...claimKey, seq, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      // A concurrent attempt claimed first: its seq wins.
      const winner = await this.claimedSeq(claimKey);
      if (winner === undefined) throw new Error('claim vanished', { cause: err });
      await this.putMessage(owner, winner, message, expiresAt);
      return { seq: winner, fresh: false };
    }
    await this.putMessage(owner, seq, message, expiresAt);
    return { seq, fresh };
  }

  async read(owner: string, after: number, limit: number, nowMs: number): Promise<{ entries: TimelineEntry[]; head: number }> {
    const [out, head] = await Promise.all([
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':pk': timelinePk(owner), ':after': after, ':now': Math.floor(nowMs / 1000) },
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
      this.head(owner),
    ]);
    const entries = (out.Items ?? []).map((item) => ({ seq: item.sk as number, message: decode(item.m) }));
    return { entries, head };
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
        new PutCommand({ TableName: this.table, Item: { ...Key, m: encode(message), expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return message;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      return decode(out.Item?.m);
    }
  }

  async ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `ptr#${uid}#${timeline}`, sk: 0 },
          UpdateExpression: 'SET #k = :seq',
          ConditionExpression: 'attribute_not_exists(#k) OR #k < :seq',
          ExpressionAttributeNames: { '#k': kind },
          ExpressionAttributeValues: { ':seq': seq },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // pointer already at or past seq
    }
  }

  async pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `ptr#${uid}#${timeline}`, sk: 0 } }));
    return { delivered: (out.Item?.delivered as number | undefined) ?? 0, read: (out.Item?.read as number | undefined) ?? 0 };
  }

  private async claimedSeq(Key: { pk: string; sk: number }): Promise<number | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
    return out.Item?.seq as number | undefined;
  }

  /** Takes the timeline's next seq for `msgId`; fails the condition when the register already holds it. */
  private async allocate(owner: string, msgId: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: timelinePk(owner), sk: 0 },
        UpdateExpression: ALLOCATE,
        ConditionExpression: NOT_ALLOCATED,
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':mid': msgId, ':none': '-' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.head as number;
  }

  /** The seq an earlier allocation took for `msgId`, read from the head's register. */
  private async allocatedSeq(owner: string, msgId: string, cause: unknown): Promise<number> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: timelinePk(owner), sk: 0 }, ConsistentRead: true }));
    const item = out.Item ?? {};
    for (let i = 0; i < REGISTER; i++) if (item[slot(i)] === msgId) return (item.head as number) - i;
    throw new Error(`allocation of ${msgId} on ${owner} refused but not in the register`, { cause });
  }

  private async putMessage(owner: string, seq: number, message: Message, expiresAt: number): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: timelinePk(owner), sk: seq, m: encode(message), expiresAt } }));
  }
}
