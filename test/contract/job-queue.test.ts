import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { startSqsServer } from '../../local/sqs/sqs-server.js';
import { SqsJobQueue } from '../../shared/aws/sqs-job-queue.js';
import type { Job } from '../../shared/domain/model.js';
import type { JobQueue } from '../../shared/domain/ports/job-queue.js';
import { ManualClock } from '../../shared/memory/manual-clock.js';
import { DEDUP_WINDOW_MS, MemoryJobQueue } from '../../shared/memory/memory-job-queue.js';
import { useImplementation, type Implementation, type Opened } from './implementations.js';

/** A job as a consumer gets it, with its group. */
interface Received {
  job: Job;
  group: string;
}

/** The queue, and `receive`: every job a consumer can take now, in the order it gets them (each taken and finished). */
type OpenedQueue = Opened<JobQueue> & {
  receive(): Promise<Received[]>;
  /** Lets the queue's dedup window pass. */
  passWindow(): Promise<void>;
};

/** The local SQS's dedup window here (SQS's is 5 minutes): short, so the suite can let it pass. */
const SQS_WINDOW_MS = 2000;

const implementations: Implementation<JobQueue, OpenedQueue>[] = [
  {
    name: 'memory',
    open: async () => {
      const clock = new ManualClock();
      const queue = new MemoryJobQueue(clock);
      return {
        store: queue,
        receive: async () => queue.drain().map(({ job, group }) => ({ job, group })),
        passWindow: async () => clock.advance(DEDUP_WINDOW_MS),
        close: async () => undefined,
      };
    },
  },
  {
    name: 'SQS FIFO (the local SQS)',
    open: async () => {
      const server = await startSqsServer({ port: 0, dedupWindowMs: SQS_WINDOW_MS });
      const sqs = new SQSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } }),
      );
      const receive = async () => {
        const got: Received[] = [];
        for (;;) {
          const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['MessageGroupId'] }));
          const messages = out.Messages ?? [];
          if (messages.length === 0) return got;
          for (const m of messages) {
            got.push({ job: JSON.parse(m.Body!) as Job, group: m.Attributes!.MessageGroupId! });
            await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
          }
        }
      };
      return {
        store: new SqsJobQueue(sqs, QueueUrl!),
        receive,
        passWindow: () => new Promise((resolve) => setTimeout(resolve, SQS_WINDOW_MS + 100)),
        close: async () => {
          sqs.destroy();
          await server.close();
        },
      };
    },
  },
];

const push = (id: string, body: unknown = id): Job => ({ kind: 'push', push: { id, op: 1000, body, to: { user: 'u1' } } });
const idOf = (r: Received) => (r.job.kind === 'push' ? r.job.push.id : r.job.message.id);

/** The JobQueue contract (shared/domain/ports/job-queue.ts), run against every implementation. */
describe.each(implementations)('JobQueue contract: $name', (impl) => {
  let queue: JobQueue;
  let receive: () => Promise<Received[]>;
  let passWindow: () => Promise<void>;
  useImplementation(impl, (o) => ({ store: queue, receive, passWindow } = o));

  it('hands jobs out in enqueue order within a group, each with its group', async () => {
    for (const id of ['a1', 'a2', 'a3']) await queue.enqueue(push(id), { group: 'g-a', dedup: `d-${id}` });
    await queue.enqueue(push('b1'), { group: 'g-b', dedup: 'd-b1' });
    const got = await receive();
    expect(got.filter((r) => r.group === 'g-a').map(idOf)).toEqual(['a1', 'a2', 'a3']);
    expect(got.filter((r) => r.group === 'g-b').map(idOf)).toEqual(['b1']);
  });

  it('drops a (group, dedup) pair enqueued again within the window, even after its job ran; the same dedup id in another group is another job', async () => {
    await queue.enqueue(push('x1'), { group: 'g-x', dedup: 'same' });
    await queue.enqueue(push('x2'), { group: 'g-x', dedup: 'same' });
    expect((await receive()).map(idOf)).toEqual(['x1']);
    await queue.enqueue(push('x3'), { group: 'g-x', dedup: 'same' }); // x1 ran already: still a duplicate
    await queue.enqueue(push('y1'), { group: 'g-y', dedup: 'same' });
    expect((await receive()).map(idOf)).toEqual(['y1']);
  });

  it('after the dedup window the same pair is a new job', async () => {
    await queue.enqueue(push('w1'), { group: 'g-w', dedup: 'again' });
    await passWindow();
    await queue.enqueue(push('w2'), { group: 'g-w', dedup: 'again' });
    expect((await receive()).map(idOf)).toEqual(['w1', 'w2']);
  });

  it('carries any job exactly (characters SQS refuses in a body included)', async () => {
    const body = { text: 'a\uffffb\ufffe ünï 🙂', nested: [1.5, null, { e: '' }] };
    await queue.enqueue(push('body', body), { group: 'g-body', dedup: 'd-body' });
    const [got] = await receive();
    expect(got?.job).toEqual(push('body', body));
  });

  it('takes group and dedup ids of any characters, each its own (the SQS adapter makes them safe)', async () => {
    await queue.enqueue(push('odd1'), { group: 'has space', dedup: 'ü 🙂' });
    await queue.enqueue(push('odd2'), { group: 'has space', dedup: 'ü 🙂' }); // a repeat: dropped
    await queue.enqueue(push('odd3'), { group: 'has:space', dedup: 'ü 🙂' }); // another group: its own pair
    expect((await receive()).map(idOf).sort()).toEqual(['odd1', 'odd3']);
  });
});
