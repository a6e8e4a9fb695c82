import { EdgeImError } from './errors.js';
import { GOIM_CONNECT_TIMEOUT_MS, GOIM_DEFAULT_HEARTBEAT_MS, GoimConnection, type ByteLink, type GoimAuthOptions } from './goim-connection.js';
import type { Connection, ConnectionHandlers, Transport } from './transport.js';

/** What a socket opener reports about its socket. */
export interface SocketEvents {
  /** Bytes arrived (any chunking: the SDK reassembles goim packets). */
  data(bytes: Uint8Array): void;
  /** The socket closed, whoever closed it (call once). */
  closed(error?: unknown): void;
}

/**
 * Opens one byte stream to the gateway and resolves once it is connected (rejects when
 * it cannot be): a TCP socket from `node:net`, from a React Native TCP module, a TLS
 * socket… Everything above the bytes (goim framing, Auth, requests) is the SDK's.
 */
export type SocketOpener = (events: SocketEvents) => Promise<ByteLink>;

/** Options of a goim transport over a socket the app opens. */
export interface GoimSocketTransportOptions extends GoimAuthOptions {
  open: SocketOpener;
  /** Time allowed for the connect plus Auth (default 10 s). */
  connectTimeoutMs?: number;
  /** Transport name in logs and `transport.kind` (default `goim-socket`). */
  kind?: string;
}

/**
 * goim's binary protocol over any byte stream the app opens: how raw TCP works where the
 * SDK cannot import a socket API itself (React Native: a native TCP module; see the
 * README). `goimTcpTransport` (`@edgeim/sdk/tcp`) is this with `node:net`.
 *
 * @example
 * const transport = goimSocketTransport({
 *   accepts: [1000],
 *   open: ({ data, closed }) => new Promise((resolve, reject) => {
 *     const socket = openSomeTcpSocket(host, port);          // your platform's TCP API
 *     socket.onConnect(() => resolve({ write: (b) => socket.write(b), close: () => socket.end() }));
 *     socket.onData((chunk) => data(new Uint8Array(chunk)));
 *     socket.onError(reject);
 *     socket.onClose(() => closed());
 *   }),
 * });
 */
export function goimSocketTransport(options: GoimSocketTransportOptions): Transport {
  return {
    kind: options.kind ?? 'goim-socket',
    defaultHeartbeatMs: GOIM_DEFAULT_HEARTBEAT_MS,
    connect: (token, handlers) => openGoimSocket(options, token, handlers),
  };
}

async function openGoimSocket(options: GoimSocketTransportOptions, token: string, handlers: ConnectionHandlers): Promise<Connection> {
  let link: ByteLink | undefined;
  const conn = new GoimConnection({ write: (b) => link?.write(b), close: () => link?.close() }, handlers);
  let closedEarly = false;
  link = await options.open({
    data: (bytes) => conn.onBytes(bytes),
    closed: (error) => {
      if (!link) closedEarly = true;
      else conn.onLinkClosed(error);
    },
  });
  if (closedEarly) throw new EdgeImError('NETWORK', 'the socket closed as it opened');
  await withTimeout(conn.authenticate(token, options), options.connectTimeoutMs ?? GOIM_CONNECT_TIMEOUT_MS, () => link?.close());
  return conn;
}

/** Rejects with NETWORK when `p` takes longer than `ms` (and runs `onTimeout`). */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new EdgeImError('NETWORK', `no auth reply within ${ms} ms`));
    }, ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}
