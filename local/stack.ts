import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { createAdaptorServer } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createAuthorizer } from '../functions/authorizer.js';
import { createConnectHandler } from '../functions/connect.js';
import { createDefaultHandler } from '../functions/default.js';
import { createDisconnectHandler } from '../functions/disconnect.js';
import { createFanoutJob } from '../functions/fanout-job.js';
import { createHeartbeatHandler } from '../functions/heartbeat.js';
import { createApp, type App } from '../shared/app.js';
import type { ClientHook } from '../shared/aws/clients.js';
import { createSqsClient } from '../shared/aws/sqs-client.js';
import { SqsJobQueue } from '../shared/aws/sqs-job-queue.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET, loadConfig, type Config } from '../shared/config.js';
import { createPushApi } from '../shared/push-api/app.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { withDemoPage } from './demo/demo-server.js';
import { startEmulators, type Emulators } from './emulators.js';
import { EnqueueGate } from './enqueue-gate.js';
import { bindFailure, checkEndpoints, dataDirInUse, checkFiles, checkPorts, externalEndpoints, StartupError, type PlannedPort } from './preflight.js';
import { SqsPoller } from './sqs-poller.js';
import { clearSessions, ensureQueues, ensureTables, QUEUE_NAME } from './storage-setup.js';
import { WsApiEmulator } from './ws-api-emulator.js';

export { DEAD_LETTER_QUEUE_NAME, QUEUE_NAME } from './storage-setup.js';

export interface LocalStackOptions {
  /**
   * Keep DynamoDB data and the job queue here across restarts (in memory when omitted):
   * whatever was accepted survives a crash or `kill -9` and is processed on the next start.
   */
  dataDir?: string;
  /**
   * Ports; 0 picks a free one. Defaults come from EDGEIM_WS_API_PORT (3001),
   * EDGEIM_DYNAMODB_PORT (4567) and EDGEIM_SQS_PORT (9324).
   */
  wsPort?: number;
  /** Push API port; default EDGEIM_PUSH_API_PORT (3000), 0 picks a free one. */
  pushPort?: number;
  dynamoPort?: number;
  sqsPort?: number;
  /** goim gateway ports (TCP, WebSocket `/sub`, internal HTTP); defaults from config (3101, 3102, 3180); 0 picks a free one. */
  gatewayTcpPort?: number;
  gatewayWsPort?: number;
  gatewayHttpPort?: number;
  /** Environment settings (see the README's configuration table); process.env is the base. */
  env?: Record<string, string | undefined>;
  /** Seconds a received job stays invisible; a failed job is retried after it. */
  visibilityTimeout?: number;
  /** The local SQS's FIFO deduplication interval (default SQS's 5 minutes). */
  queueDedupWindowMs?: number;
  /** `close()` waits at most this long for the job queue to drain (default 60 s). */
  drainTimeoutMs?: number;
  pollers?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Sees every AWS SDK client the handlers use (benchmarks count calls with it). */
  onClient?: ClientHook;
  /** Called after every handler invocation (what would be one Lambda invocation), with its duration (benchmarks price them). */
  onInvoke?: InvokeHook;
}

/** Sees one handler invocation: the function's name (`authorizer`, `$connect`, `$default`, `fanout-job`, …) and its wall time. */
export type InvokeHook = (fn: string, ms: number) => void;

/** Wraps a handler so `hook` sees each invocation (a no-op wrapper without a hook). */
function metered<A extends unknown[], R>(fn: string, handler: (...args: A) => Promise<R>, hook?: InvokeHook): (...args: A) => Promise<R> {
  if (!hook) return handler;
  return async (...args: A) => {
    const t0 = performance.now();
    try {
      return await handler(...args);
    } finally {
      hook(fn, performance.now() - t0);
    }
  };
}

