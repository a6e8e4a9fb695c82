import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AckKind } from '../domain/ports/timeline-store.js';
import { isConditionFailed } from './dynamo-batch.js';

/** Pointers one store instance remembers (least recently acked go first). */
const MAX_KNOWN_POINTERS = 10_000;

/**
 * The delivered/read pointers of the timelines table (DynamoTimelineStore):
 * `ptr#<uid>#<timeline>` / 0, one attribute per kind, only ever moved forward.
 */
export class TimelinePointers {
  /**
   * Pointer values this process knows are stored (a lower bound: pointers only move
   * forward): an ack at or below one writes nothing. A user's devices ack the same
   * pointer; the second ack through the same process costs no write.
   */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async ack(uid: string, timeline: string, kind: AckKind, seq: number): Promise<void> {
    const key = `${uid}#${timeline}#${kind}`;
    if ((this.known.get(key) ?? 0) >= seq) return;
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
    this.known.delete(key);
    this.known.set(key, seq);
    if (this.known.size > MAX_KNOWN_POINTERS) this.known.delete(this.known.keys().next().value as string);
  }

  /** The pointers; `delivered` is at least `read` (a read ack moves only `read`: one write). */
  async pointers(uid: string, timeline: string): Promise<{ delivered: number; read: number }> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `ptr#${uid}#${timeline}`, sk: 0 } }));
    const read = (out.Item?.read as number | undefined) ?? 0;
    return { delivered: Math.max(read, (out.Item?.delivered as number | undefined) ?? 0), read };
  }
}
