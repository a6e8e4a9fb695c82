import { EdgeImError } from './errors.js';
import { GOIM_CONNECT_TIMEOUT_MS, GOIM_DEFAULT_HEARTBEAT_MS, GoimConnection, type GoimAuthOptions } from './goim-connection.js';
import { withTimeout } from './goim-socket-transport.js';
import { openWebSocket, resolveWebSocket, type Connection, type ConnectionHandlers, type Transport, type WebSocketLike } from './transport.js';

/** Options of the goim-over-WebSocket transport. */
export interface GoimWsTransportOptions extends GoimAuthOptions {
  /**
   * The gateway's WebSocket URL, e.g. `ws://127.0.0.1:3102/sub`, or `wss://host:3103/sub`
   * for a deployed stack's TLS listener (in Node, trust a private CA with a `WebSocket`
   * class that passes `{ ca }` to `ws`).
   */
  url: string;
  /** WebSocket constructor; defaults to the global one. */
  WebSocket?: WebSocketLike;
  /** Time allowed for the upgrade plus Auth (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * goim's binary protocol over WebSocket (one packet per binary message; op-9 batches
 * unwrapped), as the gateway serves it on `:3102/sub`. Browser-safe. Heartbeats follow
 * the server's hint from AuthReply, else every 60 s.
 *
 * @example
 * const client = new EdgeImClient({
 *   transport: goimWsTransport({ url: 'ws://127.0.0.1:3102/sub', accepts: [1000] }),
 *   token,
 * });
 */
export function goimWsTransport(options: GoimWsTransportOptions): Transport {
  return {
    kind: 'goim-ws',
    defaultHeartbeatMs: GOIM_DEFAULT_HEARTBEAT_MS,
    connect: (token, handlers) => openGoimWs(options, token, handlers),
  };
}

async function openGoimWs(options: GoimWsTransportOptions, token: string, handlers: ConnectionHandlers): Promise<Connection> {
  const Ctor = resolveWebSocket(options.WebSocket);
  const ws = openWebSocket(Ctor, options.url);
  ws.binaryType = 'arraybuffer';
  const conn = new GoimConnection({ write: (b) => ws.send(b), close: () => ws.close(1000, 'client close') }, handlers);
  let failure: unknown;
  ws.onmessage = (ev) => {
    if (ev.data instanceof ArrayBuffer) conn.onBytes(new Uint8Array(ev.data));
    else if (ArrayBuffer.isView(ev.data)) conn.onBytes(new Uint8Array(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength));
  };
  ws.onerror = (ev) => {
    failure = (ev as { error?: unknown }).error ?? ev;
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (ev) => reject(new EdgeImError('NETWORK', `cannot connect to ${options.url} (${ev.code})`, { cause: failure }));
  });
  ws.onclose = () => conn.onLinkClosed(failure);
  await withTimeout(conn.authenticate(token, options), options.connectTimeoutMs ?? GOIM_CONNECT_TIMEOUT_MS, () => ws.close());
  return conn;
}
