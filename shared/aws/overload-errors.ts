import { OverloadedError } from '../errors.js';

/** How long a caller is told to wait after an AWS service shed its call. */
export const AWS_RETRY_AFTER_MS = 1000;

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalServerError', 'ServiceUnavailable']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

interface AwsError {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Whether an AWS SDK error means the service (or the way to it) is overloaded or briefly
 * unavailable, not that the request was wrong: throttling, HTTP 429 and 5xx, timeouts,
 * resets and refused connections. The SDK has already retried these by the time they
 * reach edgeim code.
 */
export function isOverload(err: unknown): boolean {
  if (err instanceof OverloadedError) return true;
  const e = err as AwsError | undefined;
  if (!e || typeof e !== 'object') return false;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    THROTTLING.has(e.name ?? '') ||
    TRANSIENT.has(e.name ?? '') ||
    NETWORK.has(e.code ?? '') ||
    status === 429 ||
    (status >= 500 && status <= 599) ||
    e.$retryable !== undefined
  );
}

/** `err` as an OverloadedError (cause kept) when it is an overload; otherwise `err` unchanged. */
export function asOverloaded(err: unknown): unknown {
  if (err instanceof OverloadedError || !isOverload(err)) return err;
  const e = err as AwsError;
  return new OverloadedError(`the store is overloaded (${e.name ?? e.code ?? 'error'}); retry later`, AWS_RETRY_AFTER_MS, { cause: err });
}
