import { EdgeImError } from './errors.js';
import type { ServerFrame } from './types.js';

/**
 * What a transport does for the client: open one authenticated connection per call of
 * `connect`. The client owns everything else (reconnect, heartbeats, sync, retries).
 *
 * Contract:
 * - `connect` resolves once the server accepted the token (WebSocket API: upgrade done;
 *   goim: AuthReply received) and rejects with an `EdgeImError` — `UNAUTHORIZED` when the
 *   server refused the token, `CONFIGURATION` when it cannot even try (no WebSocket, a
 *   malformed URL: the client stops), `CLOSED` when the server said not to come back,
 *   `NETWORK` (with `retryAfterMs` when the server named a wait) for anything else.
 * - `request` resolves with a reply's `data`, rejects with the reply's error code, and
 *   rejects with `DISCONNECTED` when the connection closes first. Replies come in order.
 * - every pushed frame (`message`, `notify`, `push`, batches unpacked) goes to `onFrame`.
 * - `onClose` is called once, whoever closed.
 */
export interface Transport {
  /** `ws-api`, `goim-ws` or `goim-tcp`. */
  readonly kind: string;
  /** Heartbeat interval that suits this transport when the app sets none. */
  readonly defaultHeartbeatMs: number;
  connect(token: string, handlers: ConnectionHandlers): Promise<Connection>;
}

/** Callbacks of one connection. */
export interface ConnectionHandlers {
  onFrame(frame: ServerFrame | UnreadableFrame): void;
  onClose(reason: CloseReason): void;
}

/** What a transport hands on in place of a frame it cannot read (the client emits it as a `PROTOCOL` error). */
export interface UnreadableFrame {
  type: 'error';
  error: { code: 'PROTOCOL'; message: string };
}

/** Why a connection closed. */
export interface CloseReason {
  /** A server disconnect code (goim DisconnectReply) or a WebSocket close code as text. */
  code: string;
  message: string;
  /** Whether to come back: the server's `reconnect` (goim DisconnectReply), else true for a lost link. */
  reconnect: boolean;
  /** True when the token was refused. */
  unauthorized?: boolean;
  /** True when the server closed an open connection because its token expired (goim DisconnectReply TOKEN_EXPIRED): refresh, then reconnect. */
  expired?: boolean;
  /** Wait at least this long before reconnecting (the server's `retryAfterMs`, e.g. OVERLOADED). */
  retryAfterMs?: number;
}

/** The actions a connection serves (docs/PROTOCOL.md). */
export type Action = 'send' | 'sync' | 'ack' | 'join' | 'leave' | 'heartbeat' | 'createGroup' | 'addMembers' | 'removeMembers' | 'deleteGroup' | 'groups';

/** One open, authenticated connection. */
export interface Connection {
  request(action: Action, fields?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /**
   * Sends a request that gets no reply (an `ack` with `reply: false`); fire and forget.
   * Rejects only when the connection is closed.
   */
  post?(action: Action, fields: Record<string, unknown>): void;
  /**
   * The cheapest keep-alive the transport has: WebSocket API `ping` (answered by API
   * Gateway itself, no Lambda), goim heartbeat (op 2). Resolves when answered; rejects
   * with TIMEOUT after `timeoutMs`, DISCONNECTED when the connection closes first.
   */
  keepAlive?(timeoutMs: number): Promise<void>;
  /** Server's heartbeat hint in ms (goim AuthReply), if any. */
  readonly heartbeatHintMs?: number | undefined;
  close(): void;
}

/** Any WebSocket constructor with the browser API (the global one, or `ws` in Node). */
export type WebSocketLike = {
  new (url: string, protocols?: string | string[]): WebSocketInstance;
};

/** The subset of the browser WebSocket the SDK uses. */
export interface WebSocketInstance {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

/**
 * The WebSocket constructor to use: the one passed, else the global one (browsers, React
 * Native, Node ≥ 22). Throws `CONFIGURATION` when there is neither (Node 20).
 */
export function resolveWebSocket(ctor: WebSocketLike | undefined): WebSocketLike {
  const found = ctor ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
  if (!found) {
    throw new EdgeImError(
      'CONFIGURATION',
      'no WebSocket implementation: this runtime has no global WebSocket (Node 20). Pass one: `import WebSocket from "ws"` and `wsApiTransport({ url, WebSocket })`',
    );
  }
  return found;
}

/**
 * Opens a WebSocket; a constructor that throws (a malformed URL, a blocked port or scheme)
 * is a `CONFIGURATION` error: trying again cannot help.
 */
export function openWebSocket(Ctor: WebSocketLike, url: string, shownUrl = url): WebSocketInstance {
  try {
    return new Ctor(url);
  } catch (err) {
    throw new EdgeImError('CONFIGURATION', `cannot open a WebSocket to ${shownUrl}: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
}

/** Pending requests of one connection, settled by replies in order or by id. */
export class PendingRequests<K> {
  private readonly map = new Map<K, { resolve: (v: unknown) => void; reject: (e: EdgeImError) => void; timer: ReturnType<typeof setTimeout> | undefined }>();

  add(key: K, timeoutMs: number, onTimeout: () => EdgeImError): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => (this.map.delete(key), reject(onTimeout())), timeoutMs) : undefined;
      this.map.set(key, { resolve, reject, timer });
    });
  }

  resolve(key: K, value: unknown): boolean {
    const p = this.take(key);
    p?.resolve(value);
    return p !== undefined;
  }

  reject(key: K, err: EdgeImError): boolean {
    const p = this.take(key);
    p?.reject(err);
    return p !== undefined;
  }

  rejectAll(err: () => EdgeImError): void {
    for (const key of [...this.map.keys()]) this.reject(key, err());
  }

  private take(key: K) {
    const p = this.map.get(key);
    if (!p) return undefined;
    this.map.delete(key);
    if (p.timer) clearTimeout(p.timer);
    return p;
  }
}
