import { DeliveryRejectedError, EndpointUnreachableError } from '../domain/ports/delivery.js';

/**
 * How a failed `@connections` / `@batch` / `@rooms` call is read, for every delivery
 * adapter (connections-delivery.ts, gateway-extensions.ts): gone, refused for good,
 * unreachable, or lost mid-call.
 */

export const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string }).name;
/** 410 Gone: the connection no longer exists. */
export const isGone = (err: unknown) => nameOf(err) === 'GoneException' || statusOf(err) === 410;

/**
 * A 4xx that no retry can turn into a success (410 is 'gone'; 408 and 429 may pass later,
 * and so may 401: a gateway task and its caller disagree on the internal API secret only
 * while a rotated secret reaches their caches, up to 5 minutes apart).
 */
export const isPermanent = (status: number | undefined): status is number =>
  status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 410 && status !== 429;

/** Error codes (Node and undici) of a peer that cannot be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Error codes of a connection lost mid-call (often a keep-alive socket the server just closed). */
const LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The codes and names in an error, its causes and (AggregateError) its members. */
function errorTraits(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  const own = [e.code, e.name].filter((v): v is string => typeof v === 'string');
  const members = Array.isArray(e.errors) ? e.errors.flatMap((m) => errorTraits(m, depth + 1)) : [];
  return [...own, ...members, ...errorTraits(e.cause, depth + 1)];
}
/** The peer could not be reached at all (refused, no route, timed out). */
export const isUnreachable = (err: unknown) => errorTraits(err).some((t) => UNREACHABLE.has(t) || t === 'TimeoutError');
/** The connection was lost mid-call. */
export const isLost = (err: unknown) => errorTraits(err).some((t) => LOST.has(t));

/** Maps a failed call to the Delivery contract's errors. */
export function classify(endpoint: string, what: string, err: unknown): unknown {
  const status = statusOf(err);
  if (isPermanent(status)) return new DeliveryRejectedError(status, `${what} answered ${status} (${nameOf(err)})`, { cause: err });
  if (status === undefined && isUnreachable(err)) return new EndpointUnreachableError(endpoint, `${what}: ${endpoint} cannot be reached (${errorTraits(err).join(', ')})`, { cause: err });
  return err;
}
