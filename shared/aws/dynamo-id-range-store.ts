import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdRangeStore } from '../domain/ports/id-range-store.js';

/** Id ranges with one atomic `ADD max :step` per range (item `pk = name`). */
export class DynamoIdRangeStore implements IdRangeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async reserve(name: string, step: number): Promise<{ first: number; last: number }> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: name },
        UpdateExpression: 'ADD #max :step',
        ExpressionAttributeNames: { '#max': 'max' },
        ExpressionAttributeValues: { ':step': step },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const last = Number(out.Attributes?.max);
    return { first: last - step + 1, last };
  }
}
