import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { userCaller, type UserCaller } from '../shared/domain/deps.js';
import { UnauthorizedError } from '../shared/errors.js';
import type { ErrorFrame, ReplyFrame } from '../shared/protocol/frames.js';
import { isUid } from '../shared/protocol/identifiers.js';

/** The WebSocket event fields edgeim reads (API Gateway sends more). */
export interface WsEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext: {
    connectionId: string;
    routeKey: string;
    domainName?: string;
    stage?: string;
    authorizer?: Record<string, unknown> | null;
  };
}

/** A handler's parts, built once per execution environment on first use (`once` in shared/app.ts). */
export type AppSource<T> = () => Promise<T>;

/**
 * The user the `$connect` authorizer put in the request context, on this connection.
 * A context without a valid uid (no authorizer configured, or a bad one) is
 * UNAUTHORIZED, never a user.
 */
export function callerOf(event: WsEvent): UserCaller & { connectionId: string } {
  const uid = event.requestContext.authorizer?.uid;
  if (!isUid(uid)) throw new UnauthorizedError('no valid uid in the authorizer context: is the $connect authorizer configured?');
  return userCaller(uid, event.requestContext.connectionId) as UserCaller & { connectionId: string };
}

/** A frame as the WebSocket route response. */
export function replyResult(frame: ReplyFrame | ErrorFrame): APIGatewayProxyResultV2 {
  return { statusCode: 200, body: JSON.stringify(frame) };
}

/** The text of a WebSocket message event (binary frames arrive base64-encoded). */
export function bodyText(event: WsEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}
