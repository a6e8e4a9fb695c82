import { RemovalPolicy } from 'aws-cdk-lib';
import type { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HANDLERS, type HandlerName } from './bundling.js';
import type { EdgeImStackProps, Profile, ThrottleProps } from './props.js';
import { MAX_STOP_TIMEOUT_SECONDS, STOP_MARGIN_SECONDS, TLS_IDLE_TIMEOUT_SECONDS } from './timeouts.js';

/**
 * goim's ports, served by the gateway and its load balancer: goim TCP and goim WebSocket
 * in plaintext (3101, 3102), the load balancer's TLS listeners in front of them (wss 3103,
 * goim TCP over TLS 3104), and the tasks' internal API (3180, never public).
 */
export const GATEWAY_PORTS = { tcp: 3101, ws: 3102, wss: 3103, tcpTls: 3104, http: 3180 } as const;

/** Availability zones of the VPC (one NAT gateway per AZ is `natGateways: 2`). */
export const AZ_COUNT = 2;

export interface ResolvedThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Every choice of `EdgeImStackProps`, with the profile's defaults filled in and checked. */
export interface ResolvedProps {
  readonly profile: Profile;
  readonly auth: { jwtSecretArn?: string; jwksUrl?: string; issuer?: string; audience?: string };
  readonly retentionDays: number;
  readonly writeFanoutMax: number;
  readonly storage: { removalPolicy: RemovalPolicy; deletionProtection: boolean; pointInTimeRecovery: boolean };
  readonly job: { batchSize: number; maxConcurrency: number; maxReceiveCount: number; memorySize: number; timeoutSeconds: number };
  readonly gateway: {
    enabled: boolean;
    desiredCount: number;
    maxCount: number;
    cpu: number;
    memoryMiB: number;
    certificateArn?: string;
    plaintextListeners: boolean;
    drainSeconds: number;
    heartbeatTimeoutSeconds: number;
    connectionsPerTask: number;
    image?: ContainerImage;
    imageUri?: string;
  };
  readonly network: { natGateways: number; interfaceEndpoints: boolean };
  readonly apis: { webSocket: ResolvedThrottle; connect: ResolvedThrottle; pushApi: ResolvedThrottle; manageAccountLogRole: boolean };
  readonly alarms: { topicArn?: string; email?: string; accountConcurrencyLimit: number };
  readonly functions: Readonly<Record<HandlerName, { reservedConcurrency?: number }>>;
  readonly stageName: string;
  readonly logRetention: RetentionDays;
}

/** What each profile defaults to (docs/DEPLOY.md, "Profiles"). */
export const PROFILE_DEFAULTS = {
  prod: {
    natGateways: AZ_COUNT,
    interfaceEndpoints: true,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
    desiredCount: 2,
  },
  dev: {
    natGateways: 1,
    interfaceEndpoints: false,
    deletionProtection: false,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    desiredCount: 1,
  },
} as const satisfies Record<Profile, unknown>;

/** Thrown at synth time when the stack props describe a stack that cannot work. */
export class InvalidPropsError extends Error {
  override name = 'InvalidPropsError';
}

/** Memory sizes (MiB) Fargate accepts for each CPU size. */
const FARGATE_MEMORY: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Lambda keeps this much of the account's concurrency unreserved. */
const UNRESERVED_MINIMUM = 100;

/**
 * Fills in the profile's defaults and validates every prop; throws one InvalidPropsError
 * naming each problem. Pure: the same props always give the same result.
 */
