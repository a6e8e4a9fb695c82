import { retryAfterDelay, type BackoffOptions } from './backoff.js';
import { EdgeImError, RETRY_LATER_CODES } from './errors.js';
import type { Connection } from './transport.js';
import type { Target } from './types.js';

/** What `send()` resolves with. */
export interface SendResult {
  /** The server's message id. */
  msgId: string;
  /** The client message id the send kept across retries. */
  cmid: string;
}

/** Options of one `send()`. */
export interface SendOptions {
  /** Client message id (≤ 64 chars); a fresh one when omitted. Pass the same one to retry a send that failed. */
  cmid?: string;
  /**
   * Give up when the message is not durable within this many ms (waiting offline, in
   * flight, or waiting out RATE_LIMITED): `send()` rejects with TIMEOUT and the message
   * leaves the queue. One already on the wire may still have been stored: retry with
   * the same `cmid` and the server keeps it once. Default: no limit.
   */
  timeoutMs?: number;
}

/** How the outbox behaves (from the client options). */
export interface OutboxOptions {
  /** Sends waiting or in flight, at most. */
  max: number;
  /** Reply timeout of one attempt. */
  requestTimeoutMs: number;
  /** Retries after RATE_LIMITED / OVERLOADED with `retryAfterMs`, per message. */
  maxRetries: number;
  backoff?: BackoffOptions | undefined;
  /** An attempt got no reply in time (the client drops the connection; the send goes out again after the reconnect). */
  onTimeout(err: EdgeImError): void;
  /** A send was confirmed (durable) with this message id. */
  onSent?(sent: { to: Target; body: unknown; cmid: string; msgId: string }): void;
}

interface Item {
  to: Target;
  body: unknown;
  cmid: string;
  retries: number;
  deadline: ReturnType<typeof setTimeout> | undefined;
  resolve: (r: SendResult) => void;
  reject: (e: EdgeImError) => void;
}

/**
 * Sends in order, one at a time, each with its cmid fixed at `add` time. Without a
 * connection they wait (at most `max`, then QUEUE_FULL); a send whose connection drops
 * before the reply goes out again, same cmid, on the next connection. A reply of
 * RATE_LIMITED or OVERLOADED with `retryAfterMs` holds the queue that long (plus jitter)
 * and sends the same message again, same cmid, up to `maxRetries` times. Any other error
 * (CONFLICT included) rejects that send and the queue goes on.
 */
export class Outbox {
  private readonly items: Item[] = [];
  private conn: Connection | undefined;
  private pumping = false;
  private holdUntil = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: OutboxOptions) {}

  /** Sends waiting or in flight. */
  get size(): number {
    return this.items.length;
  }

  add(to: Target, body: unknown, options: Required<Pick<SendOptions, 'cmid'>> & SendOptions): Promise<SendResult> {
    if (this.items.length >= this.options.max) {
      return Promise.reject(
        new EdgeImError('QUEUE_FULL', `the offline send queue is full (${this.options.max} messages waiting for a connection); retry after the reconnect or raise maxQueuedSends`),
      );
    }
    const done = new Promise<SendResult>((resolve, reject) => {
      const item: Item = { to, body, cmid: options.cmid, retries: 0, deadline: undefined, resolve, reject };
      if (options.timeoutMs !== undefined) {
        item.deadline = setTimeout(() => this.expire(item, options.timeoutMs!), options.timeoutMs);
      }
      this.items.push(item);
    });
    void this.pump();
    return done;
  }

  attach(conn: Connection): void {
    this.conn = conn;
    void this.pump();
  }

  detach(): void {
    this.conn = undefined;
  }

  rejectAll(err: EdgeImError): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const item of this.items.splice(0)) this.settle(item, err);
  }

  private expire(item: Item, ms: number): void {
    const i = this.items.indexOf(item);
    if (i < 0) return;
    this.items.splice(i, 1);
    this.settle(item, new EdgeImError('TIMEOUT', `the message was not confirmed within ${ms} ms; send it again with the same cmid (${item.cmid}) to keep it once`));
  }

  private settle(item: Item, result: SendResult | EdgeImError): void {
    if (item.deadline) clearTimeout(item.deadline);
    if (result instanceof EdgeImError) item.reject(result);
    else item.resolve(result);
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.holdTimer) return;
    this.pumping = true;
    try {
      while (this.conn && this.items.length > 0) {
        const wait = this.holdUntil - Date.now();
        if (wait > 0) {
          this.holdTimer = setTimeout(() => ((this.holdTimer = undefined), void this.pump()), wait);
          break;
        }
        const conn = this.conn;
        const item = this.items[0]!;
        try {
          const data = (await conn.request('send', { to: item.to, cmid: item.cmid, body: item.body }, this.options.requestTimeoutMs)) as { msgId: string };
          this.remove(item);
          this.options.onSent?.({ to: item.to, body: item.body, cmid: item.cmid, msgId: data.msgId });
          this.settle(item, { msgId: data.msgId, cmid: item.cmid });
        } catch (err) {
          const e = err instanceof EdgeImError ? err : new EdgeImError('INTERNAL', String(err), { cause: err });
          if (e.code === 'DISCONNECTED' || e.code === 'TIMEOUT') {
            if (this.conn === conn) this.conn = undefined;
            if (e.code === 'TIMEOUT') this.options.onTimeout(e);
            break;
          }
          if (RETRY_LATER_CODES.has(e.code) && e.retryAfterMs !== undefined && item.retries < this.options.maxRetries && this.items.includes(item)) {
            item.retries++;
            this.holdUntil = Date.now() + retryAfterDelay(e.retryAfterMs, this.options.backoff);
            continue;
          }
          this.remove(item);
          this.settle(item, e);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.conn && this.items.length > 0 && !this.holdTimer) void this.pump();
  }

  private remove(item: Item): void {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
  }
}
