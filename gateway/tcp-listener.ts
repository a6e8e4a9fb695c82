import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { PacketReader, ProtocolError } from '../shared/protocol/goim/index.js';
import { Channel } from './channel.js';
import type { Gateway } from './gateway.js';
import { disconnectReason } from './disconnect-codes.js';

const CHANNEL = Symbol('edgeim.channel');
type TaggedSocket = Socket & { [CHANNEL]: TcpChannel };

/**
 * A goim connection over raw TCP. Packets are reassembled by a PacketReader; a batch
 * goes out as its inner packets back to back with no outer header, as goim's TCP
 * clients expect. Socket events go to shared listener functions (no closures per
 * connection beyond the reader's callback).
 */
export class TcpChannel extends Channel {
  readonly transport = 'tcp';
  readonly reader: PacketReader;

  constructor(
    readonly gw: Gateway,
    readonly socket: Socket,
  ) {
    super(Date.now());
    this.reader = new PacketReader((p) => gw.onPacket(this, p), { maxBody: gw.options.maxBodyBytes });
  }

  buffered(): number {
    return this.socket.writableLength;
  }

  writeOne(buf: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(buf);
  }

  writeMany(bufs: Buffer[], totalBytes: number): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(bufs, totalBytes));
  }

  end(lingerMs: number): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    setTimeout(destroySocket, lingerMs, this.socket).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

function onData(this: TaggedSocket, chunk: Buffer): void {
  const ch = this[CHANNEL];
  try {
    ch.reader.push(chunk);
  } catch (err) {
    const message = err instanceof ProtocolError ? `${err.reason}: ${err.message}` : 'bad packet';
    if (!(err instanceof ProtocolError)) ch.gw.app.logger.error('gateway packet handling failed', { error: err });
    this.pause();
    ch.gw.close(ch, disconnectReason('PROTOCOL_ERROR', message), false);
  }
}

function onClose(this: TaggedSocket): void {
  const ch = this[CHANNEL];
  ch.gw.onTransportClosed(ch);
}

function onError(this: TaggedSocket): void {
  // 'close' follows; resets and EPIPEs from departed clients are routine.
}

/**
 * Starts the goim TCP listener; over TLS when the gateway has `options.tls`. Its accept
 * queue holds `gw.options.listenBacklog` connections (the kernel caps it at
 * net.core.somaxconn): under a connect storm the queue, not the clients, absorbs the
 * burst while the event loop catches up; a full queue makes the kernel drop or reset connects.
 */
export function listenTcp(gw: Gateway, port: number, host: string): Promise<Server> {
  const onSocket = (socket: Socket) => {
    const ch = new TcpChannel(gw, socket);
    (socket as TaggedSocket)[CHANNEL] = ch;
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    gw.accept(ch);
  };
  const tls = gw.options.tls;
  // A TLS handshake counts against the same bound as goim's Auth; a failed one only closes its socket.
  const server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: gw.options.handshakeTimeoutMs }, (socket) => {
        socket.setNoDelay(true);
        onSocket(socket);
      })
    : createServer({ noDelay: true }, onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: gw.options.listenBacklog }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
