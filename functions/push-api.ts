import { handle } from 'hono/aws-lambda';
import { createDeps } from '../shared/app.js';
import { JsonLogger, once } from '../shared/lambda-runtime.js';
import { loadConfig } from '../shared/config.js';
import { createPushApi } from '../shared/push-api/app.js';

const logger = new JsonLogger();
const deps = once(() => createDeps(loadConfig(), logger));

/** The push API behind an HTTP API (payload v2) or a function URL: the same Hono app as `npm start` serves. */
export const api = createPushApi({
  deps,
  onInternalError: (err) => logger.error('push API request failed', { err }),
});

export const handler = handle(api);
