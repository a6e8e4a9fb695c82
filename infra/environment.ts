import type { z } from 'zod';
import type { configSchema } from '../shared/config.js';

/** A setting's name as `shared/config.ts` reads it; a typo here is a type error. */
export type SettingName = keyof z.input<typeof configSchema>;
export type Environment = Partial<Record<SettingName, string>>;

/** Who runs with the environment: one Lambda handler each, and the gateway task. */
export type Role = 'authorizer' | 'connect' | 'disconnect' | 'default' | 'heartbeat' | 'fanout-job' | 'push-api' | 'gateway';

/** The deployed resources and choices the settings point at (CloudFormation tokens are fine). */
export interface EnvironmentRefs {
  readonly tables: { readonly sessions: string; readonly timelines: string; readonly groups: string; readonly ids: string };
  readonly queueUrl: string;
  readonly offlineTopicArn: string;
  readonly wsManagementEndpoint: string;
  readonly apiKeysSecretArn: string;
  /** The gateway internal API's secret; absent without a gateway. */
  readonly gatewaySecretArn?: string;
  readonly jwt: { readonly secretArn?: string; readonly jwksUrl?: string; readonly issuer?: string; readonly audience?: string };
  readonly retentionDays: number;
  readonly writeFanoutMax: number;
  /** The gateway's public host, ports and heartbeat (`/goim/nodes/*` of the push API); absent without a gateway. */
  readonly nodes?: {
    readonly domain: string;
    readonly tcpPort: number;
    readonly wsPort: number;
    readonly wssPort: number;
    readonly heartbeatSeconds: number;
    readonly heartbeatMax: number;
  };
  readonly gateway: {
    readonly tcpPort: number;
    readonly wsPort: number;
    readonly httpPort: number;
    readonly drainSeconds: number;
    readonly heartbeatTimeoutSeconds: number;
    /** Where the gateway's connection-count metric goes (embedded metric format on stdout). */
    readonly metrics?: { readonly namespace: string; readonly service: string };
  };
}

/** Who calls the gateway tasks' internal API (and so holds its credential). */
const GATEWAY_CREDENTIAL: ReadonlySet<Role> = new Set(['gateway', 'fanout-job', 'push-api']);

/** Which roles verify client JWTs (and so get the JWT settings and read the secret). */
const VERIFIES_TOKENS: ReadonlySet<Role> = new Set(['authorizer', 'gateway']);

/**
 * The one place the deployed environment is built: every Lambda handler and the gateway
 * container get their settings from here, and only the settings their role uses
 * (a secret's ARN only where that secret may be read).
 */
export function edgeimEnvironment(role: Role, refs: EnvironmentRefs): Environment {
  const env: Environment = {
    EDGEIM_SESSIONS_TABLE: refs.tables.sessions,
    EDGEIM_TIMELINES_TABLE: refs.tables.timelines,
    EDGEIM_GROUPS_TABLE: refs.tables.groups,
    EDGEIM_IDS_TABLE: refs.tables.ids,
    EDGEIM_QUEUE_URL: refs.queueUrl,
    EDGEIM_RETENTION_DAYS: String(refs.retentionDays),
    EDGEIM_WRITE_FANOUT_MAX: String(refs.writeFanoutMax),
    EDGEIM_WS_MANAGEMENT_ENDPOINT: refs.wsManagementEndpoint,
  };
  if (VERIFIES_TOKENS.has(role)) {
    if (refs.jwt.secretArn) env.EDGEIM_JWT_SECRET_ARN = refs.jwt.secretArn;
    if (refs.jwt.jwksUrl) env.EDGEIM_JWKS_URL = refs.jwt.jwksUrl;
    if (refs.jwt.issuer) env.EDGEIM_JWT_ISSUER = refs.jwt.issuer;
    if (refs.jwt.audience) env.EDGEIM_JWT_AUDIENCE = refs.jwt.audience;
  }
  if (refs.gatewaySecretArn && GATEWAY_CREDENTIAL.has(role)) env.EDGEIM_GATEWAY_SECRET_ARN = refs.gatewaySecretArn;
  if (role === 'fanout-job') env.EDGEIM_OFFLINE_TOPIC_ARN = refs.offlineTopicArn;
  if (role === 'push-api') {
    env.EDGEIM_API_KEYS_SECRET_ARN = refs.apiKeysSecretArn;
    if (refs.nodes) {
      env.EDGEIM_NODES_DOMAIN = refs.nodes.domain;
      env.EDGEIM_NODES_TCP_PORT = String(refs.nodes.tcpPort);
      env.EDGEIM_NODES_WS_PORT = String(refs.nodes.wsPort);
      env.EDGEIM_NODES_WSS_PORT = String(refs.nodes.wssPort);
      env.EDGEIM_NODES_HEARTBEAT_SECONDS = String(refs.nodes.heartbeatSeconds);
      env.EDGEIM_NODES_HEARTBEAT_MAX = String(refs.nodes.heartbeatMax);
    }
  }
  if (role === 'gateway') {
    env.EDGEIM_GATEWAY_HOST = '0.0.0.0';
    env.EDGEIM_GATEWAY_TCP_PORT = String(refs.gateway.tcpPort);
    env.EDGEIM_GATEWAY_WS_PORT = String(refs.gateway.wsPort);
    env.EDGEIM_GATEWAY_HTTP_PORT = String(refs.gateway.httpPort);
    env.EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS = String(refs.gateway.drainSeconds * 1000);
    env.EDGEIM_HEARTBEAT_TIMEOUT_MS = String(refs.gateway.heartbeatTimeoutSeconds * 1000);
    if (refs.gateway.metrics) {
      env.EDGEIM_GATEWAY_METRICS_NAMESPACE = refs.gateway.metrics.namespace;
      env.EDGEIM_GATEWAY_METRICS_SERVICE = refs.gateway.metrics.service;
    }
  }
  return env;
}

/** Drops unset values: the shape `NodejsFunction` and ECS container definitions take. */
export function asRecord(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
