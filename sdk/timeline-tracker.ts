import type { TimelineMessage } from './types.js';

/**
 * Ordering for one timeline: hands out messages in seq order, holds back the ones after
 * a gap, and moves past holes once a pull shows the server does not have them.
 *
 * - `last` is the highest seq handled; everything at or below it was delivered or is a
 *   hole that was moved past.
 * - A pushed message after a gap waits in `pending` until the gap fills (by push or pull).
 * - After a pull, a seq missing below both the server's head and the highest seq the pull
 *   returned is a hole: it is skipped. Should it still turn up later, it is delivered then.
 */
export class TimelineTracker {
  private readonly pending = new Map<number, TimelineMessage>();
  private readonly skipped = new Set<number>();

  constructor(public last = 0) {}

  /** True while messages wait behind a gap. */
  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  /** A pushed message: returns what can be delivered now, in order. */
  push(m: TimelineMessage): TimelineMessage[] {
    if (m.seq <= this.last) return this.lateFill(m);
    if (!this.pending.has(m.seq)) this.pending.set(m.seq, m);
    return this.drain();
  }

  /**
   * One page of a pull (`sync` after `last`): returns what can be delivered, in order,
   * and moves past holes the page proves.
   */
  pulled(messages: readonly TimelineMessage[], head: number): TimelineMessage[] {
    const out: TimelineMessage[] = [];
    let pageMax = 0;
    for (const m of messages) {
      pageMax = Math.max(pageMax, m.seq);
      if (m.seq <= this.last) out.push(...this.lateFill(m));
      else if (!this.pending.has(m.seq)) this.pending.set(m.seq, m);
    }
    const top = messages.length > 0 ? Math.min(head, pageMax) : Math.min(head, this.maxPending());
    for (let s = this.last + 1; s <= top; s++) {
      const m = this.pending.get(s);
      if (m) {
        this.pending.delete(s);
        out.push(m);
      } else {
        this.skipped.add(s);
        if (this.skipped.size > 10_000) this.skipped.delete(this.skipped.values().next().value as number);
      }
      this.last = s;
    }
    out.push(...this.drain());
    return out;
  }

  private lateFill(m: TimelineMessage): TimelineMessage[] {
    if (!this.skipped.delete(m.seq)) return [];
    return [m];
  }

  private drain(): TimelineMessage[] {
    const out: TimelineMessage[] = [];
    for (let m = this.pending.get(this.last + 1); m; m = this.pending.get(this.last + 1)) {
      this.pending.delete(m.seq);
      this.last = m.seq;
      out.push(m);
    }
    return out;
  }

  private maxPending(): number {
    let max = 0;
    for (const s of this.pending.keys()) max = Math.max(max, s);
    return max;
  }
}
