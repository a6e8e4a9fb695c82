import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { dynamoClient, sessionStore } from '../shared/app.js';
import { once } from '../shared/lambda-runtime.js';
import { loadConfig } from '../shared/config.js';
import type { Deps } from '../shared/domain/deps.js';
import { disconnect } from '../shared/domain/connections.js';
import type { AppSource, WsEvent } from './ws-events.js';

/**
 * `$disconnect`: forgets the session (best effort: API Gateway may not call it; ttl and
 * 410s clean up). One read (the session, for its user and rooms) and one write (one
 * BatchWriteItem deleting its items, coalesced with other removals in the process).
 */
export const createDisconnectHandler =
  (getApp: AppSource<Pick<Deps, 'sessions'>>) =>
  async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    await disconnect(await getApp(), event.requestContext.connectionId);
    return { statusCode: 200 };
  };

export const handler = createDisconnectHandler(
  once(() => {
    const config = loadConfig();
    return { sessions: sessionStore(config, dynamoClient(config)) };
  }),
);
