import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { EdgeImClient, EdgeImError, wsApiTransport } from '../../sdk/index.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { countingWebSocket, NodeWebSocket, sleep, token } from './sdk-helpers.js';

describe('SDK life cycle over the WebSocket API', () => {
  let stack: LocalStack;
  const clients: EdgeImClient[] = [];
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const make = (options: Omit<ConstructorParameters<typeof EdgeImClient>[0], 'transport'>, ws = countingWebSocket()) => {
    const client = new EdgeImClient({ transport: wsApiTransport({ url: stack.wsUrl, WebSocket: ws.ctor }), backoff: { baseMs: 50, maxMs: 200 }, ...options });
    clients.push(client);
    const states: string[] = [];
    client.on('state', (s) => states.push(s.state));
    return { client, states, attempts: ws.attempts };
  };

  it('an expired token ends in the unauthorized state after calling the refresh hook, without hammering the server', async () => {
    const reasons: string[] = [];
    const { client, states, attempts } = make({
      token: await token('exp-user', -60),
      refreshToken: (reason) => {
        reasons.push(reason);
        return null;
      },
    });
    await expect(client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await sleep(500);
    expect(client.state).toBe('unauthorized');
    expect(states).toEqual(['connecting', 'unauthorized']);
    expect(reasons).toEqual(['expired']);
    expect(attempts()).toBe(0);
  });

  it('a token the server refuses (401 on the upgrade) makes one attempt, one refresh call, then unauthorized', async () => {
    const reasons: string[] = [];
    const { client, attempts } = make({
      token: await signToken('bad-sig', 'not-the-secret'),
      refreshToken: (reason) => {
        reasons.push(reason);
        return undefined;
      },
    });
    await expect(client.connect()).rejects.toBeInstanceOf(EdgeImError);
    await sleep(500);
    expect(client.state).toBe('unauthorized');
    expect(reasons).toEqual(['rejected']);
    expect(attempts()).toBe(1);
  });

  it('over goim TCP, a refused token (DisconnectReply UNAUTHORIZED) also ends in unauthorized after one refresh call', async () => {
    const reasons: string[] = [];
    const client = new EdgeImClient({
      transport: goimTcpTransport({ host: '127.0.0.1', port: stack.gateway.ports.tcp }),
      token: await signToken('bad-tcp', 'not-the-secret'),
      backoff: { baseMs: 50, maxMs: 200 },
      refreshToken: (reason) => {
        reasons.push(reason);
        return null;
      },
    });
    clients.push(client);
    await expect(client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await sleep(300);
    expect(client.state).toBe('unauthorized');
    expect(reasons).toEqual(['rejected']);
  });

  it('a refresh hook that returns a fresh token connects with it', async () => {
    const fresh = await token('fresh-user');
    const { client, attempts } = make({ token: await token('fresh-user', -1), refreshToken: () => fresh });
    await client.connect();
    expect(client.state).toBe('open');
    expect(client.uid).toBe('fresh-user');
    expect(attempts()).toBe(1);
  });

  it('keeps offline sends in a bounded queue and rejects with QUEUE_FULL beyond it', async () => {
    const { client } = make({ token: await token('queue-user'), maxQueuedSends: 2 });
    const first = client.send({ user: 'queue-peer' }, { text: '1' });
    const second = client.send({ user: 'queue-peer' }, { text: '2' });
    await expect(client.send({ user: 'queue-peer' }, { text: '3' })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await client.connect();
    const [a, b] = await Promise.all([first, second]);
    expect(Number(b.msgId)).toBeGreaterThan(Number(a.msgId));
  });

  it('rejects a server-refused send with its error code and keeps going', async () => {
    const { client } = make({ token: await token('refused-user') });
    await client.connect();
    await expect(client.send({ group: 'no-such-group' }, { text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.send({ user: 'refused-peer' }, { text: 'ok' })).resolves.toMatchObject({ msgId: expect.any(String) });
  });

  it('heartbeats on the configured interval and reports the connection open', async () => {
    const { client } = make({ token: await token('hb-user'), heartbeat: 100 });
    await client.connect();
    await client.join('hb-room');
    await sleep(350);
    expect(client.state).toBe('open');
  });

  it('syncs a user who was offline from the stored inbox on connect, with history in storage', async () => {
    const sender = make({ token: await token('sync-sender') });
    await sender.client.connect();
    for (let i = 0; i < 3; i++) await sender.client.send({ user: 'sync-late' }, { text: `s${i}` });
    await stack.drain();
    const late = make({ token: await token('sync-late') }, { ctor: NodeWebSocket, attempts: () => 0 });
    const got: string[] = [];
    late.client.on('message', (m) => got.push((m.message.body as { text: string }).text));
    await late.client.connect();
    await new Promise<void>((resolve) => late.client.on('synced', () => resolve()));
    expect(got).toEqual(['s0', 's1', 's2']);
    expect((await late.client.history('u:sync-late:sync-sender')).map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});
