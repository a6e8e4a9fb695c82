import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { appFromEnv, type App } from '../shared/app.js';
import { DeliveryPlan } from '../shared/domain/delivery-plan.js';
import { planJob } from '../shared/domain/fanout.js';
import type { Job } from '../shared/domain/model.js';
import type { AppSource } from './ws-events.js';

/**
 * The fan-out job (goim's job) on SQS FIFO batches of up to 10.
 *
 * Phase 1 persists each record in order (SqsFifoPartialProcessor: the first failure fails
 * it and every record after it). Phase 2 delivers the frames of the successful records,
 * merged per connection. A delivery failure fails its earliest record and everything
 * after it, so they come back together and order holds; appends are idempotent, so the
 * retry stores nothing twice. 410 Gone removes the stale session.
 */
export const createFanoutJob =
  (getApp: AppSource) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const app = await getApp();
    const plan = new DeliveryPlan();
    const index = new Map(event.Records.map((r, i) => [r.messageId, i]));
    const persisted = await processPartialResponse(
      event,
      (record: SQSRecord) => planJob(app, parseJob(record), plan, index.get(record.messageId) ?? 0, app.logger),
      new SqsFifoPartialProcessorAsync(),
      { throwOnFullBatchFailure: false, ...(context ? { context } : {}) },
    );
    let failedFrom = Math.min(event.Records.length, ...persisted.batchItemFailures.map((f) => index.get(f.itemIdentifier) ?? 0));
    const delivered = await plan.deliver(
      app.delivery,
      app.config.EDGEIM_DELIVERY_CONCURRENCY,
      app.config.EDGEIM_MAX_PUSH_BYTES,
      (err, ref) => app.logger.warn('delivery failed; the record will be retried', { connectionId: ref.connectionId, err: String(err) }),
    );
    if (delivered.failedFrom !== undefined) failedFrom = Math.min(failedFrom, delivered.failedFrom);
    await removeGone(app, delivered.gone.map((ref) => ref.connectionId));
    return { batchItemFailures: event.Records.slice(failedFrom).map((r) => ({ itemIdentifier: r.messageId })) };
  };

function parseJob(record: SQSRecord): Job {
  return JSON.parse(record.body) as Job;
}

async function removeGone(app: App, connectionIds: string[]): Promise<void> {
  await Promise.all(
    connectionIds.map((id) =>
      app.sessions.remove(id).catch((err: unknown) => app.logger.warn('could not remove stale session', { connectionId: id, err: String(err) })),
    ),
  );
}

export const handler = createFanoutJob(appFromEnv);
