import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Job } from '../domain/model.js';
import type { JobQueue } from '../domain/ports/job-queue.js';

/** The fan-out job queue on SQS FIFO: MessageGroupId and MessageDeduplicationId as the domain builds them (queue-ids.ts). */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: Job, options: { group: string; dedup: string }): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(job),
        MessageGroupId: options.group,
        MessageDeduplicationId: options.dedup,
      }),
    );
  }
}
