import { ChannelState, type Channel } from './channel.js';

/** Settings of the task-wide queue budget. */
export interface QueueBudgetOptions {
  /** Bytes all channels may hold together; 0 turns the budget off. */
  maxBytes: number;
  /** Once over, channels are cut until the total is at most this share of `maxBytes`. */
  lowWater?: number;
  /** Least time between two exact recounts of every channel (ms). */
  recountMs?: number;
}

/** What the budget does to a channel. */
export interface BudgetActions {
  /** Every channel whose socket is still open (closing ones included). */
  channels(): Iterable<Channel>;
  /** Closes an open channel for the budget (DisconnectReply RATE_LIMITED, a short linger). */
  evict(ch: Channel): void;
  /** Drops a closing channel's socket at once (its peer did not take what was queued before its DisconnectReply). */
  destroy(ch: Channel): void;
}

/**
 * One budget for the bytes all connections of the task hold: request bodies waiting
 * their turn, packets waiting for the next merged write, and what the socket has not
 * handed to the kernel yet, until the socket is gone. Each connection has its own bounds
 * (maxPendingBytes, maxOutboundBytes); this one bounds their sum, so many connections,
 * each just under its own bound, cannot together take the task's memory.
 *
 * Accounting is incremental: a channel carries `heldBytes`, what it held when last
 * looked at, and `note(ch)` re-reads that one channel (three numbers) after it queued or
 * dequeued something. Socket buffers drain without telling anyone, so the running total
 * errs high. When it passes `maxBytes`, `enforce` runs outside the current call (at most
 * once per `recountMs`): it recounts every channel exactly and, only if the exact total
 * is still over, cuts until the total is back under `lowWater` × `maxBytes`:
 *
 * 1. first channels already closing whose sockets still hold bytes (their peer is not
 *    reading: the DisconnectReply behind those bytes would never arrive), biggest first,
 *    destroyed at once;
 * 2. then open channels, biggest first, closed through `evict` (DisconnectReply
 *    RATE_LIMITED with a retry hint). What their sockets still hold stays counted until
 *    they are gone: a peer that reads gets its DisconnectReply, one that does not is
 *    destroyed at the next recount that finds the task over its budget.
 */
export class QueueBudget {
  /** Bytes held, as last accounted (an upper bound between recounts). */
  total = 0;
  /** Open connections closed for the budget so far. */
  evicted = 0;
  /** Closing connections destroyed for the budget so far. */
  destroyed = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastRecount = 0;
  private readonly lowWater: number;
  private readonly recountMs: number;

  constructor(
    private readonly options: QueueBudgetOptions,
    private readonly actions: BudgetActions,
  ) {
    this.lowWater = options.lowWater ?? 0.75;
    this.recountMs = options.recountMs ?? 100;
  }

  /** Re-accounts what `ch` holds now (call after it queued or dequeued bytes). */
  note(ch: Channel): void {
    if (this.options.maxBytes <= 0) return;
    const held = heldBy(ch);
    this.total += held - ch.heldBytes;
    ch.heldBytes = held;
    if (this.total > this.options.maxBytes && this.timer === null) {
      const wait = Math.max(0, this.lastRecount + this.recountMs - Date.now());
      this.timer = setTimeout(() => this.enforce(), wait);
      this.timer.unref();
    }
  }

  /** The channel's socket is gone: it holds nothing any more. */
  release(ch: Channel): void {
    this.total -= ch.heldBytes;
    ch.heldBytes = 0;
  }

  /** Exact recount; if still over the budget, cuts the biggest holders (closing ones first) until under the low-water mark. */
  enforce(): void {
    this.timer = null;
    this.lastRecount = Date.now();
    const closing: Channel[] = [];
    const open: Channel[] = [];
    let total = 0;
    for (const ch of this.actions.channels()) {
      const held = heldBy(ch);
      ch.heldBytes = held;
      total += held;
      if (held > 0) (ch.state === ChannelState.Closing ? closing : open).push(ch);
    }
    this.total = total;
    if (total <= this.options.maxBytes) return;
    const target = this.options.maxBytes * this.lowWater;
    let left = total;
    for (const ch of closing.sort(biggestFirst)) {
      if (left <= target) return;
      left -= ch.heldBytes;
      this.destroyed++;
      this.actions.destroy(ch); // its socket's close releases its bytes
    }
    for (const ch of open.sort(biggestFirst)) {
      if (left <= target) return;
      left -= ch.heldBytes;
      this.evicted++;
      this.actions.evict(ch);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** What a channel holds: waiting requests and outbound while open; once closing, what its socket has not sent. */
function heldBy(ch: Channel): number {
  if (ch.state <= ChannelState.Open) return ch.pendingBytes + ch.queuedBytes + ch.buffered();
  return ch.state === ChannelState.Closing ? ch.buffered() : 0;
}

const biggestFirst = (a: Channel, b: Channel) => b.heldBytes - a.heldBytes;
