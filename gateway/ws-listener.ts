import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodePacket, HEADER_SIZE, Op, ProtocolError, writeHeader } from '../shared/protocol/goim/index.js';
import { Channel } from './channel.js';
import type { Gateway } from './gateway.js';
import { disconnectReason } from './disconnect-codes.js';

const CHANNEL = Symbol('edgeim.channel');
type TaggedSocket = WebSocket & { [CHANNEL]: WsChannel };
const SEND_OPTIONS = { binary: true, compress: false } as const;

/** goim over WebSocket is served on this path (goim's `/sub`). */
export const WS_PATH = '/sub';

/**
 * A goim connection over WebSocket: one packet per binary message; a batch is one
 * message with an op-9 header around the inner packets, as goim's JavaScript client
 * expects.
 */
export class WsChannel extends Channel {
  readonly transport = 'ws';

  constructor(
    readonly gw: Gateway,
    readonly ws: WebSocket,
    private readonly address: string,
  ) {
    super(Date.now());
  }

  buffered(): number {
    return this.ws.bufferedAmount;
  }

  writeOne(buf: Buffer): void {
    if (this.ws.readyState === 1) this.ws.send(buf, SEND_OPTIONS);
  }

  writeMany(bufs: Buffer[], totalBytes: number): void {
    if (this.ws.readyState !== 1) return;
    const out = Buffer.allocUnsafe(HEADER_SIZE + totalBytes);
    writeHeader(out, 0, totalBytes, 1, Op.Raw, 0);
    let off = HEADER_SIZE;
    for (let i = 0; i < bufs.length; i++) off += bufs[i]!.copy(out, off);
    this.ws.send(out, SEND_OPTIONS);
  }

  end(lingerMs: number): void {
    if (this.ws.readyState > 1) return;
    this.ws.close(1000);
    setTimeout(terminate, lingerMs, this.ws).unref();
  }

  destroy(): void {
    this.ws.terminate();
  }

  remoteAddress(): string {
    return this.address;
  }
}

function terminate(ws: WebSocket): void {
  ws.terminate();
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const ch = (this as TaggedSocket)[CHANNEL];
  try {
    if (!isBinary) throw new ProtocolError('BAD_PACK_LEN', 'goim over WebSocket takes binary messages only');
    ch.gw.onPacket(ch, decodePacket(data, ch.gw.options.maxBodyBytes));
  } catch (err) {
    const message = err instanceof ProtocolError ? `${err.reason}: ${err.message}` : 'bad packet';
    if (!(err instanceof ProtocolError)) ch.gw.app.logger.error('gateway packet handling failed', { error: err });
    ch.gw.close(ch, disconnectReason('PROTOCOL_ERROR', message), false);
  }
}

function onClose(this: WebSocket): void {
  const ch = (this as TaggedSocket)[CHANNEL];
  ch.gw.onTransportClosed(ch);
}

function onError(this: WebSocket): void {
  // 'close' follows.
}

/** Starts the goim WebSocket listener (`/sub`), with the same accept queue as the TCP one; `wss://` when the gateway has `options.tls`. */
export function listenWs(gw: Gateway, port: number, host: string): Promise<{ server: Server; wss: WebSocketServer }> {
  const upgradeOnly = (_req: unknown, res: ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end(`goim over WebSocket: upgrade on ${WS_PATH}\n`);
  };
  const tls = gw.options.tls;
  // The upgrade request counts against the handshake timeout as goim's Auth does: a client
  // trickling its headers (slowloris) is closed then, not after Node's 60 s default.
  const handshake = gw.options.handshakeTimeoutMs;
  const http = { headersTimeout: handshake, requestTimeout: handshake, connectionsCheckingInterval: Math.min(1000, handshake) };
  // https.Server is an http.Server with TLS in front: the shutdown code treats both alike.
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: handshake, ...http }, upgradeOnly) : createServer(http, upgradeOnly);
  const wss = new WebSocketServer({
    server,
    path: WS_PATH,
    maxPayload: HEADER_SIZE + gw.options.maxBodyBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on('connection', (ws, req) => {
    const ch = new WsChannel(gw, ws, req.socket.remoteAddress ?? '');
    const tagged = ws as TaggedSocket;
    tagged[CHANNEL] = ch;
    tagged.on('message', onMessage);
    tagged.on('close', onClose);
    tagged.on('error', onError);
    gw.accept(ch);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: gw.options.listenBacklog }, () => {
      server.off('error', reject);
      resolve({ server, wss });
    });
  });
}
