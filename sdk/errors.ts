/**
 * Stable error codes the SDK reports. The server's codes (docs/PROTOCOL.md) come through as they
 * are; the SDK adds its own for client-side conditions.
 *
 * | code | meaning |
 * |------|---------|
 * | `BAD_REQUEST`, `TOO_LARGE`, `FORBIDDEN`, `NOT_FOUND`, `INTERNAL` | the server refused the request |
 * | `CONFLICT` | the `cmid` was used before for a different `to`/`body`: never retried; send it with a new cmid |
 * | `RATE_LIMITED` | too many requests; `send()` waits `retryAfterMs` (plus jitter) and retries itself, up to `maxSendRetries` |
 * | `OVERLOADED` | the server sheds load; like `RATE_LIMITED` (a goim DisconnectReply with it delays the reconnect) |
 * | `UNAUTHORIZED` | the token was refused or has expired; refresh it (the client does not loop) |
 * | `CONFIGURATION` | the client cannot work as configured (no WebSocket on Node 20, a malformed URL or port): `connect()` rejects at once |
 * | `QUEUE_FULL` | `send()` while offline with the offline queue at `maxQueuedSends` |
 * | `DISCONNECTED` | the connection went away before a reply (not for `send`, which is retried) |
 * | `TIMEOUT` | no reply within `requestTimeoutMs`, or a `send()` not durable within its `timeoutMs` |
 * | `CLOSED` | the client was closed with `close()`, or the server closed it for good (DisconnectReply with `reconnect: false`) |
 * | `UNSUPPORTED` | the transport cannot do this (e.g. `createGroup` over goim) |
 * | `NETWORK` | the connection could not be opened |
 * | `PROTOCOL` | the server sent something the SDK cannot read |
 */
export type EdgeImErrorCode =
  | 'BAD_REQUEST'
  | 'TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'INTERNAL'
  | 'CONFIGURATION'
  | 'QUEUE_FULL'
  | 'DISCONNECTED'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'UNSUPPORTED'
  | 'NETWORK'
  | 'PROTOCOL';

/**
 * The one error type of the SDK: every rejected promise and every `error` event carries
 * one, with a stable `code`, the original `cause` when there is one, and the server's
 * `retryAfterMs` when it named one (RATE_LIMITED, OVERLOADED).
 *
 * @example
 * try {
 *   await client.send({ group: 'team' }, { text: 'hi' });
 * } catch (err) {
 *   if (err instanceof EdgeImError && err.code === 'FORBIDDEN') showNotAMember();
 * }
 */
export class EdgeImError extends Error {
  override name = 'EdgeImError';
  /** How long the server asked the client to wait before trying again, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: EdgeImErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Codes a request may be retried after, once `retryAfterMs` has passed. */
export const RETRY_LATER_CODES: ReadonlySet<string> = new Set(['RATE_LIMITED', 'OVERLOADED']);

/** A non-negative finite number of milliseconds, or undefined. */
export function retryAfter(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Turns a server `error: {code, message, retryAfterMs?}` object into an EdgeImError. */
export function fromWireError(error: unknown): EdgeImError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; retryAfterMs?: unknown };
  return new EdgeImError(typeof e.code === 'string' ? e.code : 'INTERNAL', typeof e.message === 'string' ? e.message : 'request failed', {
    retryAfterMs: retryAfter(e.retryAfterMs),
  });
}

/** Any thrown value as an EdgeImError: itself when it is one, else `INTERNAL` with it as the cause. */
export function asError(err: unknown): EdgeImError {
  return err instanceof EdgeImError ? err : new EdgeImError('INTERNAL', String((err as Error)?.message ?? err), { cause: err });
}
