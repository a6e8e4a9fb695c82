import { InternalError } from '../../errors.js';

/**
 * Pushes bytes to live connections through a `@connections` API (API Gateway's, or the
 * same API served by a gateway task or the local emulator).
 *
 * Contract: `post` resolves 'ok' when the endpoint accepted the data, 'gone' when the
 * connection no longer exists (HTTP 410). It rejects with
 * - DeliveryRejectedError when the endpoint refused this data for good (a 4xx other than
 *   410, 408 and 429: a malformed frame, a payload too large): retrying cannot help;
 * - EndpointUnreachableError when the endpoint could not be reached at all (connection
 *   refused, no route, no answer within the call timeout);
 * - anything else (DeliveryFailedError for an answer that may change: 5xx, 401, 408, 429;
 *   the AWS SDK's own errors for throttling or a dropped connection) for what may
 *   succeed later, so the caller can retry.
 * `disconnect` closes a connection.
 *
 * The gateway extensions (served by gateway tasks only, never by API Gateway; the
 * delivery plan uses them for gateway connections only):
 * `postBatch` delivers to many connections of one endpoint in one call, each item's data
 * queued in array order, and resolves the ids that are gone; `postRoom` hands one frame
 * to the endpoint, which delivers it to its own members of the room (but `except`).
 * Both reject like `post`.
 */
export interface Delivery {
  post(endpoint: string, connectionId: string, data: string): Promise<'ok' | 'gone'>;
  disconnect(endpoint: string, connectionId: string): Promise<void>;
  postBatch(endpoint: string, items: { connectionId: string; data: string }[]): Promise<{ gone: string[] }>;
  postRoom(endpoint: string, rid: string, data: string, except?: string): Promise<void>;
}

/** The endpoint refused the data for good (HTTP `status`); the same call can never succeed. */
export class DeliveryRejectedError extends InternalError {
  override name = 'DeliveryRejectedError';
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The endpoint answered HTTP `status`, which a later try may change (5xx, 401, 408, 429): the caller retries. */
export class DeliveryFailedError extends InternalError {
  override name = 'DeliveryFailedError';
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The endpoint could not be reached: refused, no route, or silent past the call timeout.
 * A gateway task in that state is dead (or cut off) and its connections with it: the
 * job treats them like 410 Gone. API Gateway is never dead: there it is retried.
 */
export class EndpointUnreachableError extends InternalError {
  override name = 'EndpointUnreachableError';
  constructor(
    readonly endpoint: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
