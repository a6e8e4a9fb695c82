import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSqsServer, type RunningSqsServer } from '../../local/sqs/sqs-server.js';

/** The local SQS (local/sqs) through the real AWS SDK client, as the stack and the poller use it. */
describe('local SQS FIFO queue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-sqs-'));
  const open: { server: RunningSqsServer; sqs: SQSClient }[] = [];
  afterEach(async () => {
    for (const { server, sqs } of open.splice(0)) {
      sqs.destroy();
      await server.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(options: { dataDir?: string; dedupWindowMs?: number; visibility?: number } = {}) {
    const server = await startSqsServer({ port: 0, ...options });
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    open.push({ server, sqs });
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'jobs.fifo',
        Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', VisibilityTimeout: String(options.visibility ?? 30) },
      }),
    );
    const url = QueueUrl!;
    const send = (group: string, body: string, dedup = body) => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: group, MessageDeduplicationId: dedup, MessageBody: body }));
    const receive = async (max = 10, wait = 0) =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
    const remove = (ms: Message[]) => sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: ms.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    const counts = async () => {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
      return [Number(a.ApproximateNumberOfMessages), Number(a.ApproximateNumberOfMessagesNotVisible)];
    };
    return { server, sqs, url, send, receive, remove, counts };
  }

  it('hands out a group in order and locks it while any of its messages is in flight', async () => {
    const q = await start();
    for (const body of ['a1', 'a2', 'a3']) await q.send('a', body);
    await q.send('b', 'b1');
    const first = await q.receive(2);
    expect(first.map((m) => m.Body)).toEqual(['a1', 'a2']);
    // a is locked (a3 waits behind the in-flight a1, a2); b is free
    expect((await q.receive(10)).map((m) => m.Body)).toEqual(['b1']);
    expect(await q.receive(10)).toEqual([]);
    // a2 comes back before anything later in its group
    await q.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: first[1]!.ReceiptHandle!, VisibilityTimeout: 0 }));
    expect(await q.receive(10)).toEqual([]); // a1 still in flight: still locked
    await q.sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: first[0]!.ReceiptHandle! }));
    const again = await q.receive(10);
    expect(again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['a2', '2'],
      ['a3', '1'],
    ]);
    expect(again[0]!.Attributes?.MessageGroupId).toBe('a');
  });

  it('drops a repeat dedup id within the window per message group, even after the first was deleted', async () => {
    const q = await start();
    const one = await q.send('g1', 'x', 'same');
    const dup = await q.send('g1', 'y', 'same');
    expect(dup.MessageId).toBe(one.MessageId);
    await q.send('g2', 'z', 'same'); // another group: its own scope
    const got = await q.receive(10);
    expect(got.map((m) => m.Body).sort()).toEqual(['x', 'z']);
    await q.remove(got);
    expect((await q.send('g1', 'again', 'same')).MessageId).toBe(one.MessageId);
    expect(await q.receive(10)).toEqual([]);
  });

  it('accepts a repeat once the dedup window has passed', async () => {
    const q = await start({ dedupWindowMs: 50 });
    await q.send('g', 'first', 'd');
    await q.remove(await q.receive());
    await new Promise((r) => setTimeout(r, 80));
    await q.send('g', 'second', 'd');
    expect((await q.receive()).map((m) => m.Body)).toEqual(['second']);
  });

  it('answers a long poll as soon as a message is sent, and when a visibility timeout ends', async () => {
    const q = await start({ visibility: 1 });
    const polling = q.receive(10, 20);
    await new Promise((r) => setTimeout(r, 50));
    await q.send('g', 'wake');
    const [m] = await polling;
    expect(m?.Body).toBe('wake');
    const [back] = await q.receive(10, 20); // nothing else: the poll wakes when m's 1 s visibility ends
    expect([back?.Body, back?.Attributes?.ApproximateReceiveCount]).toEqual(['wake', '2']);
  });

  it('refuses what SQS refuses: ids with spaces or over 128 chars, bad bodies, per-message delay', async () => {
    const q = await start();
    await expect(q.send('g', 'x', 'has space')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(q.send('g h', 'x', 'd')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(q.send('g', 'x', 'd'.repeat(129))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(q.send('g', 'bad \u0001 char', 'd2')).rejects.toMatchObject({ name: 'InvalidMessageContents' });
    await expect(q.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageGroupId: 'g', MessageDeduplicationId: 'd3', MessageBody: 'x', DelaySeconds: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    const batch = await q.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: 'ok', MessageGroupId: 'g', MessageDeduplicationId: 'e1', MessageBody: '🙂 fine' },
          { Id: 'bad', MessageGroupId: 'g', MessageDeduplicationId: 'e 2', MessageBody: 'x' },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(batch.Failed?.map((f) => [f.Id, f.Code])).toEqual([['bad', 'InvalidParameterValue']]);
    expect((await q.receive()).map((m) => m.Body)).toEqual(['🙂 fine']);
  });

  it('with a data directory, keeps what it acknowledged, receive counts and dedup ids across a restart', async () => {
    const data = join(dir, 'restart');
    const a = await start({ dataDir: data });
    for (const body of ['m1', 'm2', 'm3']) await a.send('g', body);
    await a.remove((await a.receive(1)).slice(0, 1)); // m1 done
    expect((await a.receive(1)).map((m) => m.Body)).toEqual(['m2']); // m2 in flight when "the process dies"
    open.splice(0);
    a.sqs.destroy();
    await a.server.close();

    const b = await start({ dataDir: data });
    expect(await b.counts()).toEqual([2, 0]);
    expect((await b.send('g', 'dup', 'm1')).MessageId).toBeDefined(); // m1's dedup id is still in its window
    const got = await b.receive(10);
    expect(got.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['m2', '2'],
      ['m3', '1'],
    ]);
  });
});
