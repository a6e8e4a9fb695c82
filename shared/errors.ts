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
  | 'RATE_LIMITED'
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

/** Maps anything thrown to `{code, message}`; unknown errors become INTERNAL without leaking details. */
export function toErrorBody(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof EdgeImError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
