import type { Clock } from '../domain/ports/clock.js';

/** A Clock that moves only when told: tests of expiry, pacing and windows without waiting. */
export class ManualClock implements Clock {
  constructor(private ms = 1_800_000_000_000) {}

  now(): number {
    return this.ms;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    this.ms += ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }
}
