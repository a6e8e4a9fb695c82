import { fork } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompactStep } from '../../local/sqs/journal.js';
import { startSqsServer } from '../../local/sqs/sqs-server.js';

/**
 * The local SQS's journal (`--data DIR`) under long runs: compacted while running without
 * losing an acknowledged change, even when the process is killed in the middle of a
 * compaction, and read back at start however large it grew.
 */
const sqsOf = (url: string) => new SQSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
const journalOf = (data: string) => join(data, 'sqs', 'queues.journal');

async function queueOn(sqs: SQSClient): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } }));
  return out.QueueUrl!;
}

/** Every message in the queue (kept invisible while collecting), sorted by body. */
async function drainAll(sqs: SQSClient, url: string): Promise<Message[]> {
  const got: Message[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, MessageSystemAttributeNames: ['All'] }));
    if (!out.Messages?.length) return got.sort((a, b) => a.Body!.localeCompare(b.Body!));
    got.push(...out.Messages);
  }
}

describe('the local SQS journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeim-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is compacted while running and a restart finds exactly what was live: messages, receive counts, dedup ids', async () => {
    const data = join(dir, 'running');
    const body = (i: number) => `${String(i).padStart(4, '0')}:${'y'.repeat(2048)}`;
    let server = await startSqsServer({ port: 0, dataDir: data, journal: { compactMinBytes: 64 * 1024 } });
    let sqs = sqsOf(server.url);
    let url = await queueOn(sqs);
    const firstIds = new Map<number, string>();
    let largest = 0;
    for (let i = 0; i < 300; i++) {
      const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: `g${i % 10}`, MessageDeduplicationId: `d${i}`, MessageBody: body(i) }));
      firstIds.set(i, out.MessageId!);
      if (i % 10 === 9 && i < 200) {
        const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.map((m, n) => ({ Id: `d${n}`, ReceiptHandle: m.ReceiptHandle! })) }));
      }
      if (i < 200) largest = Math.max(largest, statSync(journalOf(data)).size);
    }
    const inFlight = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }))).Messages ?? [];
    expect(inFlight.length).toBe(10);
    // the first 200 came and went (over 400 KiB of lines) while at most 10 were queued: compacted along the way
    expect(largest).toBeLessThan(256 * 1024);
    sqs.destroy();
    await server.close();

    server = await startSqsServer({ port: 0, dataDir: data });
    sqs = sqsOf(server.url);
    try {
      url = await queueOn(sqs);
      // a dedup id whose message was deleted long ago is still in its window: the first id answers
      const again = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: 'g0', MessageDeduplicationId: 'd0', MessageBody: body(0) }));
      expect(again.MessageId).toBe(firstIds.get(0));
      const left = await drainAll(sqs, url);
      expect(left.map((m) => Number(m.Body!.slice(0, 4)))).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
      expect(left.map((m) => m.MessageId)).toEqual(Array.from({ length: 100 }, (_, i) => firstIds.get(200 + i)));
      // the ten in flight when the run stopped were received once before
      const counts = new Map(left.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount]));
      expect(inFlight.map((m) => counts.get(m.MessageId))).toEqual(inFlight.map(() => '2'));
    } finally {
      sqs.destroy();
      await server.close();
    }
  });

  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

  it.each<CompactStep>(['writing', 'written', 'renamed'])('kill -9 while compacting (%s): every acknowledged send and delete holds after restart', { timeout: 60_000 }, async (step) => {
    const data = join(dir, `killed-${step}`);
    const child = fork(new URL('../helpers/sqs-killed-mid-compaction.ts', import.meta.url), [data, step, String(3 * 1024 * 1024)], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', () => reject(new Error('the SQS process died while starting')));
    });
    const sqs = sqsOf(`http://127.0.0.1:${port}`);
    const live = new Set<string>();
    const deleted = new Set<string>();
    /** The body of the request under way when the process died: it may or may not have been applied. */
    const unsure = new Set<string>();
    try {
      const url = await queueOn(sqs);
      for (let i = 0; ; i++) {
        const b = `${String(i).padStart(4, '0')}:${'z'.repeat(20 * 1024)}`;
        try {
          await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: `g${i}`, MessageDeduplicationId: `d${i}`, MessageBody: b }));
        } catch {
          unsure.add(b);
          break;
        }
        live.add(b);
        if (i % 10 !== 9) continue;
        let got: Message[] = [];
        try {
          got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }))).Messages ?? [];
          const doomed = got.slice(0, 2); // the rest stays in flight: back at restart
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: doomed.map((m, n) => ({ Id: `d${n}`, ReceiptHandle: m.ReceiptHandle! })) }));
          for (const m of doomed) {
            live.delete(m.Body!);
            deleted.add(m.Body!);
          }
        } catch {
          for (const m of got.slice(0, 2)) unsure.add(m.Body!);
          break;
        }
        if (i > 2000) throw new Error('no compaction happened');
      }
    } finally {
      sqs.destroy();
    }
    expect(await exited).toBe('SIGKILL');
    expect([live.size > 100, deleted.size > 10, unsure.size <= 2]).toEqual([true, true, true]);
    expect(existsSync(`${journalOf(data)}.tmp`)).toBe(step !== 'renamed'); // killed where the test meant it to be

    const server = await startSqsServer({ port: 0, dataDir: data });
    const after = sqsOf(server.url);
    try {
      const bodies = (await drainAll(after, await queueOn(after))).map((m) => m.Body!);
      const found = new Set(bodies);
      expect(bodies.length).toBe(found.size); // nothing twice
      expect([...live].filter((b) => !found.has(b) && !unsure.has(b))).toEqual([]); // nothing acknowledged is lost
      expect(bodies.filter((b) => (deleted.has(b) || !live.has(b)) && !unsure.has(b))).toEqual([]); // nothing deleted comes back
    } finally {
      after.destroy();
      await server.close();
    }
  });

  it('a journal larger than the longest string Node can hold (512 MiB) is read at start', { timeout: 120_000 }, async () => {
    // A run that sent and deleted 560 messages of 1 MiB and was then killed before compacting,
    // leaving one message queued; the file is written directly (what that run's journal held).
    const data = join(dir, 'huge');
    mkdirSync(join(data, 'sqs'), { recursive: true });
    const fd = openSync(journalOf(data), 'w');
    const big = 'h'.repeat(1024 * 1024 - 64);
    const line = (r: unknown) => Buffer.from(`${JSON.stringify(r)}\n`);
    try {
      writeSync(fd, line({ t: 'queue', name: 'jobs.fifo', attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup', VisibilityTimeout: '30' }, createdAt: Date.now() }));
      const now = Date.now();
      for (let i = 0; i < 560; i++) {
        const id = `m-${i}`;
        writeSync(fd, line({ t: 'send', q: 'jobs.fifo', id, seq: String(10n ** 19n + BigInt(i)), group: 'g', dedup: `d${i}`, body: big, sentAt: now }));
        writeSync(fd, line({ t: 'delete', q: 'jobs.fifo', ids: [id] }));
      }
      writeSync(fd, line({ t: 'send', q: 'jobs.fifo', id: 'kept', seq: String(10n ** 19n + 1000n), group: 'g', dedup: 'kept', body: 'still queued', sentAt: now }));
    } finally {
      closeSync(fd);
    }
    expect(statSync(journalOf(data)).size).toBeGreaterThan(0x1fffffe8);

    const server = await startSqsServer({ port: 0, dataDir: data });
    const sqs = sqsOf(server.url);
    try {
      const url = await queueOn(sqs);
      expect((await drainAll(sqs, url)).map((m) => [m.MessageId, m.Body])).toEqual([['kept', 'still queued']]);
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
      expect(a.ApproximateNumberOfMessagesNotVisible).toBe('1');
      expect(statSync(journalOf(data)).size).toBeLessThan(1024 * 1024); // compacted at start
    } finally {
      sqs.destroy();
      await server.close();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
