import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyStore, IdempotentRecord } from '../domain/ports/idempotency-store.js';
import { isConditionFailed } from './dynamo-batch.js';
import { TTL_ATTRIBUTE } from './tables.js';

/**
 * Idempotency records in the timelines table, beside the sender log: `idem#<key>` / 0
 * holds `{h: digest, r: answer as JSON text, at}` and its expiry in TTL_ATTRIBUTE (DynamoDB's TTL removes it;
 * reads treat it as gone once expired). No other key of the table starts with `idem#`,
 * and the key is the item key's only free-form part, last, so no two keys share an item.
 * A claim is one conditional PutItem; a repeat costs one more consistent GetItem.
 */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claim(key: string, record: IdempotentRecord, expiresAt: number): Promise<IdempotentRecord | undefined> {
    const Key = { pk: `idem#${key}`, sk: 0 };
    for (;;) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...Key, h: record.hash, r: JSON.stringify(record.result), at: record.at, [TTL_ATTRIBUTE]: expiresAt },
            ConditionExpression: `attribute_not_exists(pk) OR ${TTL_ATTRIBUTE} <= :now`,
            ExpressionAttributeValues: { ':now': this.nowSeconds() },
          }),
        );
        return undefined;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      const item = out.Item;
      // released (or expired) between the two calls: claim again
      if (item && (item[TTL_ATTRIBUTE] as number) > this.nowSeconds()) return { hash: item.h as string, result: JSON.parse(item.r as string) as unknown, at: item.at as number };
    }
  }

  async release(key: string, record: IdempotentRecord): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `idem#${key}`, sk: 0 },
          ConditionExpression: 'h = :h AND #at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':h': record.hash, ':at': record.at },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // held by another claim now: not ours to remove
    }
  }
}
