import { createServer, type Server } from 'node:http';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../shared/domain/model.js';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * A job that always fails (a recipient's gateway task answers every call with a 5xx) in
 * the local stack: like the cloud stack's FIFO dead-letter queue, the local queue moves
 * the message to its dead-letter queue after EDGEIM_QUEUE_MAX_RECEIVE_COUNT receives,
 * other conversations keep flowing meanwhile, and the poisoned one moves on after it.
 */
describe('the local job queue dead-letters a message that always fails', () => {
  const t = useTestStack({ env: { EDGEIM_DELIVERY_MAX_ATTEMPTS: '1', EDGEIM_QUEUE_MAX_RECEIVE_COUNT: '3' } });
  let calls = 0;
  /** A gateway task that answers 500 to everything. */
  const broken: Server = createServer((req, res) => {
    calls++;
    req.resume();
    res.writeHead(500).end();
  });
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', () => resolve()));
    endpoint = `http://127.0.0.1:${(broken.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => broken.close(() => resolve())));

  it('moves it to the dead-letter queue (readable with the SQS client) while other conversations flow; its conversation then moves on', { timeout: 60_000 }, async () => {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: t.stack.config.AWS_ENDPOINT_URL_SQS!, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const dlq = t.stack.deadLetterQueueUrl!;
    const deadLetters = async () => Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages);
    try {
      const policy = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: t.stack.config.EDGEIM_QUEUE_URL, AttributeNames: ['RedrivePolicy'] }))).Attributes!.RedrivePolicy!;
      expect(JSON.parse(policy)).toMatchObject({ maxReceiveCount: 3 });

      const [alice, bob] = await Promise.all([t.connect('dl-alice'), t.connect('dl-bob')]);
      const now = Date.now();
      const session: Session = { connectionId: 'dl-zed-broken', uid: 'dl-zed', endpoint, kind: 'gateway', device: 'd', platform: 'goim', rooms: [], connectedAt: now, expiresAt: Math.floor(now / 1000) + 3600 };
      await t.stack.app.sessions.put(session);

      const poison = (await alice.call('send', { to: { user: 'dl-zed' }, cmid: 'dl-poison', body: { text: 'poison' } })).msgId as string;
      // another conversation keeps flowing while the poisoned one is retried
      const flowed: string[] = [];
      for (let i = 0; (await deadLetters()) === 0; i++) {
        if (i > 200) throw new Error('the poisoned message never reached the dead-letter queue');
        const id = (await alice.call('send', { to: { user: 'dl-bob' }, cmid: `dl-bob-${i}`, body: { text: `b${i}` } })).msgId as string;
        await bob.next((f) => f.type === 'message' && f.message.id === id);
        flowed.push(id);
      }
      expect(calls).toBeGreaterThanOrEqual(3); // tried (and failed) three times
      expect(flowed.length).toBeGreaterThanOrEqual(3);

      const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
      expect(dead.map((m) => [JSON.parse(m.Body!).message.id, m.Attributes?.MessageGroupId])).toEqual([[poison, 'u:dl-alice:dl-zed']]);

      // the poisoned conversation moves on: once the broken task is gone, the next message to dl-zed goes through
      await t.stack.app.sessions.remove(session.connectionId);
      const after = (await alice.call('send', { to: { user: 'dl-zed' }, cmid: 'dl-after', body: { text: 'after' } })).msgId as string;
      expect(await t.stack.drain(20_000)).toBe(true);
      const inbox = await t.stack.app.timelines.read('user:dl-zed', 0, 10, Date.now());
      expect(inbox.entries.map((e) => e.message.id)).toEqual([poison, after]); // stored before its delivery failed
      expect(await deadLetters()).toBe(1); // the poisoned message only (back from the receive above)
    } finally {
      sqs.destroy();
    }
  });
});