export function resolveProps(props: EdgeImStackProps = {}): ResolvedProps {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, def: number, min: number, max: number): number => {
    const v = value ?? def;
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
    return v;
  };
  const throttle = (name: string, t: ThrottleProps | undefined, def: ResolvedThrottle): ResolvedThrottle => ({
    rateLimit: positive(`${name}.rateLimit`, t?.rateLimit, def.rateLimit),
    burstLimit: int(`${name}.burstLimit`, t?.burstLimit, def.burstLimit, 1, 5000),
  });
  const positive = (name: string, value: number | undefined, def: number): number => {
    const v = value ?? def;
    if (!Number.isFinite(v) || v <= 0 || v > 10_000) problems.push(`${name} must be a number above 0 and at most 10000 (got ${String(value)})`);
    return v;
  };

  const profile = props.profile ?? 'prod';
  if (profile !== 'prod' && profile !== 'dev') problems.push(`profile must be prod or dev (got ${String(profile)})`);
  const p = PROFILE_DEFAULTS[profile] ?? PROFILE_DEFAULTS.prod;

  const auth = props.auth ?? {};
  if (auth.jwtSecretArn && auth.jwksUrl) {
    problems.push('auth: set either jwtSecretArn (HS256) or jwksUrl (RS256/ES256), not both');
  }
  if (auth.jwtSecretArn !== undefined && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(auth.jwtSecretArn)) {
    problems.push(`auth.jwtSecretArn must be the complete ARN of a Secrets Manager secret (got ${auth.jwtSecretArn})`);
  }
  if (auth.jwksUrl !== undefined && !isHttpsUrl(auth.jwksUrl)) problems.push(`auth.jwksUrl must be an https:// URL (got ${auth.jwksUrl})`);

  const retentionDays = int('retentionDays', props.retentionDays, 7, 1, 3650);
  const writeFanoutMax = int('writeFanoutMax', props.writeFanoutMax, 500, 1, 100_000);

  const alarms = props.alarms ?? {};
  const accountConcurrencyLimit = int('alarms.accountConcurrencyLimit', alarms.accountConcurrencyLimit, 1000, 10, 1_000_000);
  if (alarms.topicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(alarms.topicArn)) problems.push(`alarms.topicArn must be an SNS topic ARN (got ${alarms.topicArn})`);
  if (alarms.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarms.email)) problems.push(`alarms.email is not an e-mail address (got ${alarms.email})`);
  if (alarms.email !== undefined && alarms.topicArn !== undefined) problems.push('alarms: subscribe your address to your own topic (alarms.email only applies to the topic the stack creates)');

  const functions = {} as Record<HandlerName, { reservedConcurrency?: number }>;
  let reserved = 0;
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const r = props.functions?.[name]?.reservedConcurrency;
    functions[name] = r === undefined ? {} : { reservedConcurrency: int(`functions.${name}.reservedConcurrency`, r, 0, 0, accountConcurrencyLimit) };
    reserved += r ?? 0;
  }
  for (const name of Object.keys(props.functions ?? {})) if (!(name in HANDLERS)) problems.push(`functions.${name}: no such handler (${Object.keys(HANDLERS).join(', ')})`);
  if (reserved > accountConcurrencyLimit - UNRESERVED_MINIMUM) {
    problems.push(`functions: ${reserved} reserved concurrency leaves less than ${UNRESERVED_MINIMUM} of the account's ${accountConcurrencyLimit} unreserved`);
  }

  const job = props.job ?? {};
  const resolvedJob = {
    batchSize: int('job.batchSize', job.batchSize, 10, 1, 10),
    maxConcurrency: int('job.maxConcurrency', job.maxConcurrency, 200, 2, 1000),
    maxReceiveCount: int('job.maxReceiveCount', job.maxReceiveCount, 5, 1, 1000),
    memorySize: int('job.memorySize', job.memorySize, 512, 128, 10_240),
    // The queue's visibility timeout is six times this, and SQS caps it at 12 hours.
    timeoutSeconds: int('job.timeoutSeconds', job.timeoutSeconds, 30, 5, 900),
  };
  if (resolvedJob.maxConcurrency > accountConcurrencyLimit - UNRESERVED_MINIMUM) {
    problems.push(`job.maxConcurrency (${resolvedJob.maxConcurrency}) must leave at least ${UNRESERVED_MINIMUM} of the account's Lambda concurrency (${accountConcurrencyLimit}) to the other handlers`);
  }
  const jobReserved = functions['fanout-job'].reservedConcurrency;
  if (jobReserved !== undefined && resolvedJob.maxConcurrency > jobReserved) {
    problems.push(`job.maxConcurrency (${resolvedJob.maxConcurrency}) must not exceed the job's reserved concurrency (${jobReserved}), or the queue's batches are throttled`);
  }

  const gw = props.gateway ?? {};
  const enabled = gw.enabled ?? true;
  const desiredCount = int('gateway.desiredCount', gw.desiredCount, p.desiredCount, 1, 1000);
  const maxCount = int('gateway.maxCount', gw.maxCount, Math.max(10, desiredCount), 1, 1000);
  if (maxCount < desiredCount) problems.push(`gateway.maxCount (${maxCount}) must be at least gateway.desiredCount (${desiredCount})`);
  const cpu = gw.cpu ?? 512;
  const memoryMiB = gw.memoryMiB ?? 1024;
  const memories = FARGATE_MEMORY[cpu];
  if (!memories) problems.push(`gateway.cpu must be one of ${Object.keys(FARGATE_MEMORY).join(', ')} (got ${cpu})`);
  else if (!memories.includes(memoryMiB)) problems.push(`gateway.memoryMiB ${memoryMiB} is not a Fargate size for ${cpu} CPU units (${memories[0]}–${memories.at(-1)})`);
  const drainSeconds = int('gateway.drainSeconds', gw.drainSeconds, 30, 1, MAX_STOP_TIMEOUT_SECONDS - STOP_MARGIN_SECONDS);
  if (gw.certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(gw.certificateArn)) {
    problems.push(`gateway.certificateArn must be an ACM certificate ARN (got ${gw.certificateArn})`);
  }
  // With a TLS listener the load balancer's idle timeout is fixed: the gateway must close silent connections first.
  const heartbeatMax = gw.certificateArn ? TLS_IDLE_TIMEOUT_SECONDS - 10 : 5940;
  const heartbeatTimeoutSeconds = int('gateway.heartbeatTimeoutSeconds', gw.heartbeatTimeoutSeconds, 300, 30, heartbeatMax);
  const connectionsPerTask = int('gateway.connectionsPerTask', gw.connectionsPerTask, 10_000, 100, 1_000_000);
  if (gw.image && gw.imageUri) problems.push('gateway: set either image or imageUri, not both');
  if (gw.imageUri !== undefined && !/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/.test(gw.imageUri)) {
    problems.push(`gateway.imageUri must be registry/repository:tag or @sha256:digest (got ${gw.imageUri})`);
  }

  const net = props.network ?? {};
  const natGateways = int('network.natGateways', net.natGateways, p.natGateways, 0, AZ_COUNT);
  if (enabled && natGateways === 0) problems.push('network.natGateways must be at least 1 while the gateway is enabled (tasks pull images and reach AWS APIs through it)');

  const apis = props.apis ?? {};
  const resolvedApis = {
    webSocket: throttle('apis.webSocket', apis.webSocket, { rateLimit: 2000, burstLimit: 1000 }),
    connect: throttle('apis.connect', apis.connect, { rateLimit: 500, burstLimit: 500 }),
    pushApi: throttle('apis.pushApi', apis.pushApi, { rateLimit: 1000, burstLimit: 500 }),
    manageAccountLogRole: apis.manageAccountLogRole ?? true,
  };

  const stageName = props.stageName ?? 'prod';
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) problems.push(`stageName may hold letters, digits, - and _ only (got ${stageName})`);

  if (problems.length > 0) throw new InvalidPropsError(`invalid edgeim stack props:\n  ${problems.join('\n  ')}`);

  return {
    profile,
    auth: {
      ...(auth.jwtSecretArn ? { jwtSecretArn: auth.jwtSecretArn } : {}),
      ...(auth.jwksUrl ? { jwksUrl: auth.jwksUrl } : {}),
      ...(auth.issuer ? { issuer: auth.issuer } : {}),
      ...(auth.audience ? { audience: auth.audience } : {}),
    },
    retentionDays,
    writeFanoutMax,
    storage: {
      removalPolicy: props.storage?.removalPolicy ?? p.removalPolicy,
      deletionProtection: props.storage?.deletionProtection ?? p.deletionProtection,
      pointInTimeRecovery: props.storage?.pointInTimeRecovery ?? true,
    },
    job: resolvedJob,
    gateway: {
      enabled,
      desiredCount,
      maxCount,
      cpu,
      memoryMiB,
      drainSeconds,
      heartbeatTimeoutSeconds,
      connectionsPerTask,
      plaintextListeners: !gw.certificateArn || (gw.plaintextListeners ?? false),
      ...(gw.certificateArn ? { certificateArn: gw.certificateArn } : {}),
      ...(gw.image ? { image: gw.image } : {}),
      ...(gw.imageUri ? { imageUri: gw.imageUri } : {}),
    },
    network: { natGateways, interfaceEndpoints: net.interfaceEndpoints ?? p.interfaceEndpoints },
    apis: resolvedApis,
    alarms: { accountConcurrencyLimit, ...(alarms.topicArn ? { topicArn: alarms.topicArn } : {}), ...(alarms.email ? { email: alarms.email } : {}) },
    functions,
    stageName,
    logRetention: props.logRetention ?? p.logRetention,
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