export interface LocalStack {
  config: Config;
  app: App;
  wsUrl: string;
  /** Base URL of the push API (`/v1/*`, `/goim/*`, `/openapi.json`, `/docs`). */
  pushUrl: string;
  emulator: WsApiEmulator;
  poller: SqsPoller;
  /** The goim gateway (TCP, goim WebSocket, internal `@connections` API) on the same app. */
  gateway: RunningGateway;
  /**
   * The job queue's dead-letter queue: a job message received EDGEIM_QUEUE_MAX_RECEIVE_COUNT
   * times without success ends here (absent when EDGEIM_QUEUE_URL names a queue of its own).
   */
  deadLetterQueueUrl?: string;
  /** Waits until every queued job has been processed. */
  drain(timeoutMs?: number): Promise<boolean>;
  /**
   * Stops in order: accept no more sends or pushes (OVERLOADED), drain the job queue while
   * every edge still delivers, then close the edges and the emulators. Reports whether
   * the drain finished; what is left stays in the queue (with `dataDir`, for the next start).
   */
  close(): Promise<StopReport>;
}

export interface StopReport {
  drained: boolean;
  /** Jobs still in the queue when the drain limit was hit. */
  left: number;
}

const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * The whole serverless path on one machine: dynalite and the local SQS FIFO queue in a
 * child process (emulators.ts), and here the WebSocket API emulator, the SQS poller
 * driving the same Lambda handlers that run in the cloud, the push API and the gateway.
 * With AWS_ENDPOINT_URL set (e.g. LocalStack), that DynamoDB and SQS are used instead.
 * With `dataDir`, sessions left by a previous run are cleared at start (their connections
 * died with it); accepted jobs it left in the queue run now.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!env.EDGEIM_JWT_SECRET && !env.EDGEIM_JWT_SECRET_ARN && !env.EDGEIM_JWKS_URL) env.EDGEIM_JWT_SECRET = LOCAL_JWT_SECRET;
  if (!env.EDGEIM_API_KEYS && !env.EDGEIM_API_KEYS_SECRET_ARN) env.EDGEIM_API_KEYS = LOCAL_API_KEY;
  // The gateway's internal API takes signed calls only; a fresh random secret per start unless one is given.
  if (!env.EDGEIM_GATEWAY_SECRET && !env.EDGEIM_GATEWAY_SECRET_ARN) env.EDGEIM_GATEWAY_SECRET = randomBytes(32).toString('base64url');
  const external = Boolean(env.AWS_ENDPOINT_URL);
  const logger = new Logger({ serviceName: 'edgeim', logLevel: options.logLevel ?? 'WARN' });

  // Everything is checked before anything binds: settings, then ports, files and endpoints.
  const settings = loadConfig(env);
  const ports = plannedPorts(options, settings, external);
  await checkPorts(ports);
  await checkFiles(settings);
  if (external) await checkEndpoints(externalEndpoints(settings));

  let emulators: Emulators | undefined;
  try {
    if (!external) {
      emulators = await startEmulators({
        dynamoPort: options.dynamoPort ?? settings.EDGEIM_DYNAMODB_PORT,
        sqsPort: options.sqsPort ?? settings.EDGEIM_SQS_PORT,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.queueDedupWindowMs !== undefined ? { dedupWindowMs: options.queueDedupWindowMs } : {}),
      });
      env.AWS_ENDPOINT_URL_DYNAMODB = emulators.dynamoUrl;
      env.AWS_ENDPOINT_URL_SQS = emulators.sqsUrl;
    }
    return await startOnEmulators(options, env, logger, external, emulators);
  } catch (err) {
    await emulators?.close();
    throw bindFailure(err, ports) ?? dataDirInUse(err, options.dataDir) ?? err;
  }
}

