/**
 * One error type for the whole system (Powertools' style): every error edgeim throws is
 * an EdgeImError subclass named for what went wrong, keeps what caused it (ES2022
 * `cause`), and is recognised with `instanceof`. `code` is a stable string from the wire
 * contract; each transport maps it in one place (JSON reply, goim DisconnectReply, HTTP
 * status). Failures inside edgeim are InternalError subclasses: INTERNAL on every wire,
 * their message and cause for logs only.
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
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class BadRequestError extends EdgeImError {
  override name = 'BadRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super('BAD_REQUEST', message, options);
  }
}

export class TooLargeError extends EdgeImError {
  override name = 'TooLargeError';
  constructor(message: string, options?: ErrorOptions) {
    super('TOO_LARGE', message, options);
  }
}

export class UnauthorizedError extends EdgeImError {
  override name = 'UnauthorizedError';
  constructor(message: string, options?: ErrorOptions) {
    super('UNAUTHORIZED', message, options);
  }
}

export class ForbiddenError extends EdgeImError {
  override name = 'ForbiddenError';
  constructor(message: string, options?: ErrorOptions) {
    super('FORBIDDEN', message, options);
  }
}

export class NotFoundError extends EdgeImError {
  override name = 'NotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** The request contradicts an earlier one it claims to repeat (a `cmid` reused with another `to` or `body`). */
export class ConflictError extends EdgeImError {
  override name = 'ConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/** The caller's request budget is spent; retry after `retryAfterMs`. */
export class RateLimitedError extends EdgeImError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super('RATE_LIMITED', message, options);
  }
}

/** The server sheds load it cannot take now (not the caller's fault); retry after `retryAfterMs`. */
export class OverloadedError extends EdgeImError {
  override name = 'OverloadedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
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
  constructor(message: string, options?: ErrorOptions) {
    super('INTERNAL', message, options);
  }
}

/** A queue message that is not a job this version can run (malformed, or from an unknown producer). */
export class InvalidJobError extends InternalError {
  override name = 'InvalidJobError';
}

/** A store did not take work after its retries (items left unprocessed, throttled past the retry budget). */
export class StoreUnavailableError extends InternalError {
  override name = 'StoreUnavailableError';
}

/** A store call got no answer within its deadline. */
export class StoreTimeoutError extends InternalError {
  override name = 'StoreTimeoutError';
  constructor(
    message: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A conditional write lost to concurrent writers more often than it retries (the item kept changing). */
export class StoreContentionError extends InternalError {
  override name = 'StoreContentionError';
}

/** What a store read back contradicts what its failed condition said (an item the condition saw is gone). */
export class StoreInconsistencyError extends InternalError {
  override name = 'StoreInconsistencyError';
}

/** A value that edgeim itself produced broke a rule it relies on (a bug, not bad input). */
export class InvariantError extends InternalError {
  override name = 'InvariantError';
}

/** One bad setting: which (when one is to blame) and what was expected of it. */
export interface ConfigProblem {
  setting?: string;
  /** What was expected and what was given (secrets are never echoed), without the setting's name. */
  problem: string;
}

/**
 * The configuration cannot work: the environment does not describe a valid one
 * (`problems` lists each bad setting), or a setting is missing or unusable where it is
 * needed (a secret too short, no key source).
 */
export class ConfigError extends InternalError {
  override name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(message: string, problems?: readonly ConfigProblem[], options?: ErrorOptions) {
    super(message, options);
    this.problems = problems ?? [{ problem: message }];
  }
}

/** A failure inside edgeim (not an EdgeImError with a caller-facing code): what the edges log as an error and answer INTERNAL. */
export function isInternal(err: unknown): boolean {
  return !(err instanceof EdgeImError) || err.code === 'INTERNAL';
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
