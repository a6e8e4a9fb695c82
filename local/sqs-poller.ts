import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsPollerOptions {
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Lambda's FIFO batch size cap is 10. */
  batchSize?: number;
  /** Parallel invocations (Lambda scales FIFO by message group; each group stays in order). */
  concurrency?: number;
  /**
   * Long-poll wait. The embedded SQS holds a receive for the whole wait unless it fills
   * the batch, so the local stack short-polls it (0: answers within ~40 ms); real SQS and
   * LocalStack answer a long poll as soon as a message arrives.
   */
  waitTimeSeconds?: number;
  /**
   * The queue's visibility timeout, in seconds. While an invocation runs, its messages
   * are kept invisible (Lambda guarantees this by requiring a visibility timeout above
   * the function timeout); only a reported failure brings a message back.
   */
  visibilityTimeout?: number;
  onError?: (err: unknown) => void;
}

const groupOf = (m: Message) => m.Attributes?.MessageGroupId;

/**
 * Lambda's SQS event source mapping, locally: long-polls batches of ≤ 10, invokes the
 * handler with a real SQS event, deletes the records that succeeded, and leaves reported
 * failures (or the whole batch, if the handler throws) to reappear after the visibility timeout.
 *
 * It also keeps SQS FIFO's message-group lock, which the embedded SQS lacks: while a
 * group has a message in flight, or a failed message waiting for its retry, later
 * messages of that group are handed back (visibility 0) instead of processed, so a
 * group is always processed in order, as on AWS.
 */
export class SqsPoller {
  /** In-flight message count per group. */
  private readonly busy = new Map<string, number>();
  /** Group → the failed message that must be processed before anything else of the group. */
  private readonly awaitingRetry = new Map<string, string>();
  private running = false;
  private inFlight = 0;
  private receiving: Promise<void> | undefined;
  private readonly invocations = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly sqs: SQSClient,
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    private readonly options: SqsPollerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.receiving = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.receiving;
    await Promise.all(this.invocations);
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

  /**
   * One receive at a time (concurrent receives on the embedded SQS can return a group's
   * later message before its earlier one), dispatching up to `concurrency` invocations.
   */
  private async loop(): Promise<void> {
    const concurrency = this.options.concurrency ?? 2;
    while (this.running) {
      try {
        while (this.invocations.size >= concurrency) await Promise.race(this.invocations);
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        const { take, release } = this.admit(out.Messages ?? []);
        if (release.length > 0) await this.release(release);
        if (take.length > 0) {
          const run = this.invoke(take).finally(() => this.invocations.delete(run));
          this.invocations.add(run);
        }
      } catch (err) {
        if (!this.running) return;
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Splits a received batch into what may run now and what its group lock holds back. */
  private admit(messages: Message[]): { take: Message[]; release: Message[] } {
    const take: Message[] = [];
    const release: Message[] = [];
    const blocked = new Set<string>();
    for (const m of messages) {
      const group = groupOf(m);
      if (group === undefined) {
        take.push(m);
        continue;
      }
      const waitingFor = this.awaitingRetry.get(group);
      if (blocked.has(group) || (this.busy.get(group) ?? 0) > 0 || (waitingFor !== undefined && waitingFor !== m.MessageId)) {
        blocked.add(group);
        release.push(m);
      } else {
        take.push(m);
      }
    }
    for (const m of take) {
      const group = groupOf(m);
      if (group !== undefined) this.busy.set(group, (this.busy.get(group) ?? 0) + 1);
    }
    return { take, release };
  }

  /** Hands messages back to the queue at once (visibility 0). */
  private release(messages: Message[]): Promise<void> {
    return this.setVisibility(messages, 0);
  }

  private async setVisibility(messages: Message[], seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: seconds })),
      }),
    );
  }

  private async invoke(messages: Message[]): Promise<void> {
    this.inFlight++;
    let failed = new Set(messages.map((m) => m.MessageId ?? ''));
    const keepInvisible = this.keepInvisible(messages);
    try {
      const event: SQSEvent = { Records: messages.map((m) => this.record(m)) };
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
      clearInterval(keepInvisible);
      this.settle(messages, failed);
      this.inFlight--;
    }
  }

  /** Renews the batch's invisibility every half timeout until the invocation ends. */
  private keepInvisible(messages: Message[]): NodeJS.Timeout | undefined {
    const seconds = this.options.visibilityTimeout;
    if (!seconds) return undefined;
    const timer = setInterval(() => {
      this.setVisibility(messages, seconds).catch((err: unknown) => this.options.onError?.(err));
    }, (seconds * 1000) / 2);
    timer.unref();
    return timer;
  }

  /** Unlocks the batch's groups; a group with a failure waits for that message's retry. */
  private settle(messages: Message[], failed: Set<string>): void {
    for (const m of messages) {
      const group = groupOf(m);
      if (group === undefined) continue;
      const left = (this.busy.get(group) ?? 1) - 1;
      if (left > 0) this.busy.set(group, left);
      else this.busy.delete(group);
      const id = m.MessageId ?? '';
      if (failed.has(id)) {
        if (!this.awaitingRetry.has(group) || this.awaitingRetry.get(group) === id) this.awaitingRetry.set(group, id);
      } else if (this.awaitingRetry.get(group) === id) {
        this.awaitingRetry.delete(group);
      }
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
