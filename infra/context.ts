import type { EdgeImStackProps } from './props.js';

/** Reads one `-c key=value` (or cdk.json context) value. */
export type ContextReader = (key: string) => unknown;

/** The context keys `cdk deploy -c key=value` understands (docs/DEPLOY.md lists them). */
export const CONTEXT_KEYS = [
  'stackName',
  'jwtSecretArn',
  'jwksUrl',
  'jwtIssuer',
  'jwtAudience',
  'retentionDays',
  'writeFanoutMax',
  'gateway',
  'gatewayCount',
  'gatewayMaxCount',
  'gatewayCpu',
  'gatewayMemory',
  'certificateArn',
  'natGateways',
  'jobMaxConcurrency',
  'stageName',
  'alarmEmail',
  'deletionProtection',
] as const;

/**
 * Stack props from CDK context. Values arrive as strings from the command line; numbers
 * are converted and left for `resolveProps` to check, so a typo fails synth with a reason.
 */
export function propsFromContext(read: ContextReader): { stackName: string; props: EdgeImStackProps } {
  const str = (key: (typeof CONTEXT_KEYS)[number]): string | undefined => {
    const v = read(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const num = (key: (typeof CONTEXT_KEYS)[number]) => {
    const v = str(key);
    return v === undefined ? undefined : Number(v);
  };
  const bool = (key: (typeof CONTEXT_KEYS)[number]) => {
    const v = str(key);
    return v === undefined ? undefined : !['false', '0', 'no', 'off'].includes(v.toLowerCase());
  };
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  const props: EdgeImStackProps = defined({
    auth: defined({ jwtSecretArn: str('jwtSecretArn'), jwksUrl: str('jwksUrl'), issuer: str('jwtIssuer'), audience: str('jwtAudience') }),
    retentionDays: num('retentionDays'),
    writeFanoutMax: num('writeFanoutMax'),
    gateway: defined({
      enabled: bool('gateway'),
      desiredCount: num('gatewayCount'),
      maxCount: num('gatewayMaxCount'),
      cpu: num('gatewayCpu'),
      memoryMiB: num('gatewayMemory'),
      certificateArn: str('certificateArn'),
      natGateways: num('natGateways'),
    }),
    job: defined({ maxConcurrency: num('jobMaxConcurrency') }),
    storage: defined({ deletionProtection: bool('deletionProtection') }),
    stageName: str('stageName'),
    alarmEmail: str('alarmEmail'),
  });
  return { stackName: str('stackName') ?? 'EdgeIm', props };
}
