import { InternalError } from '../shared/errors.js';

/**
 * The gateway's own internal failures: named, code INTERNAL, the failure that caused
 * them kept as `cause`. They are logged (the error object, with its cause), never sent
 * to a client: a client whose request fails this way gets INTERNAL, or OVERLOADED where
 * a retry helps. Bad input is never one of these (it is a BadRequestError and friends).
 */
export class GatewayError extends InternalError {
  override name = 'GatewayError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/** What the gateway was doing to a session when the sessions store failed. */
export type SessionOperation = 'write' | 'renew' | 'remove' | 'store the accepts of';

/** The sessions store failed a write of a connection this task holds (or was opening). */
export class SessionStoreError extends GatewayError {
  override name = 'SessionStoreError';
  constructor(
    readonly operation: SessionOperation,
    readonly connectionId: string,
    options: { cause: unknown },
  ) {
    super(`could not ${operation} the session of connection ${connectionId}`, options);
  }
}

/** A client request failed in a way its reply could not carry (a defect: requests map their errors to replies). */
export class RequestFailedError extends GatewayError {
  override name = 'RequestFailedError';
  constructor(
    readonly op: number,
    options: { cause: unknown },
  ) {
    super(`goim op ${op} failed`, options);
  }
}
