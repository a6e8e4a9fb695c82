import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { clientOptions, createDocumentClient, createSqsClient, type ClientHook } from './aws/clients.js';
import { ConnectionsDelivery } from './aws/connections-delivery.js';
import { DynamoGroupStore } from './aws/dynamo-group-store.js';
import { GatewaySigner, gatewaySecretSource } from './aws/gateway-signer.js';
import { DynamoIdRangeStore } from './aws/dynamo-id-range-store.js';
import { DynamoSessionStore } from './aws/dynamo-session-store.js';
import { DynamoTimelineStore } from './aws/dynamo-timeline-store.js';
import { noOfflineNotifier, SnsOfflineNotifier, WebhookOfflineNotifier } from './aws/offline-notifiers.js';
import { SqsJobQueue } from './aws/sqs-job-queue.js';
import { loadConfig, type Config } from './config.js';
import { createTokenVerifier, type TokenVerifier } from './domain/auth.js';
import type { Deps } from './domain/deps.js';
import { IdAllocator } from './domain/id-allocator.js';
import { systemClock } from './domain/ports/clock.js';

/** Everything an edge needs: the domain deps, a token verifier and a logger. */
export interface App extends Deps {
  verifier: TokenVerifier;
  logger: Logger;
}

/** Id allocator names in the ids table. */
export const ID_NAMES = { message: 'msg' } as const;

export interface CreateAppOptions {
  /** Sees every AWS SDK client (DynamoDB, SQS, SNS, each `@connections` endpoint's). */
  onClient?: ClientHook;
}

/** Wires the AWS adapters from a configuration. `overrides` replace single parts (tests, local runtime). */
export async function createApp(config: Config, overrides: Partial<App> = {}, options: CreateAppOptions = {}): Promise<App> {
  const logger = overrides.logger ?? new Logger({ serviceName: 'edgeim' });
  const hook = options.onClient ?? (() => undefined);
  const db = createDocumentClient(config);
  const sqs = createSqsClient(config);
  hook(db);
  hook(sqs);
  const warn = (message: string, extra: Record<string, unknown>) => logger.warn(message, extra);
  const local = clientOptions(config, 'dynamodb');
  const offline = config.EDGEIM_OFFLINE_TOPIC_ARN
    ? new SnsOfflineNotifier(withHook(new SNSClient({ region: config.AWS_REGION }), hook), config.EDGEIM_OFFLINE_TOPIC_ARN, warn)
    : config.EDGEIM_OFFLINE_WEBHOOK_URL
      ? new WebhookOfflineNotifier(config.EDGEIM_OFFLINE_WEBHOOK_URL, warn)
      : noOfflineNotifier;
  return {
    config,
    logger,
    clock: systemClock,
    sessions: new DynamoSessionStore(db, config.EDGEIM_SESSIONS_TABLE, config.EDGEIM_ROOM_SHARDS, undefined, config.EDGEIM_SESSION_SHARDS),
    timelines: new DynamoTimelineStore(db, config.EDGEIM_TIMELINES_TABLE),
    groups: new DynamoGroupStore(db, config.EDGEIM_GROUPS_TABLE),
    ids: new IdAllocator(new DynamoIdRangeStore(db, config.EDGEIM_IDS_TABLE), ID_NAMES.message, config.EDGEIM_ID_STEP),
    queue: new SqsJobQueue(sqs, config.EDGEIM_QUEUE_URL),
    delivery: new ConnectionsDelivery({
      region: config.AWS_REGION,
      maxAttempts: config.EDGEIM_DELIVERY_MAX_ATTEMPTS,
      maxSockets: config.EDGEIM_DELIVERY_CONCURRENCY,
      timeoutMs: config.EDGEIM_DELIVERY_TIMEOUT_MS,
      onClient: hook,
      signer: new GatewaySigner(gatewaySecretSource(config), config.EDGEIM_WS_MANAGEMENT_ENDPOINT ? [config.EDGEIM_WS_MANAGEMENT_ENDPOINT] : []),
      ...('credentials' in local ? { credentials: local.credentials } : {}),
    }),
    offline,
    verifier: overrides.verifier ?? lazyVerifier(() => createVerifier(config)),
    ...overrides,
  };
}

function withHook<T extends Parameters<ClientHook>[0]>(client: T, hook: ClientHook): T {
  hook(client);
  return client;
}

/**
 * Builds the verifier on first use: only the functions that verify tokens (the
 * authorizer, the gateway) are given the JWT settings and may read the secret.
 */
function lazyVerifier(build: () => Promise<TokenVerifier>): TokenVerifier {
  let verifier: Promise<TokenVerifier> | undefined;
  return {
    async verify(token) {
      verifier ??= build().catch((err: unknown) => {
        verifier = undefined; // retry the secret fetch on the next call
        throw err;
      });
      return (await verifier).verify(token);
    },
  };
}

async function createVerifier(config: Config): Promise<TokenVerifier> {
  const secret = config.EDGEIM_JWT_SECRET_ARN ? await getSecret(config.EDGEIM_JWT_SECRET_ARN, { maxAge: 300 }) : config.EDGEIM_JWT_SECRET;
  return createTokenVerifier({
    ...(typeof secret === 'string' ? { secret } : {}),
    ...(config.EDGEIM_JWKS_URL ? { jwksUrl: config.EDGEIM_JWKS_URL } : {}),
    ...(config.EDGEIM_JWT_ISSUER ? { issuer: config.EDGEIM_JWT_ISSUER } : {}),
    ...(config.EDGEIM_JWT_AUDIENCE ? { audience: config.EDGEIM_JWT_AUDIENCE } : {}),
  });
}

let fromEnv: Promise<App> | undefined;

/** The app of a Lambda module: built once per execution environment from process.env. */
export function appFromEnv(): Promise<App> {
  fromEnv ??= createApp(loadConfig());
  return fromEnv;
}
