import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { App } from '../shared/app.js';
import { Gateway } from './gateway.js';
import { createInternalApi } from './internal-api.js';
import { gatewayOptions, type GatewayOptions } from './options.js';
import { shutdown, type Listeners } from './shutdown.js';
import { listenTcp } from './tcp-listener.js';
import { listenWs, WS_PATH } from './ws-listener.js';

/** A running gateway. */
export interface RunningGateway {
  ports: { tcp: number; ws: number; http: number };
  /** `@connections` endpoint written in this task's sessions. */
  endpoint: string;
  /** goim over WebSocket URL (`ws://host:port/sub`, `wss://` with TLS). */
  wsUrl: string;
  /** The gateway's state (tests and benchmarks look inside). */
  gateway: Gateway;
  /** Graceful stop: SERVER_SHUTDOWN to every client, sessions removed, listeners closed. */
  close(): Promise<void>;
}

/**
 * Starts the goim gateway in this process on an app's domain deps: goim over TCP,
 * goim over WebSocket (`/sub`) and the internal `@connections` API with `/healthz`.
 * Options default to the app's configuration (`gatewayOptions`). Rejects when the
 * internal API's secret (EDGEIM_GATEWAY_SECRET or _ARN) cannot be had.
 *
 * @example
 * const gw = await startGateway(app, { tcpPort: 0, wsPort: 0, httpPort: 0 });
 * console.log(gw.ports.tcp, gw.endpoint);
 * await gw.close();
 */
export async function startGateway(app: App, overrides: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const options = gatewayOptions(app.config, overrides);
  await options.internalSecret(); // no credential, no internal API: refuse to start rather than run an open door
  const gw = new Gateway(app, options);

  const http = createInternalApi(gw);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort, options.host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;
  const endpoint = options.publicEndpoint ?? `http://${advertisedHost(options.host)}:${httpPort}`;
  const tcp = await listenTcp(gw, options.tcpPort, options.host);
  const { server: ws, wss } = await listenWs(gw, options.wsPort, options.host);
  gw.start(endpoint);

  const listeners: Listeners = { tcp, ws, wss, http };
  const wsPort = (ws.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    ports: { tcp: (tcp.address() as AddressInfo).port, ws: wsPort, http: httpPort },
    endpoint,
    wsUrl: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${wsPort}${WS_PATH}`,
    gateway: gw,
    close: () => (closing ??= shutdown(gw, listeners, options.shutdownTimeoutMs)),
  };
}

/**
 * The address other processes reach this task at: the bind address, or for a wildcard
 * bind (a Fargate task) the first non-internal IPv4 address (the task's ENI).
 */
function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
