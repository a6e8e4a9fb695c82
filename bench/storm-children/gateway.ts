/**
 * The gateway alone for the storm benchmark: `startGateway` on an app built from the
 * environment, its sessions in the DynamoDB at AWS_ENDPOINT_URL_DYNAMODB (another
 * process), as a Fargate task runs it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createApp } from '../../shared/app.js';
import { loadConfig } from '../../shared/config.js';
import { startGateway } from '../../gateway/server.js';
import { serveUsage, usage } from './usage.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const app = await createApp(loadConfig(), { logger: new Logger({ serviceName: 'edgeim', logLevel: 'ERROR' }) });
const gw = await startGateway(app, { host: '127.0.0.1', tcpPort: 0, wsPort: 0, httpPort: 0 });
process.send?.({ ready: true, ports: gw.ports, usage: usage(true) });
serveUsage(
  () => gw.close(),
  () => ({ connections: gw.gateway.connections.counts.open, writes: (app.sessions as { writer?: { stats: unknown } }).writer?.stats, delayMs: gw.gateway.admission.delayMs }),
);
