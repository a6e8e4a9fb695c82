import type { EdgeImClientOptions } from './client-options.js';
import type { Connection } from './transport.js';

/** What an ack confirms: the message reached the device, or the user read it. */
export type AckKind = 'delivered' | 'read';

/** How often queued acks go out when the app sets no `ackIntervalMs`. */
export const DEFAULT_ACK_INTERVAL_MS = 3000;

/**
 * Batches acks: keeps the highest seq per timeline and kind, and sends them every
 * `ackIntervalMs` (default 3 s: one ack per timeline however many messages came) and on
 * each (re)connect. A read ack covers the delivered ack up to the same seq. Acks go out
 * with `reply: false` where the transport can send without waiting (no reply message to
 * pay for); an ack that cannot be sent is queued again.
 */
export class AckBatcher {
  private readonly acks = new Map<string, { timeline: string; kind: AckKind; seq: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: Pick<EdgeImClientOptions, 'ackIntervalMs' | 'requestTimeoutMs'>,
    private readonly connection: () => Connection | undefined,
  ) {}

  /** Queues an ack; sent within `ackIntervalMs` (a lower seq than the one queued is dropped). */
  queue(timeline: string, kind: AckKind, seq: number): void {
    const key = `${kind}|${timeline}`;
    const cur = this.acks.get(key);
    if (cur && cur.seq >= seq) return;
    this.acks.set(key, { timeline, kind, seq });
    this.timer ??= setTimeout(() => this.flush(), this.options.ackIntervalMs ?? DEFAULT_ACK_INTERVAL_MS);
  }

  /** Sends the queued acks now on the open connection (keeps them while offline). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const conn = this.connection();
    if (!conn || this.acks.size === 0) return;
    const batch = [...this.acks.values()];
    this.acks.clear();
    // A read ack also moves delivered: skip the delivered ack it covers.
    const reads = new Map(batch.filter((a) => a.kind === 'read').map((a) => [a.timeline, a.seq]));
    for (const a of batch) {
      if (a.kind === 'delivered' && (reads.get(a.timeline) ?? 0) >= a.seq) continue;
      const fields = { timeline: a.timeline, seq: a.seq, kind: a.kind };
      if (conn.post) {
        try {
          conn.post('ack', { ...fields, reply: false });
        } catch {
          this.queue(a.timeline, a.kind, a.seq);
        }
      } else {
        conn.request('ack', fields, this.options.requestTimeoutMs).catch(() => this.queue(a.timeline, a.kind, a.seq));
      }
    }
  }

  /**
   * Stops the pending send (on `close()`). The timer handle stays set, so acks queued
   * afterwards wait for the next `flush()`, the one after the next connect.
   */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
