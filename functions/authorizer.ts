import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { appFromEnv } from '../shared/app.js';
import type { AppSource } from './ws-events.js';

/**
 * `$connect` REQUEST authorizer: verifies the JWT from `?token=`. Throwing "Unauthorized"
 * makes API Gateway answer the upgrade with 401; nothing is stored.
 */
export const createAuthorizer =
  (getApp: AppSource) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const app = await getApp();
    const query = event.queryStringParameters ?? {};
    let uid: string;
    try {
      ({ uid } = await app.verifier.verify(query.token));
    } catch (err) {
      app.logger.info('connection refused', { reason: (err as Error).message });
      throw new Error('Unauthorized');
    }
    return {
      principalId: uid,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
      context: { uid, device: (query.device ?? '').slice(0, 64), platform: (query.platform ?? '').slice(0, 32) },
    };
  };

export const handler = createAuthorizer(appFromEnv);
