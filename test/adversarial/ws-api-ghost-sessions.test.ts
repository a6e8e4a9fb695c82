import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { WsApiEmulator } from '../../local/ws-api-emulator.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * Connect/disconnect churn on the WebSocket API emulator: whatever `$connect` registered
 * must be forgotten (`$disconnect`) when the upgrade does not end in an open connection,
 * or the user stays "online" (presence, push-all counts, deliveries) with no connection.
 */

/** Sends a raw HTTP upgrade request and resolves with the status line of the answer (or 'closed'). */
function rawUpgrade(port: number, path: string, headers: Record<string, string>): { socket: Socket; answer: Promise<string> } {
  const socket = netConnect({ port, host: '127.0.0.1' });
  const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  socket.on('connect', () => socket.write(lines.join('\r\n')));
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes('\r\n')) resolve(text.slice(0, text.indexOf('\r\n')));
    });
    socket.on('close', () => resolve(text ? text.slice(0, text.indexOf('\r\n')) : 'closed'));
    socket.on('error', () => undefined);
  });
  return { socket, answer };
}

async function until(check: () => Promise<boolean>, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('WebSocket API emulator: upgrades that do not end in a connection leave no session', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('an authorized upgrade with a bad Sec-WebSocket-Version (refused after $connect ran) leaves no ghost session', async () => {
    const port = Number(new URL(stack.wsUrl).port);
    const token = await signToken('ghost-version', LOCAL_JWT_SECRET);
    const { socket, answer } = rawUpgrade(port, `/?token=${token}`, { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '12' });
    expect(await answer).toMatch(/^HTTP\/1\.1 400/); // refused: no connection was ever open
    socket.destroy();
    const online = () => stack.app.sessions.byUser('ghost-version', Date.now());
    expect(await until(async () => (await online()).length === 0)).toBe(true);
  });
});

describe('WebSocket API emulator: a client gone while $connect runs', () => {
  it('gets $disconnect for the connection $connect registered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let connected: ((id: string) => void) | undefined;
    const connectedId = new Promise<string>((r) => (connected = r));
    const disconnected: string[] = [];
    const emulator = new WsApiEmulator({ port: 0 });
    emulator.setRoutes({
      authorizer: (async () => ({ principalId: 'u1', context: { uid: 'u1' }, policyDocument: { Statement: [{ Effect: 'Allow' }] } })) as never,
      routes: {
        $connect: (async (event: { requestContext: { connectionId: string } }) => {
          connected?.(event.requestContext.connectionId);
          await gate; // the store write takes a while
          return { statusCode: 200 };
        }) as never,
        $disconnect: (async (event: { requestContext: { connectionId: string } }) => void disconnected.push(event.requestContext.connectionId)) as never,
      },
    });
    const port = await emulator.listen();
    const server = (emulator as unknown as { server: import('node:http').Server }).server;
    let serverSide: import('node:stream').Duplex | undefined;
    server.prependListener('upgrade', (_req, s: import('node:stream').Duplex) => (serverSide = s));
    const { socket } = rawUpgrade(port, '/?token=x', { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' });
    const id = await connectedId;
    socket.destroy(); // gone before the upgrade completes
    // the server has seen the client go (its half-open socket is no longer readable)
    expect(await until(async () => serverSide !== undefined && (!serverSide.readable || serverSide.destroyed))).toBe(true);
    release();
    expect(await until(async () => disconnected.includes(id))).toBe(true);
    await emulator.close();
  });
});
