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
        MessageBody: queueText(job),
        MessageGroupId: options.group,
        MessageDeduplicationId: options.dedup,
      }),
    );
  }
}

/**
 * A job as an SQS message body. SQS takes only XML characters: JSON.stringify already
 * escapes controls and unpaired surrogates, but leaves U+FFFE and U+FFFF as they are,
 * and a body or cmid holding one made SQS refuse the send (INTERNAL, for every retry of
 * that cmid). They can stand only inside JSON strings, where `\uffff` reads the same.
 */
export function queueText(job: Job): string {
  return JSON.stringify(job).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