/** The ports this start will bind (0: any free one), each with the setting that chose it. */
function plannedPorts(options: LocalStackOptions, c: Config, external: boolean): PlannedPort[] {
  const ports: PlannedPort[] = [
    { setting: 'EDGEIM_PUSH_API_PORT', port: options.pushPort ?? c.EDGEIM_PUSH_API_PORT },
    { setting: 'EDGEIM_WS_API_PORT', port: options.wsPort ?? c.EDGEIM_WS_API_PORT },
    { setting: 'EDGEIM_GATEWAY_TCP_PORT', port: options.gatewayTcpPort ?? c.EDGEIM_GATEWAY_TCP_PORT },
    { setting: 'EDGEIM_GATEWAY_WS_PORT', port: options.gatewayWsPort ?? c.EDGEIM_GATEWAY_WS_PORT },
    { setting: 'EDGEIM_GATEWAY_HTTP_PORT', port: options.gatewayHttpPort ?? c.EDGEIM_GATEWAY_HTTP_PORT },
  ];
  if (!external) ports.push({ setting: 'EDGEIM_DYNAMODB_PORT', port: options.dynamoPort ?? c.EDGEIM_DYNAMODB_PORT }, { setting: 'EDGEIM_SQS_PORT', port: options.sqsPort ?? c.EDGEIM_SQS_PORT });
  return ports;
}

/**
 * What `/goim/nodes/*` tells goim clients locally: the ports this gateway serves, not the
 * defaults. Without TLS files there is no wss (wss_port 0); with them the goim WebSocket
 * port is wss and there is no plain ws. EDGEIM_NODES_* set in the environment win.
 */
function servedNodes(env: Record<string, string | undefined>, gateway: RunningGateway): Partial<Config> {
  const tls = gateway.wsUrl.startsWith('wss:');
  const served: Partial<Config> = {
    EDGEIM_NODES_DOMAIN: '127.0.0.1',
    EDGEIM_NODES_TCP_PORT: gateway.ports.tcp,
    EDGEIM_NODES_WS_PORT: tls ? 0 : gateway.ports.ws,
    EDGEIM_NODES_WSS_PORT: tls ? gateway.ports.ws : 0,
  };
  return Object.fromEntries(Object.entries(served).filter(([key]) => !env[key])) as Partial<Config>;
}

/** How long the first DynamoDB or SQS call may take before the start gives up on that endpoint. */
const FIRST_CALL_LIMIT_MS = 15_000;

/**
 * The first call to DynamoDB or SQS, bounded in time: a failure (an endpoint that is not
 * that service, or does not answer) becomes one line naming the endpoint.
 */
