/**
 * Stable error codes the SDK reports: the server's (`ServerErrorCode`, docs/PROTOCOL.md#errors)
 * come through as they are; the SDK adds its own for client-side conditions.
 *
 * | code | meaning |
 * |------|---------|
 * | `BAD_REQUEST`, `TOO_LARGE`, `FORBIDDEN`, `NOT_FOUND`, `INTERNAL` | the server refused the request |
 * | `CONFLICT` | the `cmid` was used before for a different `to`/`body`: never retried; send it with a new cmid |
 * | `RATE_LIMITED` | too many requests; `send()` waits `retryAfterMs` (plus jitter) and retries itself, up to `maxSendRetries` |
 * | `OVERLOADED` | the server sheds load; like `RATE_LIMITED` (a goim DisconnectReply with it delays the reconnect) |
 * | `UNAUTHORIZED` | the token was refused or has expired (also after a goim DisconnectReply `TOKEN_EXPIRED` when `refreshToken` gives none); refresh it (the client does not loop) |
 * | `CONFIGURATION` | the client cannot work as configured (no WebSocket on Node 20, a malformed URL or port): `connect()` rejects at once |
 * | `QUEUE_FULL` | `send()` while offline with the offline queue at `maxQueuedSends` |
 * | `DISCONNECTED` | the connection went away before a reply (not for `send`, which is retried); also the `state` event's error when the server closed it to be reconnected (a goim DisconnectReply with `reconnect: true`, docs/PROTOCOL.md#gateway-goim-protocol: the message starts with its code) |
 * | `TIMEOUT` | no reply within `requestTimeoutMs`, or a `send()` not durable within its `timeoutMs` |
 * | `CLOSED` | the client was closed with `close()`, or the server closed it for good (DisconnectReply with `reconnect: false`) |
 * | `UNSUPPORTED` | the transport cannot do this (e.g. `createGroup` over goim) |
 * | `NETWORK` | the connection could not be opened |
 * | `PROTOCOL` | the server sent something the SDK cannot read |
 */
export type EdgeImErrorCode = ServerErrorCode | ClientErrorCode;

/**
 * The server's stable error codes (docs/PROTOCOL.md#errors): the codes of `reply` and
 * `error` frames. The SDK's copy of the server's list; a test keeps the two equal.
 */
export const SERVER_ERROR_CODES = ['BAD_REQUEST', 'TOO_LARGE', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'OVERLOADED', 'INTERNAL'] as const;
/** One of the server's error codes. */
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];
/** The codes the SDK adds for conditions on the client's side. */
export type ClientErrorCode = 'CONFIGURATION' | 'QUEUE_FULL' | 'DISCONNECTED' | 'TIMEOUT' | 'CLOSED' | 'UNSUPPORTED' | 'NETWORK' | 'PROTOCOL';

/** An error as the server sends it in a `reply` or `error` frame (`retryAfterMs` with RATE_LIMITED and OVERLOADED). */
export interface WireError {
  code: ServerErrorCode;
  message: string;
  retryAfterMs?: number;
}

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
export const RETRY_LATER_CODES: ReadonlySet<string> = new Set<ServerErrorCode>(['RATE_LIMITED', 'OVERLOADED']);

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
