import { describe, expect, it } from 'vitest';
import { runClientRequest } from '../../shared/domain/request-pipeline.js';
import { DeliveryFailedError, DeliveryRejectedError, EndpointUnreachableError } from '../../shared/domain/ports/delivery.js';
import * as errors from '../../shared/errors.js';
import { formatError } from '../../shared/lambda-runtime.js';
import { FrameError } from '../../shared/protocol/frames.js';

const { EdgeImError, InternalError, StoreUnavailableError, isInternal, toErrorBody } = errors;
const cause = new Error('the root');
const withCause = { cause };

/** One instance of every error class of shared/errors.ts (and the delivery port's), each given `cause`. */
const made: Record<string, Error> = {
  EdgeImError: new errors.EdgeImError('BAD_REQUEST', 'x', withCause),
  BadRequestError: new errors.BadRequestError('x', withCause),
  TooLargeError: new errors.TooLargeError('x', withCause),
  UnauthorizedError: new errors.UnauthorizedError('x', withCause),
  ForbiddenError: new errors.ForbiddenError('x', withCause),
  NotFoundError: new errors.NotFoundError('x', withCause),
  ConflictError: new errors.ConflictError('x', withCause),
  RateLimitedError: new errors.RateLimitedError('x', 1000, withCause),
  OverloadedError: new errors.OverloadedError('x', 1000, withCause),
  InternalError: new errors.InternalError('x', withCause),
  InvalidJobError: new errors.InvalidJobError('x', withCause),
  StoreUnavailableError: new errors.StoreUnavailableError('x', withCause),
  StoreTimeoutError: new errors.StoreTimeoutError('x', 200, withCause),
  StoreContentionError: new errors.StoreContentionError('x', withCause),
  StoreInconsistencyError: new errors.StoreInconsistencyError('x', withCause),
  InvariantError: new errors.InvariantError('x', withCause),
  ConfigError: new errors.ConfigError('x', undefined, withCause),
};

describe('one error model', () => {
  it('every error class keeps its cause, is an EdgeImError and says its own name', () => {
    const classes = Object.entries(errors).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error).map(([k]) => k);
    expect(Object.keys(made).sort()).toEqual([...classes].sort()); // a new class is added here too
    const port = [new DeliveryRejectedError(400, 'x', withCause), new DeliveryFailedError(503, 'x', withCause), new EndpointUnreachableError('http://e', 'x', withCause), new FrameError('x', undefined, 'BAD_REQUEST', withCause)];
    for (const [name, err] of [...Object.entries(made), ...port.map((e) => [e.name, e] as const)]) {
      expect(err, name).toBeInstanceOf(EdgeImError);
      expect(err.cause, name).toBe(cause);
      expect(err.name).toBe(name === 'EdgeImError' ? 'EdgeImError' : err.constructor.name);
    }
  });

  it('answers an internal failure INTERNAL without its message, whatever its class', () => {
    for (const err of [new StoreUnavailableError('table edgeim-sessions throttled'), new DeliveryFailedError(503, 'POST http://10.0.0.1/@batch answered 503'), new Error('boom')]) {
      expect(isInternal(err)).toBe(true);
      expect(toErrorBody(err)).toEqual({ code: 'INTERNAL', message: 'internal error' });
    }
    expect(isInternal(new errors.NotFoundError('no such group'))).toBe(false);
    expect(toErrorBody(new errors.RateLimitedError('slow down', 1500))).toEqual({ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 1500 });
  });

  it('logs an internal failure of a client request with the error itself, and a client error not at all', async () => {
    const logged: Record<string, unknown>[] = [];
    const log = { error: (_m: string, extra: Record<string, unknown>) => void logged.push(extra) };
    const failing = (err: Error) => ({ caller: { kind: 'user' as const, uid: 'ann' }, where: 'test', parse: () => { throw err; } });
    const internal = new StoreUnavailableError('left 3 items unprocessed', withCause);
    expect(await runClientRequest({} as never, log, failing(internal))).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    await runClientRequest({} as never, log, failing(new errors.ForbiddenError('no')));
    expect(logged).toEqual([{ where: 'test', err: internal }]);
  });

  it('formats an error for the log with its code and its cause chain', () => {
    const err = new InternalError('outer', { cause: new errors.StoreTimeoutError('inner', 200, withCause) });
    expect(formatError(err)).toMatchObject({ name: 'InternalError', message: 'outer', code: 'INTERNAL', cause: { name: 'StoreTimeoutError', message: 'inner', cause: { name: 'Error', message: 'the root' } } });
  });
});
