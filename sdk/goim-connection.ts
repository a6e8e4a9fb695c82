import { DisconnectCode, NO_RECONNECT_WITHOUT_FLAG } from './disconnect-codes.js';
import { EdgeImError, fromWireError, retryAfter } from './errors.js';
import { encodePacket, GOIM_MIN_BUSINESS_OP, GoimOp, GoimStreamReader, type GoimPacket } from './goim-codec.js';
import { PendingRequests, type Action, type CloseReason, type Connection, type ConnectionHandlers } from './transport.js';
import type { PushEvent, ServerFrame } from './types.js';
import { decodeUtf8 } from './utf8.js';

/** A byte pipe under the goim protocol: a TCP socket or a WebSocket in binary mode. */
export interface ByteLink {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** goim Auth options shared by the goim transports. */
export interface GoimAuthOptions {
  /** Device key (goim `key`); the server makes the connection id either way. */
  device?: string;
  platform?: string;
  /** Business ops (≥ 1000) whose user/key pushes this connection takes (goim `accepts`). */
  accepts?: number[];
  /** A room to join at auth, goim style `type://id` or an edgeim room id. */
  room?: string;
}

/** Heartbeat interval of the goim transports until the gateway's AuthReply names one. */
export const GOIM_DEFAULT_HEARTBEAT_MS = 60_000;
/** Time a goim transport allows for opening the link plus Auth, unless the app sets `connectTimeoutMs`. */
export const GOIM_CONNECT_TIMEOUT_MS = 10_000;

const REQUEST_OPS: Partial<Record<Action, [number, number]>> = {
  send: [GoimOp.SendMsg, GoimOp.SendMsgReply],
  sync: [GoimOp.Sync, GoimOp.SyncReply],
  ack: [GoimOp.Ack, GoimOp.AckReply],
  join: [GoimOp.Join, GoimOp.JoinReply],
  leave: [GoimOp.Leave, GoimOp.LeaveReply],
};

/** A DisconnectReply as the SDK keeps it. */
interface Disconnect {
  code: string;
  message: string;
  reconnect: boolean;
  retryAfterMs?: number;
}

/**
 * The goim protocol over any byte link: Auth/AuthReply, requests matched to replies by
 * packet seq, heartbeats (op 2/3), pushes (ops 26, 27, ≥ 1000) translated to the same
 * frames the WebSocket API sends, DisconnectReply reasons. Used by the goim TCP and goim
 * WebSocket transports.
 */
export class GoimConnection implements Connection {
  heartbeatHintMs: number | undefined;
  private readonly reader = new GoimStreamReader();
  private readonly pending = new PendingRequests<number>();
  private seq = 0;
  private closed = false;
  private disconnect: Disconnect | undefined;
  private authWaiter: { resolve: () => void; reject: (e: EdgeImError) => void } | undefined;

  constructor(
    private readonly link: ByteLink,
    private readonly handlers: ConnectionHandlers,
  ) {}

