/**
 * The full local stack (`startLocalStack`: emulators, WebSocket API, push API, gateway)
 * in a process of its own for the storm benchmark.
 */
import { startLocalStack } from '../../local/stack.js';
import { serveUsage, usage } from './usage.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const stack = await startLocalStack({
  wsPort: 0,
  pushPort: 0,
  dynamoPort: 0,
  sqsPort: 0,
  gatewayTcpPort: 0,
  gatewayWsPort: 0,
  gatewayHttpPort: 0,
  logLevel: 'ERROR',
});
process.send?.({ ready: true, ports: stack.gateway.ports, wsUrl: stack.wsUrl, pushUrl: stack.pushUrl, usage: usage(true) });
// Stop = exit: the bench does not measure shutdown (a graceful close would first drain every queued send).
serveUsage(
  () => undefined,
  () => ({
    connections: stack.gateway.gateway.connections.counts.open + stack.emulator.connectionCount,
    writes: (stack.app.sessions as { writer?: { stats: unknown } }).writer?.stats,
    delayMs: Math.round(stack.gateway.gateway.admission.delayMs),
    accepted: stack.gateway.gateway.connections.counts.transports,
    authenticating: stack.gateway.gateway.admission.pending,
  }),
);
