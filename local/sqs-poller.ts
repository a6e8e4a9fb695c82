import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsPollerOptions {
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Lambda's FIFO batch size cap is 10. */
  batchSize?: number;
  /** Parallel pollers (Lambda scales FIFO by message group; groups stay ordered by SQS's group lock). */
  concurrency?: number;
  onError?: (err: unknown) => void;
}

/**
 * Lambda's SQS event source mapping, locally: long-polls batches of ≤ 10, invokes the
 * handler with a real SQS event, deletes the records that succeeded, and leaves reported
 * failures (or the whole batch, if the handler throws) to reappear after the visibility timeout.
 */
export class SqsPoller {
  private running = false;
  private inFlight = 0;
  private loops: Promise<void>[] = [];
  private readonly abort = new AbortController();

  constructor(
    private readonly sqs: SQSClient,
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    private readonly options: SqsPollerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency ?? 2 }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.all(this.loops);
  }

  /** Resolves when the queue is empty and no batch is being processed (or after `timeoutMs`). */
  async drain(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const a = out.Attributes ?? {};
      if (this.inFlight === 0 && Number(a.ApproximateNumberOfMessages) === 0 && Number(a.ApproximateNumberOfMessagesNotVisible) === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: 1,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length > 0) await this.invoke(messages);
      } catch (err) {
        if (!this.running) return;
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async invoke(messages: Message[]): Promise<void> {
    this.inFlight++;
    try {
      const event: SQSEvent = { Records: messages.map((m) => this.record(m)) };
      let failed: Set<string>;
      try {
        const response = await this.handler(event);
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        this.options.onError?.(err);
        return; // the whole batch comes back after the visibility timeout
      }
      const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
      if (done.length > 0) {
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    } finally {
      this.inFlight--;
    }
  }

  private record(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
        ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
        ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }
}
