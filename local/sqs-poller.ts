import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsPollerOptions {
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Lambda's FIFO batch size cap is 10. */
  batchSize?: number;
  /** Parallel invocations (Lambda scales FIFO by message group; the queue keeps each group in order). */
  concurrency?: number;
  /** Long-poll wait; the local SQS and real SQS answer as soon as a message can be handed out. */
  waitTimeSeconds?: number;
  /**
   * The queue's visibility timeout, in seconds. While an invocation runs, its messages
   * are kept invisible (Lambda guarantees this by requiring a visibility timeout above
   * the function timeout); only a reported failure brings a message back.
   */
  visibilityTimeout?: number;
  onError?: (err: unknown) => void;
}

/**
 * Lambda's SQS event source mapping, locally: `concurrency` pollers each long-poll a batch
 * of ≤ 10, invoke the handler with a real SQS event, delete the records that succeeded,
 * and leave reported failures (or the whole batch, if the handler throws) to come back
 * after the visibility timeout. Message-group order and locks are the queue's (SQS FIFO,
 * and the local SQS the same way).
 */
export class SqsPoller {
  private running = false;
  private inFlight = 0;
  /** Set while paused: receives wait for it (benchmarks build a backlog, as a busy queue has). */
  private paused: { done: Promise<void>; resume: () => void } | undefined;
  /** Receives waiting now (a pause cancels them, so nothing queued after it is handed out before the resume). */
  private readonly receiving = new Set<AbortController>();
  private workers: Promise<void>[] = [];
  private abort = new AbortController();

  constructor(
    private readonly sqs: SQSClient,
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    private readonly options: SqsPollerOptions,
  ) {}

  /** Starts polling (again, after `stop`: a stopped poller is a paused one). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.workers = Array.from({ length: this.options.concurrency ?? 2 }, () => this.loop());
  }

  /** Stops polling; resolves once the invocations under way have finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.resume();
    this.abort.abort();
    await Promise.all(this.workers);
  }

  /**
   * Receives nothing until `resume()` (a receive already waiting may still return):
   * benchmarks queue a backlog and then let the job work through it in full batches, as
   * Lambda does when messages arrive faster than it processes them.
   */
  pause(): void {
    if (this.paused) return;
    let resume!: () => void;
    const done = new Promise<void>((r) => (resume = r));
    this.paused = { done, resume };
    for (const waiting of this.receiving) waiting.abort();
  }

  resume(): void {
    const paused = this.paused;
    this.paused = undefined;
    paused?.resume();
  }

  /** Jobs waiting or in flight in the queue. */
  async remaining(): Promise<number> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const a = out.Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /** Resolves true when the queue is empty and no batch is being processed, false after `timeoutMs`. */
  async drain(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.remaining()) === 0 && this.inFlight === 0) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (this.paused) {
        await this.paused.done;
        continue;
      }
      const receive = new AbortController();
      this.receiving.add(receive);
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          // a long poll may be silent for its whole wait: the client's request timeout comes on top
          { abortSignal: AbortSignal.any([this.abort.signal, receive.signal]), requestTimeout: ((this.options.waitTimeSeconds ?? 20) + 10) * 1000 },
        );
        this.receiving.delete(receive);
        if (out.Messages?.length) await this.invoke(out.Messages);
      } catch (err) {
        this.receiving.delete(receive);
        if (!this.running) return;
        if (receive.signal.aborted) continue; // cancelled by pause()
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async invoke(messages: Message[]): Promise<void> {
    this.inFlight++;
    const keepInvisible = this.keepInvisible(messages);
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
      clearInterval(keepInvisible);
      this.inFlight--;
    }
  }

  /** Renews the batch's invisibility every half timeout until the invocation ends. */
  private keepInvisible(messages: Message[]): NodeJS.Timeout | undefined {
    const seconds = this.options.visibilityTimeout;
    if (!seconds) return undefined;
    const timer = setInterval(() => {
      this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: seconds })),
          }),
        )
        .catch((err: unknown) => this.options.onError?.(err));
    }, (seconds * 1000) / 2);
    timer.unref();
    return timer;
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
