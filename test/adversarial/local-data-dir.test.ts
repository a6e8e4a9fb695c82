import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../local/emulators.js';
import { JOURNAL_COMPACT_MIN_BYTES } from '../../local/sqs/journal.js';
import { startSqsServer } from '../../local/sqs/sqs-server.js';

/**
 * `npm start -- --data DIR` holds what was accepted in DIR. Attacks on that directory:
 * a torn journal tail (kill -9 mid-write), and two runs started on it at once.
 */
const sqsOf = (url: string) => new SQSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

async function queueOn(sqs: SQSClient): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } }));
  return out.QueueUrl!;
}

async function bodies(sqs: SQSClient, url: string): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
    if (!out.Messages?.length) return got.sort();
    got.push(...out.Messages.map((m) => m.Body!));
  }
}

describe('the local data directory under attack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-adv-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a torn last journal line (kill -9 mid-write) is dropped at start, and the run after that starts cleanly too', async () => {
    const data = join(dir, 'torn');
    let server = await startSqsServer({ port: 0, dataDir: data });
    let sqs = sqsOf(server.url);
    let url = await queueOn(sqs);
    for (const b of ['a', 'b']) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: 'g', MessageDeduplicationId: b, MessageBody: b }));
    sqs.destroy();
    await server.close();
    appendFileSync(join(data, 'sqs', 'queues.journal'), '{"t":"send","q":"jobs.fifo","id":"x","seq":"9'); // the write a kill -9 cut short

    for (const expected of [['a', 'b', 'c'], ['a', 'b', 'c', 'd']]) {
      server = await startSqsServer({ port: 0, dataDir: data });
      sqs = sqsOf(server.url);
      url = await queueOn(sqs);
      const next = expected[expected.length - 1]!;
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: 'g', MessageDeduplicationId: next, MessageBody: next }));
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!;
      expect(Number(a.ApproximateNumberOfMessages)).toBe(expected.length);
      sqs.destroy();
      await server.close();
    }
    expect(readFileSync(join(data, 'sqs', 'queues.journal'), 'utf8').endsWith('\n')).toBe(true);
  });

  it('two runs started on one data directory at the same moment: only one gets it, and nothing either acknowledged is lost', async () => {
    const data = join(dir, 'twice');
    const started = await Promise.allSettled([startEmulators({ dataDir: data, dynamoPort: 0, sqsPort: 0 }), startEmulators({ dataDir: data, dynamoPort: 0, sqsPort: 0 })]);
    const running = started.filter((s): s is PromiseFulfilledResult<Emulators> => s.status === 'fulfilled').map((s) => s.value);
    const acknowledged: string[] = [];
    for (const [i, e] of running.entries()) {
      const sqs = sqsOf(e.sqsUrl);
      const url = await queueOn(sqs);
      for (const b of [`run${i}-1`, `run${i}-2`]) {
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: 'g', MessageDeduplicationId: b, MessageBody: b }));
        acknowledged.push(b);
      }
      sqs.destroy();
    }
    for (const e of running) await e.close();

    const after = await startEmulators({ dataDir: data, dynamoPort: 0, sqsPort: 0 });
    const sqs = sqsOf(after.sqsUrl);
    try {
      expect(running.length).toBe(1); // the second start is refused (the directory is in use)
      expect(await bodies(sqs, await queueOn(sqs))).toEqual(acknowledged.sort());
    } finally {
      sqs.destroy();
      await after.close();
    }
  });

  // The journal was compacted only when a run started, so it grew with every message a
  // run ever handled (send, receive and delete lines), however little was left in the
  // queue; and a start read it as one string, which Node refuses past 512 MiB
  // (ERR_STRING_TOO_LONG). Now it is compacted while running, once it is past
  // JOURNAL_COMPACT_MIN_BYTES and several times the live state, and read a chunk at a time.
  it('the journal does not keep growing with traffic that is done', { timeout: 30_000 }, async () => {
    const data = join(dir, 'growth');
    const server = await startSqsServer({ port: 0, dataDir: data });
    const sqs = sqsOf(server.url);
    try {
      const url = await queueOn(sqs);
      const body = 'x'.repeat(8 * 1024);
      const journal = join(data, 'sqs', 'queues.journal');
      let largest = 0;
      for (let round = 0; round < 100; round++) {
        const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: body, MessageGroupId: `g${i}`, MessageDeduplicationId: `r${round}-${i}` }));
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
        largest = Math.max(largest, statSync(journal).size);
      }
      // 1,000 messages of 8 KiB (8.4 MB of journal lines, twice the floor) came and went;
      // nothing is queued: the file never grew past the floor by more than one round's lines
      expect(largest).toBeLessThan(JOURNAL_COMPACT_MIN_BYTES + 256 * 1024);
    } finally {
      sqs.destroy();
      await server.close();
    }
  });
});
