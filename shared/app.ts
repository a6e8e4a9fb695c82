import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { clientOptions, type ClientHook } from './aws/clients.js';
import { ConnectionsDelivery } from './aws/connections-delivery.js';
import { createDocumentClient } from './aws/dynamo-client.js';
import { DynamoGroupStore } from './aws/dynamo-group-store.js';
import { GatewaySigner, gatewaySecretSource } from './aws/gateway-signer.js';
import { DynamoIdRangeStore } from './aws/dynamo-id-range-store.js';
import { DynamoIdempotencyStore } from './aws/dynamo-idempotency-store.js';
import { DynamoSessionStore } from './aws/dynamo-session-store.js';
import { DynamoTimelineStore } from './aws/dynamo-timeline-store.js';
import { noOfflineNotifier, SnsOfflineNotifier, WebhookOfflineNotifier } from './aws/offline-notifiers.js';
import { createSqsClient } from './aws/sqs-client.js';
import { SqsJobQueue } from './aws/sqs-job-queue.js';
import { domainSettings, type Config } from './config.js';
import type { LogSink } from './lambda-runtime.js';
import type { TokenVerifier } from './domain/auth.js';
import { verifierFromConfig } from './aws/verifier-from-config.js';
import type { Deps } from './domain/deps.js';
import { IdAllocator } from './domain/id-allocator.js';
import { systemClock } from './domain/ports/clock.js';
import type { Delivery } from './domain/ports/delivery.js';
import type { GroupStore } from './domain/ports/group-store.js';
import type { IdempotencyStore } from './domain/ports/idempotency-store.js';
import type { JobQueue } from './domain/ports/job-queue.js';
import type { OfflineNotifier } from './domain/ports/offline-notifier.js';
import type { SessionStore } from './domain/ports/session-store.js';
import type { TimelineStore } from './domain/ports/timeline-store.js';

/**
 * Wiring: one builder per part, so each Lambda bundles only the parts (and AWS clients) it
 * uses (functions/*.ts); `createApp` builds all of them for the gateway and the local runtime.
 */

/** The domain deps and the configuration the edges read (their transports' own settings). */
export interface EdgeDeps extends Deps {
  config: Config;
}

/** Everything an edge needs: the domain deps, the configuration, a token verifier and a logger. */
export interface App extends EdgeDeps {
  verifier: TokenVerifier;
  logger: Logger;
}

/** Id allocator names in the ids table. */
export const ID_NAMES = { message: 'msg' } as const;

export interface CreateAppOptions {
  /** Sees every AWS SDK client (DynamoDB, SQS, SNS, each `@connections` endpoint's). */
  onClient?: ClientHook;
}


/** The DynamoDB document client, shown to `hook`. */
export function dynamoClient(config: Config, hook?: ClientHook): DynamoDBDocumentClient {
  const db = createDocumentClient(config);
  hook?.(db);
  return db;
}

export const sessionStore = (config: Config, db: DynamoDBDocumentClient): SessionStore =>
  new DynamoSessionStore(db, config.EDGEIM_SESSIONS_TABLE, config.EDGEIM_ROOM_SHARDS, undefined, config.EDGEIM_SESSION_SHARDS);
export const timelineStore = (config: Config, db: DynamoDBDocumentClient): TimelineStore => new DynamoTimelineStore(db, config.EDGEIM_TIMELINES_TABLE, config.EDGEIM_TIMELINE_SETTLE_MS);
export const groupStore = (config: Config, db: DynamoDBDocumentClient): GroupStore => new DynamoGroupStore(db, config.EDGEIM_GROUPS_TABLE);
export const idempotencyStore = (config: Config, db: DynamoDBDocumentClient): IdempotencyStore => new DynamoIdempotencyStore(db, config.EDGEIM_TIMELINES_TABLE);
export const idAllocator = (config: Config, db: DynamoDBDocumentClient): IdAllocator =>
  new IdAllocator(new DynamoIdRangeStore(db, config.EDGEIM_IDS_TABLE), ID_NAMES.message, config.EDGEIM_ID_STEP);

/** The job queue on its own SQS client, shown to `hook`. */
export function jobQueue(config: Config, hook?: ClientHook): JobQueue {
  const sqs = createSqsClient(config);
  hook?.(sqs);
  return new SqsJobQueue(sqs, config.EDGEIM_QUEUE_URL);
}

/** `@connections` delivery: API Gateway's endpoints, and gateway tasks' (signed). */
export function connectionsDelivery(config: Config, hook?: ClientHook): Delivery {
  const local = clientOptions(config, 'dynamodb');
  return new ConnectionsDelivery({
    region: config.AWS_REGION,
    maxAttempts: config.EDGEIM_DELIVERY_MAX_ATTEMPTS,
    maxSockets: config.EDGEIM_DELIVERY_CONCURRENCY,
    timeoutMs: config.EDGEIM_DELIVERY_TIMEOUT_MS,
    ...(hook ? { onClient: hook } : {}),
    signer: new GatewaySigner(gatewaySecretSource(config), config.EDGEIM_WS_MANAGEMENT_ENDPOINT ? [config.EDGEIM_WS_MANAGEMENT_ENDPOINT] : []),
    ...('credentials' in local ? { credentials: local.credentials } : {}),
  });
}

/** The offline hook the configuration names: SNS, a webhook, or none. */
export function offlineNotifier(config: Config, logger: Pick<LogSink, 'warn'>, hook?: ClientHook): OfflineNotifier {
  const warn = (message: string, extra: Record<string, unknown>) => logger.warn(message, extra);
  if (config.EDGEIM_OFFLINE_TOPIC_ARN) {
    const sns = new SNSClient({ region: config.AWS_REGION });
    hook?.(sns);
    return new SnsOfflineNotifier(sns, config.EDGEIM_OFFLINE_TOPIC_ARN, warn);
  }
  return config.EDGEIM_OFFLINE_WEBHOOK_URL ? new WebhookOfflineNotifier(config.EDGEIM_OFFLINE_WEBHOOK_URL, warn) : noOfflineNotifier;
}

/** The domain deps (settings, every store, the queue, delivery and the offline hook) and the configuration, without a token verifier. */
export function createDeps(config: Config, logger: Pick<LogSink, 'warn'>, options: CreateAppOptions = {}): EdgeDeps {
  const hook = options.onClient;
  const db = dynamoClient(config, hook);
  return {
    config,
    settings: domainSettings(config),
    clock: systemClock,
    sessions: sessionStore(config, db),
    timelines: timelineStore(config, db),
    groups: groupStore(config, db),
    ids: idAllocator(config, db),
    queue: jobQueue(config, hook),
    delivery: connectionsDelivery(config, hook),
    offline: offlineNotifier(config, logger, hook),
    idempotency: idempotencyStore(config, db),
  };
}

/** Wires every AWS adapter from a configuration. `overrides` replace single parts (tests, local runtime). */
export async function createApp(config: Config, overrides: Partial<App> = {}, options: CreateAppOptions = {}): Promise<App> {
  const logger = overrides.logger ?? new Logger({ serviceName: 'edgeim' });
  return {
    ...createDeps(config, logger, options),
    logger,
    verifier: overrides.verifier ?? verifierFromConfig(config),
    ...overrides,
  };
}
