import { EdgeImError } from './errors.js';
import type { Connection } from './transport.js';
import type { Target } from './types.js';

/** What `send()` resolves with. */
export interface SendResult {
  /** The server's message id. */
  msgId: string;
  /** The client message id the send kept across retries. */
  cmid: string;
}

interface Item {
  to: Target;
  body: unknown;
  cmid: string;
  resolve: (r: SendResult) => void;
  reject: (e: EdgeImError) => void;
}

/**
 * Sends in order, one at a time, each with its cmid fixed at `add` time. Without a
 * connection they wait (at most `max`, then QUEUE_FULL); a send whose connection drops
 * before the reply goes out again, same cmid, on the next connection.
 */
export class Outbox {
  private readonly items: Item[] = [];
  private conn: Connection | undefined;
  private pumping = false;

  constructor(
    private readonly max: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: (err: EdgeImError) => void,
  ) {}

  /** Sends waiting or in flight. */
  get size(): number {
    return this.items.length;
  }

  add(to: Target, body: unknown, cmid: string): Promise<SendResult> {
    if (this.items.length >= this.max) {
      return Promise.reject(
        new EdgeImError('QUEUE_FULL', `the offline send queue is full (${this.max} messages waiting for a connection); retry after the reconnect or raise maxQueuedSends`),
      );
    }
    const done = new Promise<SendResult>((resolve, reject) => this.items.push({ to, body, cmid, resolve, reject }));
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
    for (const item of this.items.splice(0)) item.reject(err);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.conn && this.items.length > 0) {
        const conn = this.conn;
        const item = this.items[0]!;
        try {
          const data = (await conn.request('send', { to: item.to, cmid: item.cmid, body: item.body }, this.timeoutMs)) as { msgId: string };
          if (this.items[0] === item) this.items.shift();
          item.resolve({ msgId: data.msgId, cmid: item.cmid });
        } catch (err) {
          const e = err instanceof EdgeImError ? err : new EdgeImError('INTERNAL', String(err), { cause: err });
          if (e.code === 'DISCONNECTED' || e.code === 'TIMEOUT') {
            if (this.conn === conn) this.conn = undefined;
            if (e.code === 'TIMEOUT') this.onTimeout(e);
            break;
          }
          if (this.items[0] === item) this.items.shift();
          item.reject(e);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.conn && this.items.length > 0) void this.pump();
  }
}
