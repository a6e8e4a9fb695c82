import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { appFromEnv } from '../shared/app.js';
import { disconnect } from '../shared/domain/connections.js';
import type { AppSource, WsEvent } from './ws-events.js';

/**
 * `$disconnect`: forgets the session (best effort: API Gateway may not call it; ttl and
 * 410s clean up). One read (the session, for its user and rooms) and one write (one
 * BatchWriteItem deleting its items, coalesced with other removals in the process).
 */
export const createDisconnectHandler =
  (getApp: AppSource) =>
  async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    await disconnect(await getApp(), event.requestContext.connectionId);
    return { statusCode: 200 };
  };

export const handler = createDisconnectHandler(appFromEnv);