  /** Sends Auth; resolves on AuthReply, rejects with UNAUTHORIZED on a DisconnectReply. */
  authenticate(token: string, auth: GoimAuthOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.authWaiter = { resolve, reject };
      const body = { token, mid: 0, key: auth.device ?? '', room_id: auth.room ?? '', platform: auth.platform ?? '', accepts: auth.accepts ?? [] };
      this.link.write(encodePacket(GoimOp.Auth, ++this.seq, JSON.stringify(body)));
    });
  }

  request(action: Action, fields: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<unknown> {
    if (this.closed) return Promise.reject(new EdgeImError('DISCONNECTED', 'connection closed'));
    const seq = ++this.seq;
    if (action === 'heartbeat') {
      const reply = this.pending.add(seq, timeoutMs, () => new EdgeImError('TIMEOUT', `heartbeat got no reply within ${timeoutMs} ms`));
      this.link.write(encodePacket(GoimOp.Heartbeat, seq));
      return reply;
    }
    const ops = REQUEST_OPS[action];
    if (!ops) return Promise.reject(new EdgeImError('UNSUPPORTED', `${action} is not available over goim; use the WebSocket API or the push API`));
    const reply = this.pending.add(seq, timeoutMs, () => new EdgeImError('TIMEOUT', `${action} got no reply within ${timeoutMs} ms`));
    this.link.write(encodePacket(ops[0], seq, JSON.stringify({ id: `r${seq}`, ...fields })));
    return reply;
  }

  /** A request that gets no reply (an `ack` with `reply: false`): written, nothing awaited. */
  post(action: Action, fields: Record<string, unknown>): void {
    if (this.closed) throw new EdgeImError('DISCONNECTED', 'connection closed');
    const ops = REQUEST_OPS[action];
    if (!ops) throw new EdgeImError('UNSUPPORTED', `${action} is not available over goim`);
    this.link.write(encodePacket(ops[0], ++this.seq, JSON.stringify(fields)));
  }

  /** goim's heartbeat (op 2): answered by the gateway itself. */
  async keepAlive(timeoutMs: number): Promise<void> {
    await this.request('heartbeat', {}, timeoutMs);
  }

  close(): void {
    if (!this.closed) this.link.close();
  }

  /** Bytes from the link. */
  onBytes(chunk: Uint8Array): void {
    let packets: GoimPacket[];
    try {
      packets = this.reader.push(chunk);
    } catch (err) {
      this.disconnect = { code: DisconnectCode.ProtocolError, message: String((err as Error).message), reconnect: false };
      this.link.close();
      return;
    }
    for (const p of packets) this.onPacket(p);
  }

  /** The link closed (for whatever reason). */
  onLinkClosed(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.rejectAll(() => new EdgeImError('DISCONNECTED', 'connection closed before the reply'));
    const d = this.disconnect;
    if (this.authWaiter) {
      this.authWaiter.reject(authFailure(d, error));
      this.authWaiter = undefined;
      return;
    }
    const reason: CloseReason = d
      ? {
          code: d.code,
          message: d.message,
          reconnect: d.reconnect,
          unauthorized: d.code === DisconnectCode.Unauthorized,
          ...(d.code === DisconnectCode.TokenExpired ? { expired: true } : {}),
          ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}),
        }
      : { code: 'CLOSED', message: error ? String((error as Error).message ?? error) : 'connection closed', reconnect: true };
    this.handlers.onClose(reason);
  }

  private onPacket(p: GoimPacket): void {
    switch (p.op) {
      case GoimOp.AuthReply: {
        const hint = parseJson(p.body) as { heartbeat?: unknown } | undefined;
        if (typeof hint?.heartbeat === 'number' && hint.heartbeat > 0) this.heartbeatHintMs = hint.heartbeat * 1000;
        this.authWaiter?.resolve();
        this.authWaiter = undefined;
        return;
      }
      case GoimOp.HeartbeatReply: {
        const online = p.body.length >= 4 ? new DataView(p.body.buffer, p.body.byteOffset, 4).getInt32(0) : 0;
        this.pending.resolve(p.seq, { online, time: Date.now() });
        return;
      }
      case GoimOp.SendMsgReply:
      case GoimOp.SyncReply:
      case GoimOp.AckReply:
      case GoimOp.JoinReply:
      case GoimOp.LeaveReply: {
        const frame = parseJson(p.body) as Extract<ServerFrame, { type: 'reply' }> | undefined;
        if (!frame) this.pending.reject(p.seq, new EdgeImError('PROTOCOL', 'reply body is not JSON'));
        else if (frame.ok) this.pending.resolve(p.seq, frame.data);
        else this.pending.reject(p.seq, fromWireError(frame.error));
        return;
      }
      case GoimOp.DisconnectReply: {
        this.disconnect = readDisconnect(parseJson(p.body));
        return;
      }
      case GoimOp.Message: {
        const m = parseJson(p.body) as Omit<Extract<ServerFrame, { type: 'message' }>, 'type'> | undefined;
        if (m) this.handlers.onFrame({ type: 'message', ...m });
        return;
      }
      case GoimOp.Notify: {
        const n = parseJson(p.body) as Omit<Extract<ServerFrame, { type: 'notify' }>, 'type'> | undefined;
        if (n) this.handlers.onFrame({ type: 'notify', ...n });
        return;
      }
      default:
        if (p.op >= GOIM_MIN_BUSINESS_OP) this.handlers.onFrame({ type: 'push', ...goimPush(p) } as ServerFrame);
    }
  }
}

/**
 * A DisconnectReply body `{code, message, reconnect, retryAfterMs?}`. The client follows
 * `reconnect`; only a server that predates the field (no boolean there) gets the old
 * reading: come back unless UNAUTHORIZED or PROTOCOL_ERROR.
 */
function readDisconnect(body: unknown): Disconnect {
  const d = (body ?? {}) as { code?: unknown; message?: unknown; reconnect?: unknown; retryAfterMs?: unknown };
  const code = typeof d.code === 'string' ? d.code : DisconnectCode.ClosedByServer;
  const reconnect = typeof d.reconnect === 'boolean' ? d.reconnect : !NO_RECONNECT_WITHOUT_FLAG.has(code);
  const wait = retryAfter(d.retryAfterMs);
  return { code, message: typeof d.message === 'string' ? d.message : '', reconnect, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
}

/**
 * Why Auth failed: UNAUTHORIZED for a refused token, CLOSED when the server said not to
 * come back, else NETWORK (with the server's `retryAfterMs`, e.g. OVERLOADED in a connect storm).
 */
function authFailure(d: Disconnect | undefined, cause: unknown): EdgeImError {
  if (!d) return new EdgeImError('NETWORK', 'connection closed during auth', { cause });
  const text = `${d.code}: ${d.message}`;
  if (d.code === DisconnectCode.Unauthorized) return new EdgeImError('UNAUTHORIZED', text, { cause });
  if (!d.reconnect) return new EdgeImError('CLOSED', text, { cause });
  return new EdgeImError('NETWORK', text, { cause, retryAfterMs: d.retryAfterMs });
}

/** A goim business push as a PushEvent: UTF-8 JSON is parsed, other text kept, bytes otherwise. */
function goimPush(p: GoimPacket): PushEvent {
  const bytes = p.body.slice();
  let text: string;
  try {
    text = decodeUtf8(bytes, true);
  } catch {
    return { op: p.op, body: undefined, bytes };
  }
  try {
    return { op: p.op, body: JSON.parse(text) };
  } catch {
    return { op: p.op, body: text };
  }
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decodeUtf8(body));
  } catch {
    return undefined;
  }
}
