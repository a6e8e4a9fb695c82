import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { appFromEnv } from '../shared/app.js';
import { connect } from '../shared/domain/connections.js';
import { callerOf, type AppSource, type WsEvent } from './ws-events.js';

/** `$connect`: registers the session the authorizer let in. */
export const createConnectHandler =
  (getApp: AppSource) =>
  async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    const app = await getApp();
    const { uid, connectionId } = callerOf(event);
    const ctx = event.requestContext;
    await connect(app, {
      connectionId,
      uid,
      kind: 'apigw',
      endpoint: app.config.EDGEIM_WS_MANAGEMENT_ENDPOINT ?? `https://${ctx.domainName}/${ctx.stage}`,
      device: ctx.authorizer?.device as string | undefined,
      platform: ctx.authorizer?.platform as string | undefined,
    });
    return { statusCode: 200 };
  };

export const handler = createConnectHandler(appFromEnv);
