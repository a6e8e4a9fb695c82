import { RemovalPolicy } from 'aws-cdk-lib';
import type { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { EdgeImStackProps } from './props.js';

/** goim's ports, served by the gateway and its load balancer. */
export const GATEWAY_PORTS = { tcp: 3101, ws: 3102, wss: 3103, http: 3180 } as const;

/** Every choice of `EdgeImStackProps`, with defaults filled in and checked. */
export interface ResolvedProps {
  readonly auth: { jwtSecretArn?: string; jwksUrl?: string; issuer?: string; audience?: string };
  readonly retentionDays: number;
  readonly writeFanoutMax: number;
  readonly storage: { removalPolicy: RemovalPolicy; deletionProtection: boolean; pointInTimeRecovery: boolean };
  readonly job: { batchSize: number; maxConcurrency: number; maxReceiveCount: number; memorySize: number };
  readonly gateway: {
    enabled: boolean;
    desiredCount: number;
    maxCount: number;
    cpu: number;
    memoryMiB: number;
    certificateArn?: string;
    drainSeconds: number;
    natGateways: number;
    image?: ContainerImage;
  };
  readonly stageName: string;
  readonly logRetention: RetentionDays;
  readonly alarmEmail?: string;
}

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

/**
 * Fills in the defaults and validates every prop; throws one InvalidPropsError naming each
 * problem. Pure: the same props always give the same result.
 */
export function resolveProps(props: EdgeImStackProps = {}): ResolvedProps {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, def: number, min: number, max: number): number => {
    const v = value ?? def;
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
    return v;
  };

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

  const job = props.job ?? {};
  const resolvedJob = {
    batchSize: int('job.batchSize', job.batchSize, 10, 1, 10),
    maxConcurrency: int('job.maxConcurrency', job.maxConcurrency, 20, 2, 1000),
    maxReceiveCount: int('job.maxReceiveCount', job.maxReceiveCount, 5, 1, 1000),
    memorySize: int('job.memorySize', job.memorySize, 512, 128, 10_240),
  };

  const gw = props.gateway ?? {};
  const desiredCount = int('gateway.desiredCount', gw.desiredCount, 2, 1, 1000);
  const maxCount = int('gateway.maxCount', gw.maxCount, Math.max(10, desiredCount), 1, 1000);
  if (maxCount < desiredCount) problems.push(`gateway.maxCount (${maxCount}) must be at least gateway.desiredCount (${desiredCount})`);
  const cpu = gw.cpu ?? 512;
  const memoryMiB = gw.memoryMiB ?? 1024;
  const memories = FARGATE_MEMORY[cpu];
  if (!memories) problems.push(`gateway.cpu must be one of ${Object.keys(FARGATE_MEMORY).join(', ')} (got ${cpu})`);
  else if (!memories.includes(memoryMiB)) problems.push(`gateway.memoryMiB ${memoryMiB} is not a Fargate size for ${cpu} CPU units (${memories[0]}–${memories.at(-1)})`);
  // Fargate stops a task at most 120 s after SIGTERM; leave room for the process to exit.
  const drainSeconds = int('gateway.drainSeconds', gw.drainSeconds, 10, 1, 110);
  const natGateways = int('gateway.natGateways', gw.natGateways, 1, 0, 3);
  if (gw.certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(gw.certificateArn)) {
    problems.push(`gateway.certificateArn must be an ACM certificate ARN (got ${gw.certificateArn})`);
  }
  const enabled = gw.enabled ?? true;
  if (enabled && natGateways === 0) problems.push('gateway.natGateways must be at least 1 while the gateway is enabled (the job and tasks reach AWS APIs through it)');

  const stageName = props.stageName ?? 'prod';
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) problems.push(`stageName may hold letters, digits, - and _ only (got ${stageName})`);
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) problems.push(`alarmEmail is not an e-mail address (got ${props.alarmEmail})`);

  if (problems.length > 0) throw new InvalidPropsError(`invalid edgeim stack props:\n  ${problems.join('\n  ')}`);

  return {
    auth: {
      ...(auth.jwtSecretArn ? { jwtSecretArn: auth.jwtSecretArn } : {}),
      ...(auth.jwksUrl ? { jwksUrl: auth.jwksUrl } : {}),
      ...(auth.issuer ? { issuer: auth.issuer } : {}),
      ...(auth.audience ? { audience: auth.audience } : {}),
    },
    retentionDays,
    writeFanoutMax,
    storage: {
      removalPolicy: props.storage?.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.storage?.deletionProtection ?? false,
      pointInTimeRecovery: props.storage?.pointInTimeRecovery ?? true,
    },
    job: resolvedJob,
    gateway: { enabled, desiredCount, maxCount, cpu, memoryMiB, drainSeconds, natGateways, ...(gw.certificateArn ? { certificateArn: gw.certificateArn } : {}), ...(gw.image ? { image: gw.image } : {}) },
    stageName,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
