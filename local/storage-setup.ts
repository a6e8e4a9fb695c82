import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../shared/aws/clients.js';
import { createDocumentClient } from '../shared/aws/dynamo-client.js';
import { batchWriteAll } from '../shared/aws/dynamo-batch.js';
import { tableDefinitions } from '../shared/aws/tables.js';
import type { Config } from '../shared/config.js';

/** The job queue the local runtime creates (the cloud stack's is named by CDK). */
export const QUEUE_NAME = 'edgeim-jobs.fifo';
/** Its dead-letter queue. */
export const DEAD_LETTER_QUEUE_NAME = 'edgeim-jobs-dlq.fifo';

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

export interface JobQueues {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/**
 * Creates the FIFO job queue and its FIFO dead-letter queue as the stack declares them:
 * a message received `maxReceiveCount` times without success moves to the dead-letter
 * queue (SQS's RedrivePolicy), so one that always fails cannot hold its conversation
 * forever. The policy is set on an existing queue too (a data directory of an older run).
 */
export async function ensureQueues(sqs: SQSClient, visibilityTimeout: number, maxReceiveCount: number): Promise<JobQueues> {
  const fifo = { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };
  const deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: DEAD_LETTER_QUEUE_NAME, Attributes: { ...fifo, MessageRetentionPeriod: String(14 * 86_400) } }))).QueueUrl ?? '';
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: QUEUE_NAME, Attributes: { ...fifo, VisibilityTimeout: String(visibilityTimeout) } }))).QueueUrl ?? '';
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { VisibilityTimeout: String(visibilityTimeout), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount }) },
    }),
  );
  return { queueUrl, deadLetterQueueUrl };
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
