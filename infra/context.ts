import type { HandlerName } from './bundling.js';
import type { EdgeImStackProps, FunctionProps, Profile, ThrottleProps } from './props.js';

/** Reads one `-c key=value` (or cdk.json context) value. */
export type ContextReader = (key: string) => unknown;

/** The context keys `cdk deploy -c key=value` understands (docs/DEPLOY.md lists them). */
export const CONTEXT_KEYS = [
  'stackName',
  'profile',
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
  'gatewayImage',
  'certificateArn',
  'plaintextListeners',
  'drainSeconds',
  'heartbeatTimeout',
  'connectionsPerTask',
  'natGateways',
  'interfaceEndpoints',
  'jobMaxConcurrency',
  'jobTimeout',
  'reservedConcurrency',
  'wsThrottle',
  'connectThrottle',
  'pushApiThrottle',
  'apiGatewayLogRole',
  'stageName',
  'alarmEmail',
  'alarmTopicArn',
  'accountConcurrency',
  'deletionProtection',
] as const;
type Key = (typeof CONTEXT_KEYS)[number];

/**
 * Stack props from CDK context. Values arrive as strings from the command line; numbers
 * are converted and left for `resolveProps` to check, so a typo fails synth with a reason.
 */
export function propsFromContext(read: ContextReader): { stackName: string; props: EdgeImStackProps } {
  const str = (key: Key): string | undefined => {
    const v = read(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const num = (key: Key) => {
    const v = str(key);
    return v === undefined ? undefined : Number(v);
  };
  const bool = (key: Key) => {
    const v = str(key);
    return v === undefined ? undefined : !['false', '0', 'no', 'off'].includes(v.toLowerCase());
  };
  /** `rate/burst`, e.g. `2000/1000`. */
  const throttle = (key: Key): ThrottleProps | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const [rate, burst] = v.split('/');
    return defined({ rateLimit: Number(rate), burstLimit: burst === undefined ? undefined : Number(burst) });
  };
  /** `name=N,name=N`, e.g. `default=200,fanout-job=300`. */
  const reserved = (): Partial<Record<HandlerName, FunctionProps>> | undefined => {
    const v = str('reservedConcurrency');
    if (v === undefined) return undefined;
    return Object.fromEntries(
      v.split(',').map((pair) => {
        const [name, n] = pair.split('=');
        return [(name ?? '').trim(), { reservedConcurrency: Number(n) }];
      }),
    );
  };

  const props: EdgeImStackProps = defined({
    profile: str('profile') as Profile | undefined,
    auth: defined({ jwtSecretArn: str('jwtSecretArn'), jwksUrl: str('jwksUrl'), issuer: str('jwtIssuer'), audience: str('jwtAudience') }),
    retentionDays: num('retentionDays'),
    writeFanoutMax: num('writeFanoutMax'),
    gateway: defined({
      enabled: bool('gateway'),
      desiredCount: num('gatewayCount'),
      maxCount: num('gatewayMaxCount'),
      cpu: num('gatewayCpu'),
      memoryMiB: num('gatewayMemory'),
      imageUri: str('gatewayImage'),
      certificateArn: str('certificateArn'),
      plaintextListeners: bool('plaintextListeners'),
      drainSeconds: num('drainSeconds'),
      heartbeatTimeoutSeconds: num('heartbeatTimeout'),
      connectionsPerTask: num('connectionsPerTask'),
    }),
    network: defined({ natGateways: num('natGateways'), interfaceEndpoints: bool('interfaceEndpoints') }),
    job: defined({ maxConcurrency: num('jobMaxConcurrency'), timeoutSeconds: num('jobTimeout') }),
    functions: reserved(),
    apis: defined({ webSocket: throttle('wsThrottle'), connect: throttle('connectThrottle'), pushApi: throttle('pushApiThrottle'), manageAccountLogRole: bool('apiGatewayLogRole') }),
    storage: defined({ deletionProtection: bool('deletionProtection') }),
    stageName: str('stageName'),
    alarms: defined({ email: str('alarmEmail'), topicArn: str('alarmTopicArn'), accountConcurrencyLimit: num('accountConcurrency') }),
  });
  return { stackName: str('stackName') ?? 'EdgeIm', props };
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