async function firstCall<T>(service: string, url: string | undefined, call: () => Promise<T>): Promise<T> {
  const where = `${service} at ${url ?? 'the default AWS endpoint'}`;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartupError([`${where} did not answer within ${FIRST_CALL_LIMIT_MS / 1000} s: is it a ${service} endpoint?`])), FIRST_CALL_LIMIT_MS);
  });
  try {
    return await Promise.race([call(), limit]);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const e = err as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
    const status = e.$metadata?.httpStatusCode;
    if (status) throw new StartupError([`${where} answered HTTP ${status} (${e.name}: ${String(e.message).split('\n')[0]}): is it a ${service} endpoint?`]);
    if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(`${e.message} ${e.code}`)) throw new StartupError([`${where} is unreachable: ${e.code ?? e.message}`]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function startOnEmulators(options: LocalStackOptions, env: Record<string, string | undefined>, logger: Logger, external: boolean, emulators: Emulators | undefined): Promise<LocalStack> {
  let config = loadConfig(env);
  await firstCall('DynamoDB', config.AWS_ENDPOINT_URL_DYNAMODB ?? config.AWS_ENDPOINT_URL, () => ensureTables(config));
  if (options.dataDir && !external) {
    const ghosts = await clearSessions(config);
    if (ghosts > 0) logger.info('cleared the sessions of the previous run', { items: ghosts });
  }
  const sqsClient = createSqsClient(config); // the poller's (Lambda's event source mapping: not the app's calls)
  const visibilityTimeout = options.visibilityTimeout ?? 5;
  const queues = config.EDGEIM_QUEUE_URL
    ? { queueUrl: config.EDGEIM_QUEUE_URL }
    : await firstCall('SQS', config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL, () => ensureQueues(sqsClient, visibilityTimeout, config.EDGEIM_QUEUE_MAX_RECEIVE_COUNT));
  const queueUrl = queues.queueUrl;
  config = { ...config, EDGEIM_QUEUE_URL: queueUrl };

  const emulator = new WsApiEmulator({ port: options.wsPort ?? config.EDGEIM_WS_API_PORT, onError: (err, where) => logger.error(`ws emulator: ${where}`, { err }) });
  const wsPort = await emulator.listen();
  config = { ...config, EDGEIM_WS_MANAGEMENT_ENDPOINT: emulator.endpoint(wsPort) };

  // The edges enqueue through the gate (closed first on stop); the job enqueues directly (push-all pages).
  const appSqs = createSqsClient(config);
  options.onClient?.(appSqs);
  const queue = new SqsJobQueue(appSqs, queueUrl);
  const gate = new EnqueueGate(queue);
  const app = await createApp(config, { logger, queue: gate }, options.onClient ? { onClient: options.onClient } : {});
  const jobApp: App = { ...app, queue };
  const getApp = () => Promise.resolve(app);
  let pushApp: App = app; // its /goim/nodes/* answer what the gateway serves, once it is up
  const pushApi = createPushApi({ deps: () => Promise.resolve(pushApp), onInternalError: (err) => logger.error('push API request failed', { err }) });
  const site = withDemoPage(pushApi.fetch, { app, wsUrl: `ws://127.0.0.1:${wsPort}`, jwtSecret: config.EDGEIM_JWT_SECRET });
  const pushServer = createAdaptorServer({ fetch: site }) as Server;
  const pushPort = await listen(pushServer, options.pushPort ?? config.EDGEIM_PUSH_API_PORT);

  const hook = options.onInvoke;
  emulator.setRoutes({
    authorizer: metered('authorizer', createAuthorizer(getApp), hook),
    routes: {
      $connect: metered('$connect', createConnectHandler(getApp), hook),
      $disconnect: metered('$disconnect', createDisconnectHandler(getApp), hook),
      $default: metered('$default', createDefaultHandler(getApp), hook),
      heartbeat: metered('heartbeat', createHeartbeatHandler(getApp), hook),
    },
  });

  const attrs = await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const poller = new SqsPoller(sqsClient, metered('fanout-job', createFanoutJob(() => Promise.resolve(jobApp)), hook), {
    queueUrl,
    queueArn: attrs.Attributes?.QueueArn ?? QUEUE_NAME,
    region: config.AWS_REGION,
    concurrency: options.pollers ?? 4,
    waitTimeSeconds: external ? 1 : 20,
    visibilityTimeout,
    onError: (err) => logger.error('job poller', { err }),
  });
  poller.start();
  const gateway = await startGateway(app, {
    host: '127.0.0.1',
    ...(options.gatewayTcpPort !== undefined ? { tcpPort: options.gatewayTcpPort } : {}),
    ...(options.gatewayWsPort !== undefined ? { wsPort: options.gatewayWsPort } : {}),
    ...(options.gatewayHttpPort !== undefined ? { httpPort: options.gatewayHttpPort } : {}),
  });
  pushApp = { ...app, config: { ...app.config, ...servedNodes(env, gateway) } };

  let closing: Promise<StopReport> | undefined;
  const close = async (): Promise<StopReport> => {
    await gate.close();
    const drained = await poller.drain(options.drainTimeoutMs ?? 60_000);
    const left = drained ? 0 : await poller.remaining().catch(() => -1);
    await poller.stop();
    await gateway.close();
    pushServer.closeAllConnections();
    await closeServer(pushServer);
    await emulator.close();
    sqsClient.destroy();
    appSqs.destroy();
    (app.delivery as { destroy?: () => void }).destroy?.();
    await emulators?.close();
    return { drained, left };
  };
  return {
    config,
    app,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    pushUrl: `http://127.0.0.1:${pushPort}`,
    emulator,
    poller,
    gateway,
    ...('deadLetterQueueUrl' in queues ? { deadLetterQueueUrl: queues.deadLetterQueueUrl } : {}),
    drain: (timeoutMs) => poller.drain(timeoutMs),
    close: () => (closing ??= close()),
  };
}

