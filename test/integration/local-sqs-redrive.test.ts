import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { DeadLettered } from '../../local/sqs/fifo-queue.js';
import { startSqsServer, type RunningSqsServer } from '../../local/sqs/sqs-server.js';

/**
 * The local SQS's dead-letter queues (SQS's RedrivePolicy), through the real AWS SDK: a
 * message received maxReceiveCount times without being deleted moves to the dead-letter
 * queue and its message group moves on, as on AWS.
 */
describe('local SQS redrive to a dead-letter queue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-redrive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(dataDir: string, moved?: DeadLettered[]) {
    const server: RunningSqsServer = await startSqsServer({ port: 0, dataDir, ...(moved ? { onDeadLetter: (m: DeadLettered) => moved.push(m) } : {}) });
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const fifo = { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs-dlq.fifo', Attributes: fifo }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: fifo }))).QueueUrl!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) } }));
    const receive = async (queue: string, wait = 0, max = 10): Promise<Message[]> =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
    const fail = (m: Message) => sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
    const send = (group: string, body: string) => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: group, MessageDeduplicationId: body, MessageBody: body }));
    const close = async () => {
      sqs.destroy();
      await server.close();
    };
    return { sqs, url, dlq, dlqArn, receive, fail, send, close };
  }

  it('moves a message received maxReceiveCount times to the dead-letter queue; its group moves on; the move survives a restart', async () => {
    const data = join(dir, 'moves');
    const moved: DeadLettered[] = [];
    let q = await start(data, moved);
    const poisoned = await q.send('a', 'a1');
    await q.send('a', 'a2');
    const dlqPoll = q.receive(q.dlq, 5); // a long poll on the dead-letter queue, woken by the move
    for (let attempt = 1; attempt <= 2; attempt++) {
      const got = await q.receive(q.url, 0, 1);
      expect(got.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['a1', String(attempt)]]);
      await q.fail(got[0]!);
    }
    // a1 failed twice: the next receive moves it and hands out a2 in its place
    expect((await q.receive(q.url)).map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['a2', '1']]);
    const dead = await dlqPoll;
    expect(dead.map((m) => [m.MessageId, m.Body, m.Attributes?.MessageGroupId])).toEqual([[poisoned.MessageId, 'a1', 'a']]);
    expect(moved).toEqual([{ queue: 'jobs.fifo', deadLetterQueue: 'jobs-dlq.fifo', id: poisoned.MessageId, group: 'a', receiveCount: 2 }]);
    await q.close();

    q = await start(data);
    try {
      const attrs = (await q.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['RedrivePolicy'] }))).Attributes!;
      expect(JSON.parse(attrs.RedrivePolicy!)).toEqual({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: 2 });
      expect((await q.receive(q.dlq)).map((m) => m.Body)).toEqual(['a1']);
      expect((await q.receive(q.url)).map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['a2', '2']]); // in flight when the run stopped: back
    } finally {
      await q.close();
    }
  });

  it('says loudly which message and group it dead-lettered (stderr by default)', async () => {
    const q = await start(join(dir, 'loud'));
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const sent = await q.send('conv-7', 'x1');
      for (let i = 0; i < 2; i++) await q.fail((await q.receive(q.url))[0]!);
      expect(await q.receive(q.url)).toEqual([]);
      expect(said.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining(`message ${sent.MessageId} of group conv-7`)]);
    } finally {
      said.mockRestore();
      await q.close();
    }
  });

  it('refuses a RedrivePolicy as SQS does: a target that does not exist, a maxReceiveCount out of 1-1000', async () => {
    const q = await start(join(dir, 'refused'));
    try {
      const set = (policy: unknown) => q.sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { RedrivePolicy: JSON.stringify(policy) } }));
      await expect(set({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nothing.fifo', maxReceiveCount: 5 })).rejects.toThrow(/Dead letter target does not exist/);
      await expect(set({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: 0 })).rejects.toThrow(/maxReceiveCount/);
      await expect(set({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: 1001 })).rejects.toThrow(/maxReceiveCount/);
      await expect(q.sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { RedrivePolicy: 'not json' } }))).rejects.toThrow(/RedrivePolicy/);
    } finally {
      await q.close();
    }
  });
});
