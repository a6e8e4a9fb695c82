/** Reconnect delays: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export interface BackoffOptions {
  /** First ceiling in ms (default 500). */
  baseMs?: number;
  /** Largest ceiling in ms (default 30 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): a uniform random value in
 * `[0, min(maxMs, baseMs · factor^attempt))` — "full jitter", so a crowd of clients
 * dropped at once does not come back at once.
 *
 * @example
 * backoffDelay(3, { baseMs: 500, maxMs: 30_000 }) // somewhere in [0, 4000)
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 500, maxMs = 30_000, factor = 2, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * factor ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * The delay before trying again after the server asked to wait `retryAfterMs`
 * (RATE_LIMITED, OVERLOADED, a DisconnectReply's `retryAfterMs`): that long plus a
 * uniform jitter of up to the same again (capped at `maxMs`), so clients told the same
 * figure at the same moment come back spread out instead of together.
 *
 * @example
 * retryAfterDelay(2000) // somewhere in [2000, 4000)
 */
export function retryAfterDelay(retryAfterMs: number, options: BackoffOptions = {}): number {
  const { maxMs = 30_000, random = Math.random } = options;
  return Math.floor(retryAfterMs + random() * Math.min(retryAfterMs, maxMs));
}
