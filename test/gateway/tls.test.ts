import { connect as netConnect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeImClient, goimWsTransport, type TimelineMessage, type Transport, type WebSocketLike } from '../../sdk/index.js';
import { goimTcpTransport } from '../../sdk/tcp.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../helpers/local-stack.js';
import { selfSignedCertificate, type SelfSigned } from '../helpers/self-signed.js';
import { token } from '../sdk/sdk-helpers.js';

// Prepare: a local stack whose gateway serves goim TCP and goim WebSocket over TLS with a
// certificate made for this run.
let cert: SelfSigned;
let stack: LocalStack;
const clients: EdgeImClient[] = [];

beforeAll(async () => {
  cert = selfSignedCertificate();
  stack = await startTestStack({ env: { EDGEIM_GATEWAY_TLS_CERT_FILE: cert.certFile, EDGEIM_GATEWAY_TLS_KEY_FILE: cert.keyFile } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
  cert?.dispose();
});

/** `ws` trusting the test certificate, as an app would pass its private CA. */
function trustingWebSocket(ca: string): WebSocketLike {
  class Trusting extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  return Trusting as unknown as WebSocketLike;
}

async function client(uid: string, transport: Transport) {
  const c = new EdgeImClient({ transport, token: await token(uid), backoff: { baseMs: 100, maxMs: 500 } });
  clients.push(c);
  const messages: TimelineMessage[] = [];
  c.on('message', (m) => messages.push(m));
  return { c, messages };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the gateway over TLS (self-signed certificate)', () => {
  it('the SDK talks goim TCP with tls and goim WebSocket over wss://, end to end', async () => {
    const tcp = await client('tls-alice', goimTcpTransport({ host: 'localhost', port: stack.gateway.ports.tcp, tls: { ca: cert.cert } }));
    const wss = await client('tls-bob', goimWsTransport({ url: `wss://localhost:${stack.gateway.ports.ws}/sub`, WebSocket: trustingWebSocket(cert.cert) }));
    expect(stack.gateway.wsUrl).toMatch(/^wss:\/\//);
    await Promise.all([tcp.c.connect(), wss.c.connect()]);

    const { msgId } = await tcp.c.send({ user: 'tls-bob' }, { text: 'over TLS' });
    await until(() => wss.messages.some((m) => m.message.id === msgId), 'the wss client to receive the message');
    const back = await wss.c.send({ user: 'tls-alice' }, { text: 'and back' });
    await until(() => tcp.messages.some((m) => m.message.id === back.msgId), 'the TLS TCP client to receive the reply');
  });

  it('tls: true verifies the certificate: an untrusted one is a NETWORK error, not a connection', async () => {
    const transport = goimTcpTransport({ host: 'localhost', port: stack.gateway.ports.tcp, tls: true, connectTimeoutMs: 5000 });
    await expect(transport.connect(await token('tls-carol'), { onFrame: () => undefined, onClose: () => undefined })).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('a plaintext goim client on the TLS port gets no AuthReply', async () => {
    const transport = goimTcpTransport({ host: '127.0.0.1', port: stack.gateway.ports.tcp, connectTimeoutMs: 1500 });
    await expect(transport.connect(await token('tls-dave'), { onFrame: () => undefined, onClose: () => undefined })).rejects.toMatchObject({ code: 'NETWORK' });
    // The listener itself is still up for TLS clients.
    const socket = netConnect({ host: '127.0.0.1', port: stack.gateway.ports.tcp });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
  });
});
