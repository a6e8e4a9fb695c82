import { isInternal } from '../errors.js';
import { FrameError, replyFrame, toErrorFrame, type ErrorFrame, type ReplyFrame, type Request } from '../protocol/frames.js';
import type { RequestDeps, UserCaller } from './deps.js';
import { handleRequest } from './requests.js';

/** Where the pipeline reports requests that failed inside edgeim (errors.ts isInternal). */
export interface PipelineLog {
  error(message: string, extra: Record<string, unknown>): void;
}

/** What an edge gives the pipeline for one client request. */
export interface ClientRequest {
  /** The user on the connection (from the authorizer context or the gateway's Auth). */
  caller: UserCaller;
  /** Reads the request from its bytes (size, nesting, JSON, shape); throws FrameError. */
  parse(): Request;
  /** Spends the connection's request budget; throws RateLimitedError when it is gone. */
  admit?(): void;
  /** Answer a bad frame without a readable id with an `error` frame (WebSocket API) instead of a `reply`. */
  errorFrameWithoutId?: boolean;
  /** Names the request in the log line of an unexpected failure (no request content, no token). */
  where: string;
}

/**
 * The one request path of both client edges (the WebSocket API's `$default` and the
 * gateway's JSON ops): parse, admit (rate limit: every frame, good or bad, spends the
 * budget; parsing first lets a RATE_LIMITED reply echo the id), `handleRequest`, then the reply frame
 * with the request id echoed (recovered from a bad frame where it could be read). Every
 * failure becomes a reply with its stable code (shared/errors.ts); an internal failure
 * (an InternalError, or anything that is not an EdgeImError) is INTERNAL to the client,
 * and logged with the error itself. A request that asks for no
 * reply (an `ack` with `reply: false`) resolves with undefined, whatever its outcome.
 *
 * Never rejects.
 */
export async function runClientRequest(deps: RequestDeps, log: PipelineLog, req: ClientRequest): Promise<ReplyFrame | ErrorFrame | undefined> {
  let id: string | undefined;
  let silent = false;
  try {
    let request: Request;
    try {
      request = req.parse();
      id = request.id;
      silent = wantsNoReply(request);
    } catch (error) {
      if (error instanceof FrameError) id = error.requestId;
      req.admit?.(); // a bad frame spends the budget too
      throw error;
    }
    req.admit?.(); // after parsing, so an over-budget reply still echoes the request id
    const data = await handleRequest(deps, req.caller, request);
    return silent ? undefined : replyFrame(id, { data });
  } catch (error) {
    if (error instanceof FrameError) id = error.requestId;
    else if (isInternal(error)) log.error('request failed', { where: req.where, err: error });
    if (silent) return undefined;
    if (req.errorFrameWithoutId && id === undefined && error instanceof FrameError) return toErrorFrame(error);
    return replyFrame(id, { error });
  }
}

/** An ack the client sent with `reply: false`: it waits for no answer, so none is sent (an API Gateway message saved). */
function wantsNoReply(request: Request): boolean {
  return request.action === 'ack' && request.reply === false;
}
