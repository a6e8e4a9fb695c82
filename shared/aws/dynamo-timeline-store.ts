import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '../domain/model.js';
import type { AckKind, TimelineStore } from '../domain/ports/timeline-store.js';
import type { Message } from '../protocol/frames.js';
import { isConditionFailed } from './dynamo-batch.js';

const timelinePk = (owner: string) => `tl#${owner}`;
/** Messages are kept as JSON text: exact round trip of any JSON body (DynamoDB numbers cap at 38 digits). */
const encode = (m: Message) => JSON.stringify(m);
const decode = (text: unknown) => JSON.parse(text as string) as Message;

/**
 * Timelines table (pk string, sk number). `tl#<owner>` / 0 holds the head counter and
 * `tl#<owner>` / seq the messages; `claim#<owner>#<msgId>` / 0 records which seq a message
 * took (idempotent append); `send#<uid>#<cmid>` / 0 the sender log; `ptr#<uid>#<timeline>` / 0
 * the delivered/read pointers.
 */
export class DynamoTimelineStore implements TimelineStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(owner: string, message: Message, expiresAt: number): Promise<number> {
    const claimKey = { pk: `claim#${owner}#${message.id}`, sk: 0 };
    const prior = await this.claimedSeq(claimKey);
    if (prior !== undefined) {
      await this.putMessage(owner, prior, message, expiresAt); // finish an append that died halfway
      return prior;
    }
    const seq = await this.nextSeq(owner);
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
      // A concurrent retry claimed first: its seq wins, ours stays a hole.
      const winner = await this.claimedSeq(claimKey);
      if (winner === undefined) throw new Error('claim vanished', { cause: err });
      await this.putMessage(owner, winner, message, expiresAt);
      return winner;
    }
    await this.putMessage(owner, seq, message, expiresAt);
    return seq;
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
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: timelinePk(owner), sk: 0 }, ConsistentRead: true }));
    return (out.Item?.head as number | undefined) ?? 0;
  }

  async recordSend(message: Message, expiresAt: number): Promise<Message> {
    const Key = { pk: `send#${message.from}#${message.cmid}`, sk: 0 };
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

  private async nextSeq(owner: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: timelinePk(owner), sk: 0 },
        UpdateExpression: 'ADD head :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.head as number;
  }

  private async putMessage(owner: string, seq: number, message: Message, expiresAt: number): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: timelinePk(owner), sk: seq, m: encode(message), expiresAt } }));
  }
}
