/**
 * The gateway as a standalone process (the Fargate task): configuration from the
 * environment, graceful stop on SIGTERM/SIGINT within EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS.
 * Prints one JSON line `{"event":"listening",…}` with its ports once it accepts connections.
 */
import { createApp } from '../shared/app.js';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { startConnectionMetric } from './connection-metric.js';
import { startGateway } from './server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // One line per bad setting, no stack: the task's log says what to change.
  for (const p of err.problems) console.error(`edgeim: ${p.setting ? `${p.setting}: ${p.problem}` : p.problem}`);
  process.exit(2);
}
const app = await createApp(config);
const gw = await startGateway(app);
console.log(JSON.stringify({ event: 'listening', ...gw.ports, endpoint: gw.endpoint, pid: process.pid }));
const { metrics, shutdownTimeoutMs } = gw.gateway.options;
const metric = metrics ? startConnectionMetric({ ...metrics, count: () => gw.gateway.connections.counts.open }) : undefined;

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  metric?.stop();
  app.logger.info('gateway stopping', { signal, connections: gw.gateway.connections.counts.open });
  // Exit even if something hangs: the task must go within the bound.
  setTimeout(() => process.exit(1), shutdownTimeoutMs + 2000).unref();
  gw.close().then(
    () => {
      console.log(JSON.stringify({ event: 'stopped', signal }));
      process.exit(0);
    },
    (err: unknown) => {
      app.logger.error('gateway shutdown failed', { error: err });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
