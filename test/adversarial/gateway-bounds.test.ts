import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * Per-connection state an authenticated goim client can grow: every piece must have a
 * bound, or one client grows the task's memory (and its session item) without limit.
 */
describe('gateway: per-connection state stays bounded', () => {
  let stack: LocalStack;
  const clients: GoimClient[] = [];
  beforeAll(async () => {
    stack = await startTestStack({ env: { EDGEIM_CONNECTION_RATE_LIMIT: '100000', EDGEIM_CONNECTION_RATE_BURST: '100000' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  it('Sub with tens of thousands of distinct ops does not grow the connection\'s accepts past the Auth limit (1,000)', async () => {
    const c = await GoimClient.connect('tcp', { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl }, 'sub-hog');
    clients.push(c);
    const key = c.auth.key as string;
    const OPS_PER_SUB = 5000; // ~40 KiB bodies, under the 64 KiB packet limit
    for (let i = 0; i < 20; i++) {
      const ops = Array.from({ length: OPS_PER_SUB }, (_, j) => 1000 + i * OPS_PER_SUB + j).join(',');
      await c.request(OP.Sub, OP.SubReply, ops); // echoed, or an error reply: either way the connection lives
    }
    const accepts = stack.gateway.gateway.channel(key)?.accepts;
    expect(accepts?.size ?? 0).toBeLessThanOrEqual(1000);
    const stored = await stack.app.sessions.get(key, Date.now());
    expect(stored?.accepts?.length ?? 0).toBeLessThanOrEqual(1000);
    expect((await c.request(OP.Heartbeat, OP.HeartbeatReply)).op).toBe(OP.HeartbeatReply);
  });
});
