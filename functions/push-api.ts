import { handle } from 'hono/aws-lambda';
import { appFromEnv } from '../shared/app.js';
import { createPushApi } from '../shared/push-api/app.js';

/** The push API behind an HTTP API (payload v2) or a function URL: the same Hono app as `npm start` serves. */
export const api = createPushApi({
  deps: appFromEnv,
  onInternalError: (err) => void appFromEnv().then((app) => app.logger.error('push API request failed', { error: err as Error })),
});

export const handler = handle(api);
