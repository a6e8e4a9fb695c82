import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../shared/aws/clients.js';
import { createDocumentClient } from '../shared/aws/dynamo-client.js';
import { batchWriteAll } from '../shared/aws/dynamo-batch.js';
import { tableDefinitions } from '../shared/aws/tables.js';
import type { Config } from '../shared/config.js';

/** The job queue the local runtime creates (the cloud stack's is named by CDK). */
export const QUEUE_NAME = 'edgeim-jobs.fifo';

/** Creates edgeim's tables where they are missing. */
export async function ensureTables(config: Config): Promise<void> {
  const ddb = new DynamoDBClient(clientOptions(config, 'dynamodb'));
  try {
    const existing = new Set((await ddb.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const def of tableDefinitions(config)) {
      if (!existing.has(def.TableName ?? '')) await ddb.send(new CreateTableCommand(def));
    }
  } finally {
    ddb.destroy();
  }
}

/** Creates the FIFO job queue (as the stack declares it) and returns its URL. */
export async function ensureQueue(sqs: SQSClient, visibilityTimeout: number): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: QUEUE_NAME,
      Attributes: {
        FifoQueue: 'true',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: String(visibilityTimeout),
      },
    }),
  );
  return out.QueueUrl ?? '';
}

/**
 * Deletes every session (connections, user routing, room membership). A local run starts
 * with no connection, so sessions kept from a previous run (`--data`) are ghosts: their
 * connections died with that process.
 */
export async function clearSessions(config: Config): Promise<number> {
  const db = createDocumentClient(config);
  let removed = 0;
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(new ScanCommand({ TableName: config.EDGEIM_SESSIONS_TABLE, ProjectionExpression: 'pk, sk', ExclusiveStartKey: start }));
      const keys = (out.Items ?? []).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      await batchWriteAll(db, config.EDGEIM_SESSIONS_TABLE, keys);
      removed += keys.length;
      start = out.LastEvaluatedKey;
    } while (start);
  } finally {
    db.destroy();
  }
  return removed;
}
