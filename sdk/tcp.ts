/**
 * goim over raw TCP for Node (native and server-side clients). A separate entry
 * (`@edgeim/sdk/tcp`) because it imports `node:net`; everything else of the SDK runs in
 * browsers and React Native. (On React Native, pass a native TCP module's socket to
 * `goimSocketTransport` from the main entry instead.)
 *
 * @example
 * import { EdgeImClient } from '@edgeim/sdk';
 * import { goimTcpTransport } from '@edgeim/sdk/tcp';
 *
 * const client = new EdgeImClient({ transport: goimTcpTransport({ host: '127.0.0.1', port: 3101 }), token });
 * await client.connect();
 *
 * // A deployed stack: the load balancer's TLS listener.
 * goimTcpTransport({ host: 'gw.example.com', port: 3104, tls: true });
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { EdgeImError } from './errors.js';
import type { ByteLink, GoimAuthOptions } from './goim-connection.js';
import { goimSocketTransport, type SocketEvents } from './goim-socket-transport.js';
import type { Transport } from './transport.js';

/** Options of the goim TCP transport. */
export interface GoimTcpTransportOptions extends GoimAuthOptions {
  host: string;
  /** The gateway's TCP port (3101 by default in `npm start`). */
  port: number;
  /** Time allowed for the TCP connect plus Auth (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * Connect over TLS. `true` verifies the server's certificate against Node's CAs for
   * `host` (SNI too); an object adds `tls.connect` options, e.g. `{ ca }` to trust a
   * private or self-signed CA. Default: plaintext (local use and testing only).
   */
  tls?: boolean | GoimTlsOptions;
}

/** `tls.connect` options the goim TCP transport passes through. */
export type GoimTlsOptions = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized' | 'minVersion' | 'checkServerIdentity'>;

/**
 * goim's binary protocol over TCP: packets reassembled from the stream, TCP batches
 * (inner packets back to back) read as ordinary packets. Heartbeats follow the server's
 * hint from AuthReply, else every 60 s. A port that is not one (`connect()` rejects
 * with CONFIGURATION at once).
 *
 * @example
 * goimTcpTransport({ host: 'gw.example.com', port: 3101, accepts: [1000, 1001] })
 */
export function goimTcpTransport(options: GoimTcpTransportOptions): Transport {
  return goimSocketTransport({ ...options, kind: 'goim-tcp', open: (events) => openTcp(options, events) });
}

function openTcp(options: GoimTcpTransportOptions, events: SocketEvents): Promise<ByteLink> {
  let socket: Socket;
  try {
    socket = openSocket(options);
  } catch (err) {
    throw new EdgeImError('CONFIGURATION', `cannot connect to ${options.host}:${options.port}: ${String((err as Error).message)}`, { cause: err });
  }
  socket.setNoDelay(true);
  let failure: unknown;
  socket.on('data', (chunk: Uint8Array) => events.data(chunk));
  socket.on('error', (err) => (failure = err));
  return new Promise((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      socket.on('close', () => events.closed(failure));
      resolve({ write: (b) => socket.write(b), close: () => socket.end() });
    });
    socket.once('close', () => reject(new EdgeImError('NETWORK', `cannot connect to ${options.host}:${options.port}`, { cause: failure })));
  });
}

/** A plain TCP socket, or a TLS one that verifies the server (SNI = host unless it is an IP). */
function openSocket(options: GoimTcpTransportOptions): Socket {
  if (!options.tls) return netConnect({ host: options.host, port: options.port });
  const extra = options.tls === true ? {} : options.tls;
  return tlsConnect({ host: options.host, port: options.port, ...(isIP(options.host) ? {} : { servername: options.host }), ...extra });
}
