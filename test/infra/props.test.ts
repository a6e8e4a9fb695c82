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
    ['a drain longer than Fargate waits', { gateway: { drainSeconds: 200 } }, /gateway.drainSeconds must be an integer from 1 to 110/],
    ['a gateway without NAT', { gateway: { natGateways: 0 } }, /natGateways must be at least 1 while the gateway is enabled/],
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
    expect(r).toMatchObject({ retentionDays: 7, writeFanoutMax: 500, stageName: 'prod', auth: {} });
    expect(r.job).toEqual({ batchSize: 10, maxConcurrency: 20, maxReceiveCount: 5, memorySize: 512 });
    expect(r.gateway).toMatchObject({ enabled: true, desiredCount: 2, maxCount: 10, cpu: 512, memoryMiB: 1024, drainSeconds: 10, natGateways: 1 });
    expect(r.storage).toMatchObject({ deletionProtection: false, pointInTimeRecovery: true });
  });
});

describe('context (-c key=value) becomes stack props', () => {
  it('converts strings and leaves unset keys out', () => {
    const ctx: Record<string, string> = { jwksUrl: JWKS, gateway: 'false', writeFanoutMax: '200', stackName: 'Chat', gatewayCount: '3' };
    const { stackName, props } = propsFromContext((k) => ctx[k]);
    expect(stackName).toBe('Chat');
    expect(props).toEqual({ auth: { jwksUrl: JWKS }, writeFanoutMax: 200, gateway: { enabled: false, desiredCount: 3 }, job: {}, storage: {} });
    expect(propsFromContext(() => undefined).stackName).toBe('EdgeIm');
  });

  it('a typo in a number fails synth with the reason', () => {
    const { props } = propsFromContext((k) => (k === 'writeFanoutMax' ? 'lots' : undefined));
    expect(() => resolveProps(props)).toThrow(/writeFanoutMax must be an integer .* \(got NaN\)/);
  });
});
