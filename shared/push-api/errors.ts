import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BadRequestError, ConflictError, EdgeImError, NotFoundError, OverloadedError, RateLimitedError, toErrorBody, TooLargeError, type ErrorCode } from '../errors.js';

export { RateLimitedError };

/** The push API's error codes: the wire codes plus `IDEMPOTENCY_MISMATCH` (HTTP 422) and `METHOD_NOT_ALLOWED` (HTTP 405). */
export type ApiErrorCode = ErrorCode | 'IDEMPOTENCY_MISMATCH' | 'METHOD_NOT_ALLOWED';

/**
 * An `Idempotency-Key` reused with a different request (another recipient, body or
 * sender): HTTP 422 `IDEMPOTENCY_MISMATCH`. The first request's result stands.
 */
export class IdempotencyMismatchError extends ConflictError {
  override name = 'IdempotencyMismatchError';
}

/**
 * A route that exists, asked with another method: HTTP 405 `METHOD_NOT_ALLOWED` with an
 * `Allow` header listing the methods it takes (goim routes too: code -405).
 */
export class MethodNotAllowedError extends BadRequestError {
  override name = 'MethodNotAllowedError';
  constructor(
    message: string,
    readonly allow: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** HTTP status of each error code: the push API's one mapping. */
export const STATUS_OF: Record<ApiErrorCode, ContentfulStatusCode> = {
  IDEMPOTENCY_MISMATCH: 422,
  METHOD_NOT_ALLOWED: 405,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  INTERNAL: 500,
};

/** goim's result codes: 0 OK, -400 request error, -500 server error; edgeim adds -401 and -429. */
const GOIM_CODE_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: -400,
  UNAUTHORIZED: -401,
  FORBIDDEN: -400,
  NOT_FOUND: -400,
  TOO_LARGE: -400,
  CONFLICT: -400,
  RATE_LIMITED: -429,
  OVERLOADED: -503,
  INTERNAL: -500,
};

/** No route at this path (HTTP 404 everywhere, goim routes too, as goim's router answers). */
export class NoRouteError extends NotFoundError {
  override name = 'NoRouteError';
}

/** Turns anything thrown into an EdgeImError; Hono's own HTTP errors keep their meaning. */
export function asEdgeImError(err: unknown): EdgeImError | undefined {
  if (err instanceof EdgeImError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new TooLargeError(err.message || 'request body too large');
    if (err.status === 404) return new NotFoundError(err.message || 'not found');
    if (err.status >= 400 && err.status < 500) return new BadRequestError(err.message || 'bad request');
  }
  return undefined;
}

/** Whether a request is on goim's routes, which answer goim's envelope. */
export const isGoimPath = (path: string) => path === '/goim' || path.startsWith('/goim/');

/**
 * The one place an error becomes a response. `/v1` and everything else:
 * `{"error": {"code", "message"}}` with the status of STATUS_OF. goim routes: goim's
 * `{code, message}` envelope with HTTP 200, except 401, 429 and 503, which keep their
 * status (goim had no keys or limits; a backend must notice those), and an unknown route
 * (404, code -404) or method (405 with `Allow`, code -405), which goim's router answers
 * without its envelope.
 */
export function errorResponse(c: Context, err: unknown): Response {
  const known = asEdgeImError(err);
  const body = toErrorBody(known ?? err);
  if (known instanceof RateLimitedError || known instanceof OverloadedError) c.header('Retry-After', String(Math.max(1, Math.ceil(known.retryAfterMs / 1000))));
  if (body.code === 'UNAUTHORIZED') c.header('WWW-Authenticate', 'Bearer');
  if (known instanceof IdempotencyMismatchError) return c.json({ error: { code: 'IDEMPOTENCY_MISMATCH', message: known.message } }, STATUS_OF.IDEMPOTENCY_MISMATCH);
  if (known instanceof MethodNotAllowedError) {
    c.header('Allow', known.allow.join(', '));
    if (isGoimPath(c.req.path)) return c.json({ code: -405, message: known.message }, 405);
    return c.json({ error: { code: 'METHOD_NOT_ALLOWED', message: known.message } }, 405);
  }
  if (isGoimPath(c.req.path)) {
    // goim's router answers an unknown route 404; its handlers answer HTTP 200 with a code.
    const keep = body.code === 'UNAUTHORIZED' || body.code === 'RATE_LIMITED' || body.code === 'OVERLOADED' || (body.code === 'NOT_FOUND' && known instanceof NoRouteError);
    return c.json({ code: known instanceof NoRouteError ? -404 : GOIM_CODE_OF[body.code], message: body.message }, keep ? STATUS_OF[body.code] : 200);
  }
  return c.json({ error: body }, STATUS_OF[body.code]);
}
