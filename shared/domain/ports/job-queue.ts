import type { Job } from '../model.js';

/**
 * The durable, ordered hand-off to the fan-out job (goim's Kafka).
 *
 * Contract: once `enqueue` resolves, the job is durable and will be processed at least
 * once; jobs with the same `group` are processed in enqueue order; a job with the same
 * `dedup` id as one enqueued within the dedup window (SQS: 5 minutes) is dropped.
 */
export interface JobQueue {
  enqueue(job: Job, options: { group: string; dedup: string }): Promise<void>;
}
