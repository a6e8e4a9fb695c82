import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Job } from '../domain/model.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import { digestOf } from '../domain/queue-ids.js';

/** SQS's charset and length for MessageGroupId and MessageDeduplicationId. */
export const SQS_ID_PATTERN = /^[A-Za-z0-9!-/:-@[-`{-~]{1,128}$/;

/**
 * An id SQS accepts for any group or dedup id: SQS allows only alphanumerics and ASCII
 * punctuation, 1–128 chars (a space or emoji makes it refuse the send). The id itself
 * when SQS takes it (conversation ids `u:<a>:<b>`, `g:<gid>`, `r:<rid>`, `push:…` and
 * the domain's dedup ids usually are), else `h:` + its digest (no natural id starts with
 * `h:`): one-to-one in practice, readable where it can be.
 */
export function queueSafeId(id: string): string {
  return SQS_ID_PATTERN.test(id) ? id : `h:${digestOf([id])}`;
}

/** The fan-out job queue on SQS FIFO: MessageGroupId and MessageDeduplicationId are the domain's ids made SQS-safe (queueSafeId). */
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
        MessageGroupId: queueSafeId(options.group),
        MessageDeduplicationId: queueSafeId(options.dedup),
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
