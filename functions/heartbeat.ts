import { createDefaultHandler, requestAppFromEnv } from './default.js';

/**
 * `heartbeat` route (`{"action":"heartbeat"}`): its own small Lambda so keep-alives stay
 * cheap; the request handling is the `$default` handler's, which only runs `heartbeat` here.
 */
export const createHeartbeatHandler = createDefaultHandler;

export const handler = createHeartbeatHandler(requestAppFromEnv);
