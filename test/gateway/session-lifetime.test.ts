import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';

/**
 * A gateway's sessions live as long as their connections: renewed (session, routing and
 * room items, rewritten from what the task holds) before they expire, and removed without
 * a trace when the connection closes. A second gateway with a 2 s session ttl on the
 * test stack's app makes renewal observable.
 */
describe('gateway session lifetime', () => {
  const t = useTestStack();
  let gw: RunningGateway;
  afterAll(async () => gw?.close());

  it('renews a held session and its room before they expire, and removes every item on close', async () => {
    gw = await startGateway(t.stack.app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0, sessionTtlSeconds: 2, heartbeatTimeoutMs: 2000 });
    const c = await GoimClient.connect('tcp', { tcp: gw.ports.tcp, wsUrl: gw.wsUrl }, 'life-1', { room_id: 'life://1' });
    const id = c.auth.key as string;
    const sessions = t.stack.app.sessions;
    const first = (await sessions.get(id, Date.now()))!;
    expect(first.rooms).toEqual(['life:1']);
    const keepAlive = setInterval(() => c.write(Buffer.from([0, 0, 0, 16, 0, 16, 0, 1, 0, 0, 0, OP.Heartbeat, 0, 0, 0, 0])), 200);
    try {
      await new Promise((r) => setTimeout(r, 3500)); // past the first expiry
      const now = Date.now();
      const renewed = await sessions.get(id, now);
      expect(renewed?.expiresAt).toBeGreaterThan(first.expiresAt);
      expect(await sessions.byUser('life-1', now)).toHaveLength(1);
      expect(await sessions.roomCount('life:1', now)).toBe(1);
    } finally {
      clearInterval(keepAlive);
    }
    await c.close();
    await expect.poll(() => sessions.get(id, 0)).toBeUndefined();
    expect(await sessions.byUser('life-1', 0)).toEqual([]);
    expect(await sessions.roomMembers('life:1', 0)).toEqual([]);
  });
});
