/**
 * How often to heartbeat. A fixed interval, or the adaptive scheme: start at `minMs`,
 * grow by `stepMs` after each interval survived, up to `maxMs`; on a failure (the
 * connection died between heartbeats, or a heartbeat went unanswered) shrink by one
 * step and stop growing — the last interval the network kept alive.
 */
export type HeartbeatOption = number | { adaptive: true; minMs?: number; maxMs?: number; stepMs?: number } | false;

/** The policy the client asks for the next interval and tells about outcomes. */
export interface HeartbeatPolicy {
  /** Interval to wait before the next heartbeat, in ms. */
  next(): number;
  /** A heartbeat was answered after waiting the current interval. */
  succeeded(): void;
  /** A heartbeat failed or the connection died while idle. */
  failed(): void;
}

/**
 * A fixed interval.
 *
 * @example
 * new FixedHeartbeat(60_000).next() // 60000
 */
export class FixedHeartbeat implements HeartbeatPolicy {
  constructor(private readonly ms: number) {}
  next(): number {
    return this.ms;
  }
  succeeded(): void {}
  failed(): void {}
}

/**
 * The adaptive scheme (60–300 s, step 30 s by default): mobile NATs drop idle mappings
 * after anywhere from 1 to 30 minutes, so the client finds the longest interval that
 * still works on this network.
 *
 * @example
 * const hb = new AdaptiveHeartbeat();
 * hb.next();      // 60000
 * hb.succeeded(); // → 90000
 * hb.failed();    // → 60000, and it stops growing
 */
export class AdaptiveHeartbeat implements HeartbeatPolicy {
  private current: number;
  private stable = false;
  readonly minMs: number;
  readonly maxMs: number;
  readonly stepMs: number;

  constructor(options: { minMs?: number; maxMs?: number; stepMs?: number } = {}) {
    this.minMs = options.minMs ?? 60_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.stepMs = options.stepMs ?? 30_000;
    this.current = this.minMs;
  }

  next(): number {
    return this.current;
  }

  succeeded(): void {
    if (!this.stable) this.current = Math.min(this.maxMs, this.current + this.stepMs);
  }

  failed(): void {
    this.current = Math.max(this.minMs, this.current - this.stepMs);
    this.stable = true;
  }
}
