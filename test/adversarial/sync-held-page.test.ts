import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { wsApiTransport } from '../../sdk/index.js';
import { createDocumentClient } from '../../shared/aws/dynamo-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { NodeWebSocket, probe, texts, type Probe } from '../sdk/sdk-helpers.js';

/**
 * `sync` ends a page below a missing seq that sits under a recent write (an append may be
 * in flight) and reports the head as the seq below that gap. A device that comes online
 * then sees a complete page up to its head: "synced". When nothing is pushed to it later
 * (a quiet conversation), nothing made it pull again, and the messages above the gap
 * were not shown until some later push or reconnect.
 *
 * A held page was indistinguishable from a complete one (the head is the seq below the
 * gap), so the SDK emitted `synced` and scheduled no re-pull (its gap re-pull ran only
 * while pushed messages waited). The page now says `held`, and the SDK pulls it again
 * with the gap re-pull's doubling waits.
 */
describe('a device that syncs while a gap below recent messages is held back', () => {
  let stack: LocalStack;
  const opened: Probe[] = [];
  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_TIMELINE_SETTLE_MS: '2000' } });
  });
  afterAll(async () => {
    for (const p of opened) p.client.close();
    await stack?.close();
  });
  const start = async (uid: string) => {
    const p = await probe(uid, wsApiTransport({ url: stack.wsUrl, WebSocket: NodeWebSocket }), {}, opened);
    const synced = new Promise<void>((resolve) => p.client.on('synced', () => resolve()));
    await p.client.connect();
    await synced;
    return p;
  };

  it('gets the messages above the gap once it settles, without another push', async () => {
    const sender = await start('held-ann');
    await sender.client.send({ user: 'held-bob' }, { text: 'm1' });
    await stack.drain();
    // bob is offline. A job takes seq 2 and has not stored it yet (or died: a hole); two more messages land above it.
    const db = createDocumentClient(stack.config);
    await db.send(new UpdateCommand({ TableName: stack.config.EDGEIM_TIMELINES_TABLE, Key: { pk: 'tl#user:held-bob', sk: 0 }, UpdateExpression: 'ADD head :one', ExpressionAttributeValues: { ':one': 1 } }));
    db.destroy();
    await sender.client.send({ user: 'held-bob' }, { text: 'm3' });
    await sender.client.send({ user: 'held-bob' }, { text: 'm4' });
    await stack.drain();

    // bob comes online within the settle time (2 s): his first page stops at seq 1
    const bob = await start('held-bob');
    // seq 2 never fills: 2 s after m3 was written it is a hole, and m3, m4 must still reach bob
    await bob.waitFor(3, () => true, 6000);
    expect(texts(bob.messages)).toEqual(['m1', 'm3', 'm4']);
  });
});
