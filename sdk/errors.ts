/**
 * Stable error codes the SDK reports. The server's codes (docs/PROTOCOL.md) come through as they
 * are; the SDK adds its own for client-side conditions.
 *
 * | code | meaning |
 * |------|---------|
 * | `BAD_REQUEST`, `TOO_LARGE`, `FORBIDDEN`, `NOT_FOUND`, `RATE_LIMITED`, `INTERNAL` | the server refused the request |
 * | `UNAUTHORIZED` | the token was refused or has expired; refresh it (the client does not loop) |
 * | `QUEUE_FULL` | `send()` while offline with the offline queue at `maxQueuedSends` |
 * | `DISCONNECTED` | the connection went away before a reply (not for `send`, which is retried) |
 * | `TIMEOUT` | no reply within `requestTimeoutMs` |
 * | `CLOSED` | the client was closed with `close()` |
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
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'QUEUE_FULL'
  | 'DISCONNECTED'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'UNSUPPORTED'
  | 'NETWORK'
  | 'PROTOCOL';

/**
 * The one error type of the SDK: every rejected promise and every `error` event carries
 * one, with a stable `code` and the original `cause` when there is one.
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
  constructor(
    readonly code: EdgeImErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turns a server `error: {code, message}` object into an EdgeImError. */
export function fromWireError(error: unknown): EdgeImError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  return new EdgeImError(typeof e.code === 'string' ? e.code : 'INTERNAL', typeof e.message === 'string' ? e.message : 'request failed');
}

/** Any thrown value as an EdgeImError: itself when it is one, else `INTERNAL` with it as the cause. */
export function asError(err: unknown): EdgeImError {
  return err instanceof EdgeImError ? err : new EdgeImError('INTERNAL', String((err as Error)?.message ?? err), { cause: err });
}
