import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { propsFromContext } from '../../infra/context.js';
import { InvalidPropsError, resolveProps } from '../../infra/defaults.js';
import { EdgeImStack } from '../../infra/edgeim-stack.js';
import type { EdgeImStackProps } from '../../infra/props.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeim/jwt-AbCdEf';
const JWKS = 'https://auth.example.com/.well-known/jwks.json';

/** Builds the stack the way `cdk synth` does; bad props must stop it before anything is bundled. */
const build = (props: EdgeImStackProps) => () => new EdgeImStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad', props);

describe('stack props are checked at synth', () => {
  it.each<[string, EdgeImStackProps, RegExp]>([
    ['both a JWT secret and a JWKS URL', { auth: { jwtSecretArn: ARN, jwksUrl: JWKS } }, /set either jwtSecretArn \(HS256\) or jwksUrl \(RS256\/ES256\), not both/],
    ['a write fan-out threshold of 0', { writeFanoutMax: 0 }, /writeFanoutMax must be an integer from 1 to 100000 \(got 0\)/],
    ['a JWKS URL over http', { auth: { jwksUrl: 'http://auth.example.com/jwks' } }, /auth.jwksUrl must be an https:\/\/ URL/],
    ['a partial secret ARN', { auth: { jwtSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeim/jwt' } }, /complete ARN/],
    ['retention of 0 days', { retentionDays: 0 }, /retentionDays must be an integer from 1 to 3650/],
    ['a batch over the FIFO limit', { job: { batchSize: 11 } }, /job.batchSize must be an integer from 1 to 10/],
    ['a maximum below the desired count', { gateway: { desiredCount: 4, maxCount: 2 } }, /gateway.maxCount \(2\) must be at least gateway.desiredCount \(4\)/],
    ['a Fargate size that does not exist', { gateway: { cpu: 256, memoryMiB: 4096 } }, /gateway.memoryMiB 4096 is not a Fargate size for 256 CPU units/],
    ['a drain longer than Fargate waits', { gateway: { drainSeconds: 200 } }, /gateway.drainSeconds must be an integer from 1 to 115/],
    ['a gateway without NAT', { network: { natGateways: 0 } }, /natGateways must be at least 1 while the gateway is enabled/],
    ['more NAT gateways than AZs', { network: { natGateways: 3 } }, /network.natGateways must be an integer from 0 to 2/],
    ['a heartbeat timeout the TLS listeners would cut first', { gateway: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x', heartbeatTimeoutSeconds: 400 } }, /gateway.heartbeatTimeoutSeconds must be an integer from 30 to 340/],
    ['both a prebuilt image and an image URI', { gateway: { imageUri: 'public.ecr.aws/x/gw:1', image: {} as never } }, /either image or imageUri/],
    ['an image URI without a tag', { gateway: { imageUri: 'public.ecr.aws/x/gw' } }, /gateway.imageUri must be registry\/repository:tag/],
    ['an unknown profile', { profile: 'staging' as never }, /profile must be prod or dev/],
    ['reserved concurrency that starves the account', { functions: { default: { reservedConcurrency: 950 } } }, /950 reserved concurrency leaves less than 100/],
    ['a job allowed more batches than its reserved concurrency', { job: { maxConcurrency: 200 }, functions: { 'fanout-job': { reservedConcurrency: 100 } } }, /job.maxConcurrency \(200\) must not exceed the job's reserved concurrency \(100\)/],
    ['an unknown function', { functions: { nope: { reservedConcurrency: 1 } } as never }, /functions.nope: no such handler/],
    ['a zero throttle', { apis: { connect: { rateLimit: 0 } } }, /apis.connect.rateLimit must be a number above 0/],
    ['an alarm topic that is not SNS', { alarms: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } }, /alarms.topicArn must be an SNS topic ARN/],
    ['a job timeout of 0', { job: { timeoutSeconds: 0 } }, /job.timeoutSeconds must be an integer from 5 to 900/],
    ['a job that may take the whole account\'s concurrency', { job: { maxConcurrency: 1000 } }, /job.maxConcurrency \(1000\) must leave at least 100 of the account's Lambda concurrency \(1000\)/],
    ['a certificate that is not ACM', { gateway: { certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } }, /ACM certificate ARN/],
    ['a bad stage name', { stageName: 'my stage' }, /stageName may hold/],
  ])('%s fails with a clear message', (_, props, message) => {
    expect(build(props)).toThrow(InvalidPropsError);
    expect(build(props)).toThrow(message);
  });

  it('names every problem at once', () => {
    expect(() => resolveProps({ writeFanoutMax: 0, retentionDays: -1 })).toThrow(/writeFanoutMax[\s\S]*retentionDays|retentionDays[\s\S]*writeFanoutMax/);
  });

  it('fills in the defaults', () => {
    const r = resolveProps();
    expect(r).toMatchObject({ profile: 'prod', retentionDays: 7, writeFanoutMax: 500, stageName: 'prod', auth: {} });
    expect(r.job).toEqual({ batchSize: 10, maxConcurrency: 200, maxReceiveCount: 5, memorySize: 512, timeoutSeconds: 30 });
    expect(r.gateway).toMatchObject({ enabled: true, desiredCount: 2, maxCount: 10, cpu: 512, memoryMiB: 1024, drainSeconds: 30, heartbeatTimeoutSeconds: 300, connectionsPerTask: 10_000, plaintextListeners: true });
    expect(r.network).toEqual({ natGateways: 2, interfaceEndpoints: true });
    expect(r.storage).toMatchObject({ deletionProtection: true, pointInTimeRecovery: true });
    expect(r.alarms).toEqual({ accountConcurrencyLimit: 1000 });
    expect(resolveProps({ profile: 'dev' })).toMatchObject({ network: { natGateways: 1, interfaceEndpoints: false }, storage: { deletionProtection: false }, gateway: { desiredCount: 1 } });
    expect(resolveProps({ gateway: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' } }).gateway.plaintextListeners).toBe(false);
    expect(resolveProps({ gateway: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x', plaintextListeners: true } }).gateway.plaintextListeners).toBe(true);
  });
});

describe('context (-c key=value) becomes stack props', () => {
  it('converts strings and leaves unset keys out', () => {
    const ctx: Record<string, string> = { jwksUrl: JWKS, gateway: 'false', writeFanoutMax: '200', stackName: 'Chat', gatewayCount: '3' };
    const { stackName, props } = propsFromContext((k) => ctx[k]);
    expect(stackName).toBe('Chat');
    expect(props).toEqual({ auth: { jwksUrl: JWKS }, writeFanoutMax: 200, gateway: { enabled: false, desiredCount: 3 }, network: {}, job: {}, apis: {}, storage: {}, alarms: {} });
    expect(propsFromContext(() => undefined).stackName).toBe('EdgeIm');
  });

  it('reads the profile, image, TLS, throttles, reserved concurrency and alarm choices', () => {
    const ctx: Record<string, string> = {
      profile: 'dev',
      gatewayImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/gw:1',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      plaintextListeners: 'true',
      heartbeatTimeout: '240',
      natGateways: '1',
      interfaceEndpoints: 'off',
      jobMaxConcurrency: '300',
      jobTimeout: '45',
      reservedConcurrency: 'default=200, fanout-job=300',
      wsThrottle: '5000/2000',
      connectThrottle: '400',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      accountConcurrency: '5000',
    };
    const { props } = propsFromContext((k) => ctx[k]);
    expect(props).toMatchObject({
      profile: 'dev',
      gateway: { imageUri: ctx.gatewayImage, certificateArn: ctx.certificateArn, plaintextListeners: true, heartbeatTimeoutSeconds: 240 },
      network: { natGateways: 1, interfaceEndpoints: false },
      job: { maxConcurrency: 300, timeoutSeconds: 45 },
      functions: { default: { reservedConcurrency: 200 }, 'fanout-job': { reservedConcurrency: 300 } },
      apis: { webSocket: { rateLimit: 5000, burstLimit: 2000 }, connect: { rateLimit: 400 } },
      alarms: { topicArn: ctx.alarmTopicArn, accountConcurrencyLimit: 5000 },
    });
    expect(() => resolveProps(props)).not.toThrow();
  });

  it('a typo in a number fails synth with the reason', () => {
    const { props } = propsFromContext((k) => (k === 'writeFanoutMax' ? 'lots' : undefined));
    expect(() => resolveProps(props)).toThrow(/writeFanoutMax must be an integer .* \(got NaN\)/);
  });
});
