import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import { createAuthorizer } from '../functions/authorizer.js';
import { createConnectHandler } from '../functions/connect.js';
import { createDefaultHandler } from '../functions/default.js';
import { createDisconnectHandler } from '../functions/disconnect.js';
import { createFanoutJob } from '../functions/fanout-job.js';
import { createHeartbeatHandler } from '../functions/heartbeat.js';
import { createApp, type App } from '../shared/app.js';
import { clientOptions, createSqsClient, type ClientHook } from '../shared/aws/clients.js';
import { tableDefinitions } from '../shared/aws/tables.js';
import { LOCAL_JWT_SECRET, loadConfig, type Config } from '../shared/config.js';
import { SqsPoller } from './sqs-poller.js';
import { WsApiEmulator } from './ws-api-emulator.js';

export interface LocalStackOptions {
  /** Keep DynamoDB data here across restarts (in memory when omitted). */
  dataDir?: string;
  /** Ports; 0 picks a free one. Defaults: WebSocket API 3001, DynamoDB 4567, SQS 9324. */
  wsPort?: number;
  dynamoPort?: number;
  sqsPort?: number;
  /** Environment settings (see the README's configuration table); process.env is the base. */
  env?: Record<string, string | undefined>;
  /** Seconds a received job stays invisible; a failed job is retried after it. */
  visibilityTimeout?: number;
  pollers?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Sees every AWS SDK client the handlers use (benchmarks count calls with it). */
  onClient?: ClientHook;
}

export interface LocalStack {
  config: Config;
  app: App;
  wsUrl: string;
  emulator: WsApiEmulator;
  poller: SqsPoller;
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
  const external = Boolean(env.AWS_ENDPOINT_URL);
  const servers: Server[] = [];
  const logger = new Logger({ serviceName: 'edgeim', logLevel: options.logLevel ?? 'WARN' });

  if (!external) {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {}) });
    servers.push(db);
    env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await listen(db, options.dynamoPort ?? 4567)}`;
    const sqs = await createSqsServer({ port: options.sqsPort ?? 9324, hostname: '127.0.0.1' });
    servers.push(sqs);
    env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${(sqs.address() as { port: number }).port}`;
  }

  const emulator = new WsApiEmulator({ port: options.wsPort ?? 3001, onError: (err, where) => logger.error(`ws emulator: ${where}`, { err: String(err) }) });
  const wsPort = await emulator.listen();
  env.EDGEIM_WS_MANAGEMENT_ENDPOINT = emulator.endpoint(wsPort);

  let config = loadConfig(env);
  await ensureTables(config);
  const sqsClient = createSqsClient(config);
  const queueUrl = config.EDGEIM_QUEUE_URL || (await ensureQueue(config, options.visibilityTimeout ?? 5));
  config = { ...config, EDGEIM_QUEUE_URL: queueUrl };
  const app = await createApp(config, { logger }, options.onClient ? { onClient: options.onClient } : {});
  const getApp = () => Promise.resolve(app);

  emulator.setRoutes({
    authorizer: createAuthorizer(getApp),
    routes: {
      $connect: createConnectHandler(getApp),
      $disconnect: createDisconnectHandler(getApp),
      $default: createDefaultHandler(getApp),
      heartbeat: createHeartbeatHandler(getApp),
    },
  });

  const attrs = await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const poller = new SqsPoller(sqsClient, createFanoutJob(getApp), {
    queueUrl,
    queueArn: attrs.Attributes?.QueueArn ?? QUEUE_NAME,
    region: config.AWS_REGION,
    concurrency: options.pollers ?? 4,
    waitTimeSeconds: external ? 1 : 0,
    onError: (err) => logger.error('job poller', { err: String(err) }),
  });
  poller.start();

  return {
    config,
    app,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    emulator,
    poller,
    drain: (timeoutMs) => poller.drain(timeoutMs),
    async close() {
      await emulator.close();
      await poller.drain(10_000);
      await poller.stop();
      sqsClient.destroy();
      (app.delivery as { destroy?: () => void }).destroy?.();
      for (const server of servers.reverse()) {
        server.closeAllConnections?.();
        await closeServer(server);
      }
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

async function ensureQueue(config: Config, visibilityTimeout: number): Promise<string> {
  const sqs = createSqsClient(config);
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
  sqs.destroy();
  return out.QueueUrl ?? '';
}
