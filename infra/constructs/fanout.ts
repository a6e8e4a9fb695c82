import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FanoutProps {
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** The job function's timeout: the queue's visibility timeout is six times it (AWS's advice). */
  readonly jobTimeout: Duration;
}

export interface FanoutConsumerProps {
  readonly batchSize: number;
  readonly maxConcurrency: number;
}

/** Visibility timeout for a queue consumed by a function with this timeout. */
export const visibilityTimeoutFor = (jobTimeout: Duration) => Duration.seconds(jobTimeout.toSeconds() * 6);

/**
 * The job queue: SQS FIFO in high-throughput mode (dedup and throughput per message group,
 * i.e. per conversation), a FIFO dead-letter queue with redrive, and the job's event source.
 */
export class Fanout extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: FanoutProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: visibilityTimeoutFor(props.jobTimeout),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }

  /** Makes `job` the queue's consumer: batches with partial failures reported, bounded concurrency. */
  consumeWith(job: IFunction, props: FanoutConsumerProps): void {
    job.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
