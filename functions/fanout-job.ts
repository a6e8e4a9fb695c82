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
 * merged per connection. A delivery that may succeed later (5xx, throttling, API Gateway
 * out of reach) fails its earliest record and everything after it, so they come back
 * together and order holds; appends are idempotent, so the retry stores nothing twice.
 * A frame refused for good (a 4xx but 410) is logged and skipped. 410 Gone removes the
 * stale session, and so does a gateway task that cannot be reached (refused, or silent
 * past EDGEIM_DELIVERY_TIMEOUT_MS): its connections died with it, and the record goes on
 * for everyone else. A record's first receive pushes stored messages only where they
 * were new (a repeat send enqueued again delivers nothing twice: fanout.ts).
 */
export const createFanoutJob =
  (getApp: AppSource) =>
  async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const app = await getApp();
    const plan = new DeliveryPlan();
    const index = new Map(event.Records.map((r, i) => [r.messageId, i]));
    const persisted = await processPartialResponse(
      event,
      (record: SQSRecord) =>
        planJob(app, parseJob(record), plan, index.get(record.messageId) ?? 0, app.logger, { first: record.attributes.ApproximateReceiveCount === '1' }),
      new SqsFifoPartialProcessorAsync(),
      { throwOnFullBatchFailure: false, ...(context ? { context } : {}) },
    );
    let failedFrom = Math.min(event.Records.length, ...persisted.batchItemFailures.map((f) => index.get(f.itemIdentifier) ?? 0));
    const delivered = await plan.deliver(
      app.delivery,
      app.config.EDGEIM_DELIVERY_CONCURRENCY,
      app.config.EDGEIM_MAX_PUSH_BYTES,
      (err, ref, outcome) => app.logger.warn(FAILURE_LOG[outcome], { connectionId: ref.connectionId, endpoint: ref.endpoint, err: String(err) }),
    );
    if (delivered.failedFrom !== undefined) failedFrom = Math.min(failedFrom, delivered.failedFrom);
    await removeGone(app, [...new Set(delivered.gone.map((ref) => ref.connectionId))]);
    return { batchItemFailures: event.Records.slice(failedFrom).map((r) => ({ itemIdentifier: r.messageId })) };
  };

const FAILURE_LOG = {
  retry: 'delivery failed; the record will be retried',
  skipped: 'delivery refused for good (not retried); the frame is skipped',
  gone: 'gateway task unreachable; its connections are removed as gone',
} as const;

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
