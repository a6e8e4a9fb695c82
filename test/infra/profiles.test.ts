import { describe, expect, it } from 'vitest';
import { PROFILE_DEFAULTS } from '../../infra/defaults.js';
import { synth } from './fixture.js';

// Prepare: one synthesis of a cheap dev stack with a prebuilt ECR image and some choices of its own.
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/edgeim-gateway:v1.2.3';
const { stack, template } = synth({
  profile: 'dev',
  gateway: { imageUri: IMAGE, heartbeatTimeoutSeconds: 600 },
  job: { maxConcurrency: 50, timeoutSeconds: 60 },
  functions: { default: { reservedConcurrency: 100 }, 'fanout-job': { reservedConcurrency: 50 } },
  apis: { webSocket: { rateLimit: 300, burstLimit: 200 }, connect: { rateLimit: 50, burstLimit: 20 }, pushApi: { rateLimit: 100, burstLimit: 50 } },
  alarms: { email: 'ops@example.com', accountConcurrencyLimit: 3000 },
});
const id = (p: string) => stack.resolve((stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${p}`) as any).logicalId) as string;
const resources = template.toJSON().Resources as Record<string, any>;

describe('the dev profile', () => {
  it('tables are deleted with the stack, without deletion protection, PITR still on', () => {
    for (const name of ['Sessions', 'Timelines', 'Groups', 'Ids']) {
      const table = resources[id(`Storage/${name}/Resource`)];
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('one NAT gateway, no interface endpoints (DynamoDB keeps its free gateway endpoint), one task, logs for a week', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) => e.Properties.VpcEndpointType);
    expect(endpoints).toEqual(['Gateway']);
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1 });
    for (const g of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(g.Properties.RetentionInDays).toBe(7);
    expect(PROFILE_DEFAULTS.dev).toMatchObject({ natGateways: 1, interfaceEndpoints: false, deletionProtection: false });
  });
});

describe('choices', () => {
  it('a prebuilt ECR image: no Docker build, pull rights on that repository only', () => {
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!.Properties.ContainerDefinitions[0];
    expect(JSON.stringify(container.Image)).toContain('edgeim-gateway:v1.2.3');
    expect(JSON.stringify(container.Image)).not.toContain('container-assets');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.some((p) => p.includes('ecr:BatchGetImage') && p.includes('repository/edgeim-gateway'))).toBe(true);
  });

  it('reserved concurrency per function, the job\'s event-source concurrency and timeout (visibility 6 ×)', () => {
    expect(resources[id('DefaultFunction/Function/Resource')].Properties.ReservedConcurrentExecutions).toBe(100);
    expect(resources[id('FanoutJobFunction/Function/Resource')].Properties).toMatchObject({ ReservedConcurrentExecutions: 50, Timeout: 60 });
    expect(resources[id('ConnectFunction/Function/Resource')].Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 50 } });
    expect(resources[id('Fanout/Queue/Resource')].Properties.VisibilityTimeout).toBe(360);
  });

  it('stage and route throttles', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      DefaultRouteSettings: { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 200 },
      RouteSettings: { $connect: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 } },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 50 } });
  });

  it('a longer heartbeat timeout (plaintext listeners only) moves the TCP idle timeout above it', () => {
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!.Properties.ContainerDefinitions[0];
    expect(container.Environment).toContainEqual({ Name: 'EDGEIM_HEARTBEAT_TIMEOUT_MS', Value: '600000' });
    for (const l of Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener'))) {
      expect(l.Properties.ListenerAttributes).toEqual([{ Key: 'tcp.idle_timeout.seconds', Value: '660' }]);
    }
  });

  it('alarms: reserved concurrency used up, account concurrency at 80 % of the stated limit, e-mail subscription', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const byName = (n: string) => Object.entries(alarms).find(([k]) => k.startsWith(`Observability${n}`))?.[1].Properties;
    expect(byName('AccountConcurrency')).toMatchObject({ Threshold: 2400 });
    expect(byName('DefaultReservedConcurrency')).toMatchObject({ Threshold: 90, MetricName: 'ConcurrentExecutions' });
    expect(byName('FanoutJobReservedConcurrency')).toMatchObject({ Threshold: 45 });
    expect(byName('JobAtMaxConcurrency')).toMatchObject({ Threshold: 45 });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
