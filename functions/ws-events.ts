import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { App } from '../shared/app.js';
import { toErrorBody } from '../shared/errors.js';
import { FrameError, replyFrame, type ErrorFrame, type ReplyFrame } from '../shared/protocol/frames.js';

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

/** Lazily built app: each Lambda module builds it once per execution environment. */
export type AppSource = () => Promise<App>;

/** The uid the `$connect` authorizer put in the request context. */
export function callerOf(event: WsEvent): { uid: string; connectionId: string } {
  const uid = event.requestContext.authorizer?.uid;
  if (typeof uid !== 'string') throw new Error('no authorizer context: is the $connect authorizer configured?');
  return { uid, connectionId: event.requestContext.connectionId };
}

/**
 * The one mapping from an outcome to the WebSocket reply (route response): a `reply`
 * frame, or an `error` frame for a bad frame that had no usable `id`.
 */
export function replyResult(id: string | undefined, outcome: { data: unknown } | { error: unknown }): APIGatewayProxyResultV2 {
  let frame: ReplyFrame | ErrorFrame = replyFrame(id, outcome);
  if ('error' in outcome && outcome.error instanceof FrameError && id === undefined) frame = { type: 'error', error: toErrorBody(outcome.error) };
  return { statusCode: 200, body: JSON.stringify(frame) };
}

/** The text of a WebSocket message event (binary frames arrive base64-encoded). */
export function bodyText(event: WsEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}
