import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { gatewayFetch } from '../helpers/gateway-fetch.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient } from '../helpers/ws-client.js';

const QUEUE_BOUND = 64 * 1024;
const PUSH_BYTES = 32 * 1024;

describe('gateway back-pressure', () => {
  let stack: LocalStack;
  const goims: GoimClient[] = [];
  let sender: TestClient;
  const goim = async (uid: string, accepts: number[] = []) => {
    const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, uid, { accepts });
    goims.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_GATEWAY_MAX_OUTBOUND_BYTES: String(QUEUE_BOUND) } });
    sender = await TestClient.connect(stack.wsUrl, 'feeder');
  });
  afterAll(async () => {
    await Promise.all(goims.map((c) => c.close()));
    await sender.close();
    await stack.close();
  });

  it('disconnects a consumer that never reads with SLOW_CONSUMER, others keep receiving, and it syncs what it missed', async () => {
    const slow = await goim('sloth', [1500]);
    const fast = await goim('hare', [1500]);
    slow.pause();

    const before = [];
    for (let i = 1; i <= 3; i++) before.push((await sender.call('send', { to: { user: 'sloth' }, cmid: `pre-${i}`, body: { n: i } })).msgId);
    await stack.drain();

    // Flood both with pushes until the slow one is dropped (its kernel buffers fill first).
    const body = 'x'.repeat(PUSH_BYTES);
    const data = JSON.stringify({ type: 'push', op: 1500, body });
    let pushed = 0;
    let slowGone = false;
    while (!slowGone && pushed < 2000) {
      const res = await gatewayFetch(stack, '/@batch', { body: JSON.stringify({ items: [slow, fast].map((c) => ({ connectionId: c.auth.key, data })) }) });
      const { gone } = (await res.json()) as { gone: string[] };
      pushed++;
      slowGone = gone.includes(slow.auth.key);
      expect(gone).not.toContain(fast.auth.key);
    }
    expect(slowGone).toBe(true);

    // The fast consumer got every push, the slow one's session is gone.
    for (let i = 0; i < pushed; i++) await fast.next((p) => p.op === 1500);
    await expect.poll(() => stack.app.sessions.byUser('sloth', Date.now())).toEqual([]); // removal is asynchronous

    // Messages sent meanwhile are stored for sync.
    const after = [];
    for (let i = 1; i <= 2; i++) after.push((await sender.call('send', { to: { user: 'sloth' }, cmid: `post-${i}`, body: { n: i } })).msgId);
    await stack.drain();

    // When it reads again, the backlog ends with the DisconnectReply and the close.
    slow.resume();
    const bye = await slow.next((p) => p.op === OP.DisconnectReply, 10_000);
    expect(bye.json).toMatchObject({ code: 'SLOW_CONSUMER', reconnect: true });
    expect(bye.json.message).toContain('inbox messages are kept for sync; room messages are not');
    await slow.closed;

    const again = await goim('sloth');
    const page = await again.call(OP.Sync, OP.SyncReply, { timeline: 'inbox', after: 0 });
    expect(page.messages.map((m: any) => m.message.id)).toEqual([...before, ...after]);
  });
});
