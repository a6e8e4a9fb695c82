import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { disconnectReason, type DisconnectReason } from './disconnect-codes.js';

export interface AdmissionLimits {
  /** Auths being processed at once; one more is answered OVERLOADED. */
  maxPendingAuths: number;
  /** Event-loop delay (ms, the worst of the last half second) above which new Auths are answered OVERLOADED; 0 = no check. */
  maxEventLoopDelayMs: number;
  /** Clients told OVERLOADED come back after this long (each gets a value in [it, 2·it)). */
  retryAfterMs: number;
}

/**
 * Admission control at Auth (goim op 7): the gateway takes on no more connects than it
 * can finish, and tells the others explicitly, at once, when to come back, instead of
 * letting every connect slow down until clients time out.
 *
 * A client is refused with DisconnectReply OVERLOADED (`reconnect: true`,
 * `retryAfterMs`) when `maxPendingAuths` Auths are already in flight (token check and
 * session write), or while the event loop lags more than `maxEventLoopDelayMs`. The
 * retry hint is spread over [retryAfterMs, 2·retryAfterMs) so refused clients do not
 * come back in one wave.
 */
export class Admission {
  /** Auths admitted and not yet finished. */
  pending = 0;
  /** Worst event-loop delay of the last sampling window, ms. */
  delayMs = 0;
  /** Auths refused so far. */
  refused = 0;
  private histogram: IntervalHistogram | null = null;
  private sampler: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts watching the event loop (when a delay limit is set). */
  start(): void {
    if (this.limits.maxEventLoopDelayMs <= 0 || this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.sampler = setInterval(() => this.sample(), 500);
    this.sampler.unref();
  }

  stop(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.histogram?.disable();
    this.histogram = null;
    this.sampler = null;
  }

  /**
   * Takes one Auth in, or returns why not. A null answer must be followed by exactly
   * one `done()` when the Auth is finished, however it ends.
   */
  admit(): DisconnectReason | null {
    if (this.pending >= this.limits.maxPendingAuths) {
      return this.refuse(`${this.pending} connections are authenticating; retry later`);
    }
    if (this.limits.maxEventLoopDelayMs > 0 && this.currentDelayMs() > this.limits.maxEventLoopDelayMs) {
      return this.refuse('the gateway is overloaded; retry later');
    }
    this.pending++;
    return null;
  }

  done(): void {
    this.pending--;
  }

  /** An OVERLOADED reason with a spread retry hint of at least `atLeastMs`. */
  overloaded(message: string, atLeastMs = 0): DisconnectReason {
    const base = Math.max(this.limits.retryAfterMs, atLeastMs);
    return disconnectReason('OVERLOADED', message, Math.round(base * (1 + this.random())));
  }

  private refuse(message: string): DisconnectReason {
    this.refused++;
    return this.overloaded(message);
  }

  private currentDelayMs(): number {
    // The window in progress counts too: a loop that is lagging now need not wait for the sample.
    const now = this.histogram ? this.histogram.max / 1e6 : 0;
    return Math.max(this.delayMs, Number.isFinite(now) ? now : 0);
  }

  private sample(): void {
    if (!this.histogram) return;
    const max = this.histogram.max / 1e6;
    this.delayMs = Number.isFinite(max) ? max : 0;
    this.histogram.reset();
  }
}
