import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { createAuthorizer } from '../functions/authorizer.js';
import { createConnectHandler } from '../functions/connect.js';
import { createDefaultHandler } from '../functions/default.js';
import { createDisconnectHandler } from '../functions/disconnect.js';
import { createFanoutJob } from '../functions/fanout-job.js';
import { createHeartbeatHandler } from '../functions/heartbeat.js';
import { createApp, type App } from '../shared/app.js';
import { clientOptions, createSqsClient, type ClientHook } from '../shared/aws/clients.js';
import { tableDefinitions } from '../shared/aws/tables.js';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET, loadConfig, type Config } from '../shared/config.js';
import { createPushApi } from '../shared/push-api/app.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { withDemoPage } from './demo/demo-server.js';
import { startEmulators, type Emulators } from './emulators.js';
import { SqsPoller } from './sqs-poller.js';
import { WsApiEmulator } from './ws-api-emulator.js';

export interface LocalStackOptions {
  /** Keep DynamoDB data here across restarts (in memory when omitted). */
  dataDir?: string;
  /** Ports; 0 picks a free one. Defaults: WebSocket API 3001, DynamoDB 4567, SQS 9324. */
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
  /** Waits until every queued job has been processed. */
  drain(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export const QUEUE_NAME = 'edgeim-jobs.fifo';

const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * The whole serverless path in one process: dynalite, local-aws-sqs, the WebSocket API
 * emulator and the SQS poller, driving the same Lambda handlers that run in the cloud.
 * With AWS_ENDPOINT_URL set (e.g. LocalStack), that DynamoDB and SQS are used instead.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!env.EDGEIM_JWT_SECRET && !env.EDGEIM_JWT_SECRET_ARN && !env.EDGEIM_JWKS_URL) env.EDGEIM_JWT_SECRET = LOCAL_JWT_SECRET;
  if (!env.EDGEIM_API_KEYS && !env.EDGEIM_API_KEYS_SECRET_ARN) env.EDGEIM_API_KEYS = LOCAL_API_KEY;
  const external = Boolean(env.AWS_ENDPOINT_URL);
  const logger = new Logger({ serviceName: 'edgeim', logLevel: options.logLevel ?? 'WARN' });

  let emulators: Emulators | undefined;
  if (!external) {
    emulators = await startEmulators({ dynamoPort: options.dynamoPort ?? 4567, sqsPort: options.sqsPort ?? 9324, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
    env.AWS_ENDPOINT_URL_DYNAMODB = emulators.dynamoUrl;
    env.AWS_ENDPOINT_URL_SQS = emulators.sqsUrl;
  }

  const emulator = new WsApiEmulator({ port: options.wsPort ?? 3001, onError: (err, where) => logger.error(`ws emulator: ${where}`, { err: String(err) }) });
  const wsPort = await emulator.listen();
  env.EDGEIM_WS_MANAGEMENT_ENDPOINT = emulator.endpoint(wsPort);

  let config = loadConfig(env);
  await ensureTables(config);
  const sqsClient = createSqsClient(config);
  const visibilityTimeout = options.visibilityTimeout ?? 5;
  const queueUrl = config.EDGEIM_QUEUE_URL || (await ensureQueue(sqsClient, visibilityTimeout));
  config = { ...config, EDGEIM_QUEUE_URL: queueUrl };
  const app = await createApp(config, { logger }, options.onClient ? { onClient: options.onClient } : {});
  const getApp = () => Promise.resolve(app);
  const pushApi = createPushApi({ deps: getApp, onInternalError: (err) => logger.error('push API request failed', { err: String(err) }) });
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
  const poller = new SqsPoller(sqsClient, metered('fanout-job', createFanoutJob(getApp), hook), {
    queueUrl,
    queueArn: attrs.Attributes?.QueueArn ?? QUEUE_NAME,
    region: config.AWS_REGION,
    concurrency: options.pollers ?? 4,
    waitTimeSeconds: external ? 1 : 0,
    visibilityTimeout,
    onError: (err) => logger.error('job poller', { err: String(err) }),
  });
  poller.start();
  const gateway = await startGateway(app, {
    host: '127.0.0.1',
    ...(options.gatewayTcpPort !== undefined ? { tcpPort: options.gatewayTcpPort } : {}),
    ...(options.gatewayWsPort !== undefined ? { wsPort: options.gatewayWsPort } : {}),
    ...(options.gatewayHttpPort !== undefined ? { httpPort: options.gatewayHttpPort } : {}),
  });

  return {
    config,
    app,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    pushUrl: `http://127.0.0.1:${pushPort}`,
    emulator,
    poller,
    gateway,
    drain: (timeoutMs) => poller.drain(timeoutMs),
    async close() {
      await gateway.close();
      pushServer.closeAllConnections();
      await closeServer(pushServer);
      await emulator.close();
      await poller.drain(10_000);
      await poller.stop();
      sqsClient.destroy();
      (app.delivery as { destroy?: () => void }).destroy?.();
      await emulators?.close();
    },
  };
}

async function ensureTables(config: Config): Promise<void> {
  const ddb = new DynamoDBClient(clientOptions(config, 'dynamodb'));
  const existing = new Set((await ddb.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const def of tableDefinitions(config)) {
    if (!existing.has(def.TableName ?? '')) await ddb.send(new CreateTableCommand(def));
  }
  ddb.destroy();
}

async function ensureQueue(sqs: SQSClient, visibilityTimeout: number): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: QUEUE_NAME,
      Attributes: {
        FifoQueue: 'true',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: String(visibilityTimeout),
      },
    }),
  );
  return out.QueueUrl ?? '';
}
