import type { Job } from '../model.js';

/**
 * The durable, ordered hand-off to the fan-out job (goim's Kafka).
 *
 * Contract: once `enqueue` resolves, the job is durable and will be processed at least
 * once; jobs with the same `group` are processed in enqueue order, one at a time; a job
 * whose (`group`, `dedup`) pair was enqueued within the dedup window (SQS FIFO with
 * DeduplicationScope messageGroup: 5 minutes, counted from the first enqueue, even if that
 * job already ran) is dropped. `group` and `dedup` may hold any characters: an adapter
 * maps them one-to-one onto ids its medium accepts (domain/queue-ids.ts builds dedup
 * ids). The job learns whether it runs for the first time (SQS ApproximateReceiveCount).
 */
export interface JobQueue {
  enqueue(job: Job, options: { group: string; dedup: string }): Promise<void>;
}
