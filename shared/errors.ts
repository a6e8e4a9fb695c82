/**
 * One error type for the whole system. `code` is a stable string from the wire
 * contract; each transport maps it in one place (JSON reply, goim DisconnectReply,
 * HTTP status).
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'INTERNAL';

export class EdgeImError extends Error {
  override name = 'EdgeImError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class BadRequestError extends EdgeImError {
  override name = 'BadRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', message, options);
  }
}

export class TooLargeError extends EdgeImError {
  override name = 'TooLargeError';
  constructor(message: string) {
    super('TOO_LARGE', message);
  }
}

export class UnauthorizedError extends EdgeImError {
  override name = 'UnauthorizedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAUTHORIZED', message, options);
  }
}

export class ForbiddenError extends EdgeImError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends EdgeImError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The request contradicts an earlier one it claims to repeat (a `cmid` reused with another `to` or `body`). */
export class ConflictError extends EdgeImError {
  override name = 'ConflictError';
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** The caller's request budget is spent; retry after `retryAfterMs`. */
export class RateLimitedError extends EdgeImError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** The server sheds load it cannot take now (not the caller's fault); retry after `retryAfterMs`. */
export class OverloadedError extends EdgeImError {
  override name = 'OverloadedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super('OVERLOADED', message, options);
  }
}

/**
 * A failure inside edgeim, never the caller's fault: INTERNAL on every wire, its message
 * (and `cause`) kept for logs only. Subclasses name what failed.
 */
export class InternalError extends EdgeImError {
  override name = 'InternalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

/** A queue message that is not a job this version can run (malformed, or from an unknown producer). */
export class InvalidJobError extends InternalError {
  override name = 'InvalidJobError';
}

/** The wire form of an error: `{code, message}`, plus `retryAfterMs` where the error knows one. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

/** Maps anything thrown to `{code, message}`; unknown errors become INTERNAL without leaking details. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof RateLimitedError || err instanceof OverloadedError) return { code: err.code, message: err.message, retryAfterMs: err.retryAfterMs };
  if (err instanceof EdgeImError && err.code !== 'INTERNAL') return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
