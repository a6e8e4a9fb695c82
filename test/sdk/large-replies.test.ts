import { expect, it } from 'vitest';
import { goimWsTransport } from '../../sdk/goim-ws-transport.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { wsApiTransport } from '../../sdk/ws-api-transport.js';
import { useTestStack } from '../helpers/local-stack.js';
import { NodeWebSocket, probe } from './sdk-helpers.js';

const t = useTestStack();

/**
 * A `sync` page of large messages is one goim packet of over 1 MiB (the store reads up to
 * 1 MB a page): the SDK reads it on every transport instead of closing the connection
 * as PROTOCOL_ERROR (it refused packets over 1 MiB once).
 */
it('syncs a backlog of large messages whose sync reply passes 1 MiB, on every transport', async () => {
  const sender = await probe('large-sender', wsApiTransport({ url: t.stack.wsUrl, WebSocket: NodeWebSocket }), { heartbeat: false });
  await sender.client.connect();
  const text = 'x'.repeat(15_000);
  const count = 80; // 80 × 15 kB: the first page is cut at the store's 1 MB
  for (let i = 0; i < count; i++) await sender.client.send({ user: 'large-reader' }, { text, i });
  sender.client.close();
  // Every message stored before the readers come: they get the backlog by sync alone.
  await expect.poll(() => t.stack.app.timelines.head('user:large-reader'), { timeout: 30_000 }).toBe(count);
  const transports = {
    'goim TCP': goimTcpTransport({ host: '127.0.0.1', port: t.stack.gateway.ports.tcp }),
    'goim WebSocket': goimWsTransport({ url: t.stack.gateway.wsUrl, WebSocket: NodeWebSocket }),
    'WebSocket API': wsApiTransport({ url: t.stack.wsUrl, WebSocket: NodeWebSocket }),
  };
  for (const [name, transport] of Object.entries(transports)) {
    const reader = await probe('large-reader', transport, { heartbeat: false });
    await reader.client.connect();
    const got = await reader.waitFor(count, () => true, 30_000).catch((err: unknown) => String(err));
    reader.client.close();
    expect({ name, got: Array.isArray(got) ? got.map((m) => (m.message.body as { i: number }).i) : got, errors: reader.errors }).toEqual({
      name,
      got: Array.from({ length: count }, (_, i) => i),
      errors: [],
    });
  }
}, 120_000);
