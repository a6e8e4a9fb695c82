import { EdgeImError, fromWireError } from './errors.js';
import {
  openWebSocket,
  PendingRequests,
  resolveWebSocket,
  type Action,
  type CloseReason,
  type Connection,
  type ConnectionHandlers,
  type Transport,
  type WebSocketLike,
} from './transport.js';
import type { ServerFrame } from './types.js';

/** Options of the WebSocket API transport. */
export interface WsApiTransportOptions {
  /** `wss://HOST/STAGE` (cloud) or `ws://127.0.0.1:3001` (`npm start`). */
  url: string;
  /** Device id sent as `device` (≤ 64 chars). */
  device?: string;
  /** Platform sent as `platform`, e.g. `web`, `ios`. */
  platform?: string;
  /** WebSocket constructor; defaults to the global one (browsers, React Native, Node ≥ 22). */
  WebSocket?: WebSocketLike;
}

/** Keep-alive interval on the WebSocket API: inside API Gateway's 10-minute idle close, with a minute to spare. */
export const WS_API_KEEPALIVE_MS = 9 * 60_000;

/**
 * The JSON WebSocket API (API Gateway, or its local emulator). Browser-safe.
 * Keep-alives are `{"action":"ping"}` every 9 minutes (inside API Gateway's 10-minute
 * idle close), answered `{"type":"pong"}` by API Gateway itself: no Lambda, no DynamoDB.
 *
 * @example
 * const client = new EdgeImClient({
 *   transport: wsApiTransport({ url: 'wss://abc.execute-api.eu-west-1.amazonaws.com/prod' }),
 *   token: await fetchToken(),
 * });
 */
export function wsApiTransport(options: WsApiTransportOptions): Transport {
  return {
    kind: 'ws-api',
    defaultHeartbeatMs: WS_API_KEEPALIVE_MS,
    connect: (token, handlers) => openWsApi(options, token, handlers),
  };
}

async function openWsApi(options: WsApiTransportOptions, token: string, handlers: ConnectionHandlers): Promise<Connection> {
  const Ctor = resolveWebSocket(options.WebSocket);
  const query = new URLSearchParams({ token });
  if (options.device) query.set('device', options.device);
  if (options.platform) query.set('platform', options.platform);
  const base = options.url.replace(/\/+$/, '');
  const url = `${base}${base.includes('?') ? '&' : '/?'}${query}`;
  const ws = openWebSocket(Ctor, url, options.url);
  return new Promise((resolve, reject) => {
    let opened = false;
    let failure: unknown;
    const pending = new PendingRequests<string>();
    /** Pings waiting for a pong: API Gateway's pong carries no id, so each pong answers the oldest. */
    const pings = new PendingRequests<number>();
    let nextPing = 0;
    let answeredPings = 0;
    let nextId = 0;
    let closed = false;
    const conn: Connection = {
      request(action: Action, fields = {}, timeoutMs = 15_000) {
        if (closed) return Promise.reject(new EdgeImError('DISCONNECTED', 'connection closed'));
        const id = `r${++nextId}`;
        const reply = pending.add(id, timeoutMs, () => new EdgeImError('TIMEOUT', `${action} got no reply within ${timeoutMs} ms`));
        ws.send(JSON.stringify({ action, id, ...fields }));
        return reply;
      },
      post(action: Action, fields: Record<string, unknown>) {
        if (closed) throw new EdgeImError('DISCONNECTED', 'connection closed');
        ws.send(JSON.stringify({ action, ...fields }));
      },
      async keepAlive(timeoutMs: number) {
        if (closed) throw new EdgeImError('DISCONNECTED', 'connection closed');
        const n = ++nextPing;
        const pong = pings.add(n, timeoutMs, () => new EdgeImError('TIMEOUT', `ping got no pong within ${timeoutMs} ms`));
        ws.send('{"action":"ping"}');
        await pong;
      },
      close() {
        if (!closed) ws.close(1000, 'client close');
      },
    };
    const onFrame = (frame: ServerFrame | { type: 'pong' }) => {
      if (frame.type === 'pong') {
        while (answeredPings < nextPing && !pings.resolve(++answeredPings, undefined)) {
          // that ping timed out already: this pong answers the next one
        }
      } else if (frame.type === 'batch') {
        for (const f of frame.frames) onFrame(f);
      } else if (frame.type === 'reply') {
        if (frame.id === undefined) return;
        if (frame.ok) pending.resolve(frame.id, frame.data);
        else pending.reject(frame.id, fromWireError(frame.error));
      } else {
        handlers.onFrame(frame);
      }
    };
    ws.onopen = () => {
      opened = true;
      resolve(conn);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string' || ev.data === '') return; // nothing to read (a route answered with no body)
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        handlers.onFrame({ type: 'error', error: { code: 'PROTOCOL', message: 'frame is not JSON' } });
        return;
      }
      onFrame(frame);
    };
    ws.onerror = (ev) => {
      failure = (ev as { error?: unknown; message?: unknown }).error ?? (ev as { message?: unknown }).message ?? ev;
    };
    ws.onclose = (ev) => {
      closed = true;
      pending.rejectAll(() => new EdgeImError('DISCONNECTED', 'connection closed before the reply'));
      pings.rejectAll(() => new EdgeImError('DISCONNECTED', 'connection closed before the pong'));
      if (!opened) {
        // Browsers hide the upgrade status; Node's `ws` says "Unexpected server response: 401".
        const text = String((failure as { message?: unknown })?.message ?? failure ?? '');
        if (/\b401\b|\b403\b/.test(text)) reject(new EdgeImError('UNAUTHORIZED', 'the server refused the token', { cause: failure }));
        else reject(new EdgeImError('NETWORK', `cannot connect to ${options.url} (${ev.code})`, { cause: failure }));
        return;
      }
      const reason: CloseReason = { code: String(ev.code), message: ev.reason || 'connection closed', reconnect: ev.code !== 1008 };
      handlers.onClose(reason);
    };
  });
}
