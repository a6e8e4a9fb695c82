import { describe, expect, it } from 'vitest';
import { synth } from './fixture.js';

// Prepare: one synthesis without the gateway, with a JWKS URL and user choices.
const { template } = synth({
  gateway: { enabled: false },
  auth: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com/' },
  retentionDays: 30,
  writeFanoutMax: 200,
  job: { maxConcurrency: 5, batchSize: 4 },
  stageName: 'live',
  alarms: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms' },
  apis: { manageAccountLogRole: false },
});

describe('stack without the TCP gateway', () => {
  it('has no VPC, cluster, load balancer or gateway credential, and the job runs outside a VPC', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::ECS::Cluster', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint']) template.resourceCountIs(type, 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) expect(fn.Properties.Environment.Variables.EDGEIM_GATEWAY_SECRET_ARN).toBeUndefined();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(Object.keys(template.findOutputs('*'))).not.toContain('GatewayHost');
  });

  it('verifies tokens with the JWKS URL: no JWT secret exists and the authorizer reads none', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    const authorizer = Object.entries(template.findResources('AWS::Lambda::Function')).find(([k]) => k.startsWith('AuthorizerFunction'))![1];
    expect(authorizer.Properties.Environment.Variables).toMatchObject({
      EDGEIM_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
      EDGEIM_JWT_ISSUER: 'https://auth.example.com/',
    });
    expect(authorizer.Properties.Environment.Variables.EDGEIM_JWT_SECRET_ARN).toBeUndefined();
    expect(Object.keys(template.findOutputs('*'))).not.toContain('JwtSecretArn');
  });

  it('passes the choices on to the handlers, the event source, the stage and your alarm topic', () => {
    const vars = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables);
    for (const v of vars) expect(v).toMatchObject({ EDGEIM_RETENTION_DAYS: '30', EDGEIM_WRITE_FANOUT_MAX: '200' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 4, ScalingConfig: { MaximumConcurrency: 5 } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live' });
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.some(([k]) => k.includes('Gateway'))).toBe(false);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops-alarms']);
    expect(Object.values(template.findResources('AWS::SNS::Topic')).map((t) => t.Properties.DisplayName)).toEqual(['edgeim offline recipients']);
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});
