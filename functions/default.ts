import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { appFromEnv } from '../shared/app.js';
import { handleRequest } from '../shared/domain/requests.js';
import { FrameError, parseRequest } from '../shared/protocol/frames.js';
import { bodyText, callerOf, replyResult, type AppSource, type WsEvent } from './ws-events.js';

/**
 * `$default`: every client action of the WebSocket API (docs/PROTOCOL.md). The reply goes back as
 * the route response; a bad frame gets an error reply and the connection stays open.
 */
export const createDefaultHandler =
  (getApp: AppSource) =>
  async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    const app = await getApp();
    let id: string | undefined;
    try {
      const req = parseRequest(bodyText(event), app.config.EDGEIM_MAX_FRAME_BYTES);
      id = req.id;
      return replyResult(id, { data: await handleRequest(app, callerOf(event), req) });
    } catch (error) {
      if (error instanceof FrameError) id = error.requestId;
      else if (!(error instanceof Error && 'code' in error)) app.logger.error('request failed', { error: error as Error });
      return replyResult(id, { error });
    }
  };

export const handler = createDefaultHandler(appFromEnv);
