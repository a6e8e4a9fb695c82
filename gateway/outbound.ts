import { ChannelState, type Channel } from './channel.js';

/** Settings of the outbound queue. */
export interface OutboundOptions {
  /** Frames for one connection within this window go out as one write; 0 = end of the event-loop turn. */
  windowMs: number;
  /** A connection's write is flushed early once it holds this many packets. */
  maxFrames: number;
  /** Unsent + socket-buffered bytes per connection before it is a slow consumer. */
  maxBytes: number;
}

/**
 * Merged writes with back-pressure (goim's per-channel ring + writer, without a
 * goroutine or timer per connection).
 *
 * `enqueue` appends an encoded packet to the connection's queue and marks it dirty;
 * one shared timer (or setImmediate for a zero window) flushes every dirty connection
 * with one write each: several packets become one TCP write or one op-9 WebSocket
 * message. Under load the event loop is busy for longer, more frames arrive per turn,
 * and merging grows by itself, as goim's writer does when its ring fills.
 *
 * A connection whose unsent plus socket-buffered bytes would pass `maxBytes` is a slow
 * consumer: `onSlow` closes it (DisconnectReply SLOW_CONSUMER). Inbox messages it missed
 * are kept for sync; room messages and transient pushes are not.
 */
export class Outbound {
  private dirty: Channel[] = [];
  private scheduled = false;
  private readonly flushAll = () => this.flush();

  constructor(
    private readonly options: OutboundOptions,
    private readonly onSlow: (ch: Channel) => void,
  ) {}

  /** Queues one packet; false when the connection is closing or was just closed as slow. */
  enqueue(ch: Channel, buf: Buffer): boolean {
    if (ch.state !== ChannelState.Open) return false;
    if (ch.queuedBytes + buf.length + ch.buffered() > this.options.maxBytes) {
      this.onSlow(ch);
      return false;
    }
    let queue = ch.queue;
    if (queue === null) queue = ch.queue = [buf];
    else queue.push(buf);
    ch.queuedBytes += buf.length;
    if (queue.length >= this.options.maxFrames) {
      this.flushChannel(ch);
    } else if (!ch.dirty) {
      ch.dirty = true;
      this.dirty.push(ch);
      if (!this.scheduled) this.schedule();
    }
    return true;
  }

  /** Writes whatever is queued for `ch` now (also used before a DisconnectReply). */
  flushChannel(ch: Channel): void {
    const queue = ch.queue;
    if (queue === null) return;
    const total = ch.queuedBytes;
    ch.queue = null;
    ch.queuedBytes = 0;
    if (ch.state > ChannelState.Closing) return;
    if (queue.length === 1) ch.writeOne(queue[0]!);
    else ch.writeMany(queue, total);
  }

  /** Drops what is queued for `ch` (slow consumer). */
  discard(ch: Channel): void {
    ch.queue = null;
    ch.queuedBytes = 0;
  }

  /** Flushes every dirty connection. */
  flush(): void {
    this.scheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (let i = 0; i < list.length; i++) {
      const ch = list[i]!;
      ch.dirty = false;
      this.flushChannel(ch);
    }
  }

  private schedule(): void {
    this.scheduled = true;
    if (this.options.windowMs <= 0) setImmediate(this.flushAll);
    else setTimeout(this.flushAll, this.options.windowMs);
  }
}
