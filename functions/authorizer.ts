import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { verifierFromConfig } from '../shared/aws/verifier-from-config.js';
import { JsonLogger, once } from '../shared/lambda-runtime.js';
import type { LogSink } from '../shared/lambda-runtime.js';
import { loadConfig } from '../shared/config.js';
import type { TokenVerifier } from '../shared/domain/auth.js';
import { UnauthorizedError } from '../shared/errors.js';
import type { AppSource } from './ws-events.js';

/**
 * `$connect` REQUEST authorizer: verifies the JWT from `?token=`. Throwing "Unauthorized"
 * makes API Gateway answer the upgrade with 401; nothing is stored.
 */
export const createAuthorizer =
  (getApp: AppSource<{ verifier: TokenVerifier; logger: Pick<LogSink, 'info'> }>) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const app = await getApp();
    const query = event.queryStringParameters ?? {};
    let uid: string;
    try {
      ({ uid } = await app.verifier.verify(query.token));
    } catch (err) {
      app.logger.info('connection refused', { reason: (err as Error).message });
      throw new UnauthorizedError('Unauthorized', { cause: err }); // API Gateway answers 401 on exactly this message
    }
    return {
      principalId: uid,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
      context: { uid, device: (query.device ?? '').slice(0, 64), platform: (query.platform ?? '').slice(0, 32) },
    };
  };

export const handler = createAuthorizer(once(() => ({ verifier: verifierFromConfig(loadConfig()), logger: new JsonLogger() })));
