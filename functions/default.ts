import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { dynamoClient, groupStore, idAllocator, jobQueue, sessionStore, timelineStore } from '../shared/app.js';
import { JsonLogger, once } from '../shared/lambda-runtime.js';
import type { LogSink } from '../shared/lambda-runtime.js';
import { domainSettings, loadConfig, type Config } from '../shared/config.js';
import type { RequestDeps } from '../shared/domain/deps.js';
import { systemClock } from '../shared/domain/ports/clock.js';
import { runClientRequest } from '../shared/domain/request-pipeline.js';
import { KeyedRateLimiter } from '../shared/domain/token-bucket.js';
import { toErrorFrame, parseRequest } from '../shared/protocol/frames.js';
import { bodyText, callerOf, replyResult, type AppSource, type WsEvent } from './ws-events.js';

/** Connections whose request budget one Lambda instance remembers (least recently active go first). */
const MAX_TRACKED_CONNECTIONS = 10_000;

/**
 * `$default`: every client action of the WebSocket API (docs/PROTOCOL.md#requests-client--server),
 * through the request pipeline shared with the gateway. The reply goes back as the route
 * response; a bad frame gets an error reply and the connection stays open. Each
 * connection's request budget is kept in this instance's memory, in a bounded map.
 */
/** What client requests need: the domain's settings, stores, ids and queue, the WebSocket API's limits, and a logger. */
export type RequestApp = RequestDeps & {
  config: Pick<Config, 'EDGEIM_CONNECTION_RATE_LIMIT' | 'EDGEIM_CONNECTION_RATE_BURST' | 'EDGEIM_MAX_FRAME_BYTES'>;
  logger: Pick<LogSink, 'error'>;
};

/** The parts of `$default` (and `heartbeat`), from the environment. */
export const requestAppFromEnv = once((): RequestApp => {
  const config = loadConfig();
  const db = dynamoClient(config);
  return {
    config,
    settings: domainSettings(config),
    clock: systemClock,
    logger: new JsonLogger(),
    sessions: sessionStore(config, db),
    timelines: timelineStore(config, db),
    groups: groupStore(config, db),
    ids: idAllocator(config, db),
    queue: jobQueue(config),
  };
});

export const createDefaultHandler = (getApp: AppSource<RequestApp>) => {
  let limiter: KeyedRateLimiter | undefined;
  return async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    const app = await getApp();
    let caller;
    try {
      caller = callerOf(event);
    } catch (error) {
      return replyResult(toErrorFrame(error));
    }
    const config = app.config;
    limiter ??= new KeyedRateLimiter({ perSecond: config.EDGEIM_CONNECTION_RATE_LIMIT, burst: config.EDGEIM_CONNECTION_RATE_BURST }, MAX_TRACKED_CONNECTIONS);
    const frame = await runClientRequest(app, app.logger, {
      caller,
      where: event.requestContext.routeKey,
      admit: () => limiter!.take(caller.connectionId),
      parse: () => parseRequest(bodyText(event), config.EDGEIM_MAX_FRAME_BYTES),
      errorFrameWithoutId: true,
    });
    return frame ? replyResult(frame) : { statusCode: 200 }; // no body: API Gateway sends nothing back
  };
};

export const handler = createDefaultHandler(requestAppFromEnv);
