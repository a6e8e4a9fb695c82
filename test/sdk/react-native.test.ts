/**
 * React Native's path: the WebSocket API (wss in production) with the runtime's global
 * WebSocket — here one that behaves like React Native's and offers nothing of `ws` —
 * and no TextDecoder (Hermes before React Native 0.85). goim over WebSocket works the
 * same way; raw TCP needs an app-opened socket (goimSocketTransport, see sdk/README.md).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import type { PushEvent, TimelineMessage, Transport } from '../../sdk/index.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { ReactNativeLikeWebSocket } from './react-native-websocket.js';
import { token } from './sdk-helpers.js';

type Sdk = typeof import('../../sdk/index.js');

describe('React Native: a WHATWG-only global WebSocket, no TextDecoder', () => {
  let stack: LocalStack;
  let sdk: Sdk;
  const opened: InstanceType<Sdk['EdgeImClient']>[] = [];
  beforeAll(async () => {
    stack = await startTestStack();
  });
  beforeEach(async () => {
    vi.stubGlobal('WebSocket', ReactNativeLikeWebSocket);
    vi.stubGlobal('TextDecoder', undefined);
    // The SDK loads afresh in that runtime: nothing of it may need TextDecoder, even at import.
    vi.resetModules();
    sdk = await import('../../sdk/index.js');
  });
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
    vi.unstubAllGlobals();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const start = async (uid: string, transport: Transport) => {
    const client = new sdk.EdgeImClient({ transport, token: await token(uid) });
    opened.push(client);
    const messages: TimelineMessage[] = [];
    client.on('message', (m) => messages.push(m));
    await client.connect();
    const waitFor = async (match: (m: TimelineMessage) => boolean) => {
      await expect.poll(() => messages.filter(match).length, { timeout: 10_000 }).toBeGreaterThan(0);
      return messages.filter(match);
    };
    return { client, waitFor };
  };

  it('WebSocket API without passing a WebSocket: 1:1, room and a backend push', async () => {
    const before = ReactNativeLikeWebSocket.opened;
    const transport = sdk.wsApiTransport({ url: stack.wsUrl, platform: 'ios' });
    const [ria, rob] = [await start('rn-ria', transport), await start('rn-rob', transport)];
    expect(ReactNativeLikeWebSocket.opened - before).toBe(2);

    await ria.client.send({ user: 'rn-rob' }, { text: 'héllo ✓ from the phone' });
    const [m] = await rob.waitFor((x) => x.message.from === 'rn-ria');
    expect(m!.message.body).toEqual({ text: 'héllo ✓ from the phone' });

    await ria.client.join('rn-room');
    await rob.client.join('rn-room');
    await rob.client.send({ room: 'rn-room' }, { text: 'live' });
    const [r] = await ria.waitFor((x) => x.timeline === 'room:rn-room');
    expect(r!.seq).toBe(0);

    const pushes: PushEvent[] = [];
    rob.client.on('push', (p) => pushes.push(p));
    const res = await new PushApiClient(stack.pushUrl).request('POST', '/v1/push', { json: { op: 1000, body: { score: '2:1' }, to: { users: ['rn-rob'] } } });
    expect(res.status).toBe(202);
    await expect.poll(() => pushes).toEqual([{ op: 1000, body: { score: '2:1' } }]);
  });

  it('goim over WebSocket: binary packets as ArrayBuffer, JSON read without TextDecoder', async () => {
    const goim = sdk.goimWsTransport({ url: stack.gateway.wsUrl, accepts: [1000] });
    const [gus, gil] = [await start('rn-gus', goim), await start('rn-gil', goim)];
    await gus.client.send({ user: 'rn-gil' }, { text: 'über goim — ok' });
    const [m] = await gil.waitFor((x) => x.message.from === 'rn-gus');
    expect(m!.message.body).toEqual({ text: 'über goim — ok' });
  });

  it('a refused token (the status is in React Native’s error text) ends in unauthorized, not a retry loop', async () => {
    const before = ReactNativeLikeWebSocket.opened;
    const reasons: string[] = [];
    const client = new sdk.EdgeImClient({
      transport: sdk.wsApiTransport({ url: stack.wsUrl }),
      token: await signToken('rn-bad', 'not-the-secret'),
      refreshToken: (reason) => void reasons.push(reason),
    });
    await expect(client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(client.state).toBe('unauthorized');
    expect(reasons).toEqual(['rejected']);
    expect(ReactNativeLikeWebSocket.opened - before).toBe(1);
  });
});
