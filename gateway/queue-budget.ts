import { ChannelState, type Channel } from './channel.js';

/** Settings of the task-wide queue budget. */
export interface QueueBudgetOptions {
  /** Bytes all channels may hold together; 0 turns the budget off. */
  maxBytes: number;
  /** Once over, channels are closed until the total is at most this share of `maxBytes`. */
  lowWater?: number;
  /** Least time between two exact recounts of every channel (ms). */
  recountMs?: number;
}

/**
 * One budget for the bytes every connection of the task holds queued together: request
 * bodies waiting their turn, packets waiting for the next merged write, and what the
 * socket has not handed to the kernel yet. Each connection has its own bounds
 * (maxPendingBytes, maxOutboundBytes); this one bounds their sum, so many connections,
 * each just under its own bound, cannot together take the task's memory.
 *
 * Accounting is incremental: a channel carries `heldBytes`, what it held when last
 * looked at, and `note(ch)` re-reads that one channel (three numbers) after it queued or
 * dequeued something. Socket buffers drain without telling anyone, so the running total
 * errs high. When it passes `maxBytes`, `enforce` runs outside the current call (at most
 * once per `recountMs`): it recounts every channel exactly and, only if the exact total
 * is still over, closes the channels holding the most, biggest first, through `evict`
 * (the gateway sends DisconnectReply RATE_LIMITED) until the total is back under
 * `lowWater` × `maxBytes`.
 */
export class QueueBudget {
  /** Bytes held, as last accounted (an upper bound between recounts). */
  total = 0;
  /** Connections closed for the budget so far. */
  evicted = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastRecount = 0;
  private readonly lowWater: number;
  private readonly recountMs: number;

  constructor(
    private readonly options: QueueBudgetOptions,
    private readonly channels: () => Iterable<Channel>,
    private readonly evict: (ch: Channel) => void,
  ) {
    this.lowWater = options.lowWater ?? 0.75;
    this.recountMs = options.recountMs ?? 100;
  }

  /** Re-accounts what `ch` holds now (call after it queued or dequeued bytes). */
  note(ch: Channel): void {
    if (this.options.maxBytes <= 0) return;
    const held = ch.state <= ChannelState.Open ? ch.pendingBytes + ch.queuedBytes + ch.buffered() : 0;
    this.total += held - ch.heldBytes;
    ch.heldBytes = held;
    if (this.total > this.options.maxBytes && this.timer === null) {
      const wait = Math.max(0, this.lastRecount + this.recountMs - Date.now());
      this.timer = setTimeout(() => this.enforce(), wait);
      this.timer.unref();
    }
  }

  /** The channel holds nothing for the budget any more (it closed). */
  release(ch: Channel): void {
    this.total -= ch.heldBytes;
    ch.heldBytes = 0;
  }

  /** Exact recount; if still over the budget, closes the biggest holders until under the low-water mark. */
  enforce(): void {
    this.timer = null;
    this.lastRecount = Date.now();
    const holders: Channel[] = [];
    let total = 0;
    for (const ch of this.channels()) {
      const held = ch.state <= ChannelState.Open ? ch.pendingBytes + ch.queuedBytes + ch.buffered() : 0;
      ch.heldBytes = held;
      total += held;
      if (held > 0) holders.push(ch);
    }
    this.total = total;
    if (total <= this.options.maxBytes) return;
    holders.sort((a, b) => b.heldBytes - a.heldBytes);
    const target = this.options.maxBytes * this.lowWater;
    for (const ch of holders) {
      if (this.total <= target) break;
      this.evicted++;
      this.evict(ch); // closes it; its release() takes its bytes off the total
      if (ch.heldBytes !== 0) this.release(ch);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
