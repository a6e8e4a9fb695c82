import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { disconnectReason } from '../../gateway/disconnect-codes.js';
import { EdgeImClient, EdgeImError, goimWsTransport, wsApiTransport, type StateChange } from '../../sdk/index.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { countingWebSocket, NodeWebSocket, sleep, token } from './sdk-helpers.js';
import { closeGatewayConnections, deleteConnections } from './transport-suite.js';

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

  describe('goim DisconnectReply: the client follows `reconnect` and `retryAfterMs`', () => {
    const goim = async (uid: string) => {
      const states: StateChange[] = [];
      const ws = countingWebSocket();
      const client = new EdgeImClient({
        transport: goimWsTransport({ url: stack.gateway.wsUrl, WebSocket: ws.ctor }),
        token: await token(uid),
        backoff: { baseMs: 50, maxMs: 5000, random: () => 0.5 },
      });
      clients.push(client);
      client.on('state', (s) => states.push(s));
      await client.connect();
      return { client, states, attempts: ws.attempts };
    };

    it('DELETE @connections (CLOSED_BY_SERVER, reconnect: false) stops the client in closed, with no reconnect', async () => {
      const { client, states, attempts } = await goim('kicked-user');
      await deleteConnections(stack, 'kicked-user');
      await expect.poll(() => client.state).toBe('closed');
      await sleep(300);
      expect(attempts()).toBe(1);
      expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'closed']);
      expect(states.at(-1)?.error).toMatchObject({ code: 'CLOSED', message: expect.stringContaining('CLOSED_BY_SERVER') });
      await expect(client.send({ user: 'x' }, { text: 'after the kick' })).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('OVERLOADED with retryAfterMs waits at least that long (plus jitter) before reconnecting', async () => {
      const { client, states, attempts } = await goim('shed-user');
      await closeGatewayConnections(stack, 'shed-user', disconnectReason('OVERLOADED', 'shedding load', 400));
      await expect.poll(() => states.some((s) => s.state === 'reconnecting')).toBe(true);
      const waiting = states.find((s) => s.state === 'reconnecting')!;
      // backoff would be 25 ms (random 0.5 of 50); the server's 400 ms plus half of it as jitter wins
      expect(waiting.retryInMs).toBe(600);
      expect(waiting.error).toMatchObject({ code: 'DISCONNECTED', retryAfterMs: 400 });
      await expect.poll(() => client.state, { timeout: 5000 }).toBe('open');
      expect(attempts()).toBe(2);
    });

    it('SERVER_SHUTDOWN (reconnect: true) reconnects with backoff jitter', async () => {
      const { client, states } = await goim('drained-user');
      await closeGatewayConnections(stack, 'drained-user', disconnectReason('SERVER_SHUTDOWN', 'draining'));
      await expect.poll(() => states.filter((s) => s.state === 'open').length, { timeout: 5000 }).toBe(2);
      expect(states.find((s) => s.state === 'reconnecting')?.retryInMs).toBe(25);
      expect(client.state).toBe('open');
    });
  });
});

describe('a client that cannot work as configured', () => {
  it('rejects connect() at once with CONFIGURATION when there is no WebSocket (Node 20) and none was passed', async () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    const client = new EdgeImClient({ transport: wsApiTransport({ url: 'ws://127.0.0.1:9' }), token: await token('no-ws') });
    const errors: EdgeImError[] = [];
    client.on('error', (e) => errors.push(e));
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONFIGURATION', message: expect.stringMatching(/no WebSocket.*pass one.*"ws"/i) });
    expect(client.state).toBe('closed');
    expect(errors.map((e) => e.code)).toEqual(['CONFIGURATION']);
  }, 5000);

  it('rejects a malformed URL and a port that is not one with CONFIGURATION, without retrying', async () => {
    const ws = countingWebSocket();
    const bad = new EdgeImClient({ transport: wsApiTransport({ url: 'not a url', WebSocket: ws.ctor }), token: await token('bad-url') });
    await expect(bad.connect()).rejects.toMatchObject({ code: 'CONFIGURATION' });
    const tcp = new EdgeImClient({ transport: goimTcpTransport({ host: '127.0.0.1', port: 99_999 }), token: await token('bad-port') });
    await expect(tcp.connect()).rejects.toMatchObject({ code: 'CONFIGURATION', message: expect.stringContaining('99999') });
    expect([bad.state, tcp.state]).toEqual(['closed', 'closed']);
  }, 5000);
});
