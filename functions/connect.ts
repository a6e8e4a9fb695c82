import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { dynamoClient, sessionStore } from '../shared/app.js';
import { JsonLogger, once } from '../shared/lambda-runtime.js';
import type { LogSink } from '../shared/lambda-runtime.js';
import { domainSettings, loadConfig, type Config } from '../shared/config.js';
import type { Deps } from '../shared/domain/deps.js';
import type { Session } from '../shared/domain/model.js';
import { systemClock } from '../shared/domain/ports/clock.js';
import { connect } from '../shared/domain/connections.js';
import { OverloadedError } from '../shared/errors.js';
import { callerOf, type AppSource, type WsEvent } from './ws-events.js';

/**
 * `$connect`: registers the session the authorizer let in, in one write (one
 * BatchWriteItem: session + user routing item). A store that sheds the write refuses
 * the upgrade with 503 and a Retry-After hint instead of failing with 500; the client
 * reconnects with backoff. A refused connection leaves no session item behind (a write
 * taken in part is removed).
 */
export const createConnectHandler =
  (getApp: AppSource<Pick<Deps, 'sessions' | 'clock' | 'settings'> & { config: Pick<Config, 'EDGEIM_WS_MANAGEMENT_ENDPOINT'>; logger: Pick<LogSink, 'warn'> }>) =>
  async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    const app = await getApp();
    const { uid, connectionId } = callerOf(event);
    const ctx = event.requestContext;
    try {
      await connect(app, {
        connectionId,
        uid,
        kind: 'apigw',
        endpoint: app.config.EDGEIM_WS_MANAGEMENT_ENDPOINT ?? `https://${ctx.domainName}/${ctx.stage}`,
        device: ctx.authorizer?.device as string | undefined,
        platform: ctx.authorizer?.platform as string | undefined,
      });
    } catch (err) {
      // The write may have been partly taken (a batch's items succeed one by one): remove what it left.
      const attempted: Session = { connectionId, uid, endpoint: '', kind: 'apigw', device: '', platform: '', rooms: [], connectedAt: 0, expiresAt: 0 };
      await app.sessions.remove(connectionId, attempted).catch((error: unknown) => app.logger.warn('could not remove a refused connection\'s session', { connectionId, error }));
      if (!(err instanceof OverloadedError)) throw err;
      app.logger.warn('connection refused: the sessions store is overloaded', { connectionId });
      return { statusCode: 503, headers: { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) } };
    }
    return { statusCode: 200 };
  };

export const handler = createConnectHandler(
  once(() => {
    const config = loadConfig();
    return { config, settings: domainSettings(config), clock: systemClock, logger: new JsonLogger(), sessions: sessionStore(config, dynamoClient(config)) };
  }),
);
