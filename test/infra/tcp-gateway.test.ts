import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GATEWAY_DOCKERFILE_PRESENT, synth } from './fixture.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0e1d2c3b-aaaa-bbbb-cccc-1234567890ab';

// Prepare: one synthesis with a certificate and a longer drain.
const { stack, template } = synth({ gateway: { certificateArn: CERT, drainSeconds: 20, desiredCount: 3, maxCount: 12 } });
const id = (path: string) => stack.resolve((stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${path}`) as any).logicalId) as string;

describe('TcpGateway', () => {
  it('an internet-facing NLB listens on TCP 3101 and 3102, and TLS 3103 with the certificate', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internet-facing' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3101, Protocol: 'TCP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3102, Protocol: 'TCP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 3103,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id('TcpGateway/WsTargets/Resource') } }],
    });
  });

  it('targets are checked on the internal /healthz port and drain as long as the gateway does', () => {
    for (const port of [3101, 3102]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '3180',
        HealthCheckPath: '/healthz',
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'deregistration_delay.timeout_seconds', Value: '25' },
          { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
        ]),
      });
    }
  });

  it('the task runs arm64 with the gateway settings, and stops within its drain', () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!;
    expect(task.Properties.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    const container = task.Properties.ContainerDefinitions[0];
    expect(container.StopTimeout).toBe(25);
    expect(container.PortMappings.map((p: any) => p.ContainerPort)).toEqual([3101, 3102, 3180]);
    const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      EDGEIM_GATEWAY_TCP_PORT: '3101',
      EDGEIM_GATEWAY_WS_PORT: '3102',
      EDGEIM_GATEWAY_HTTP_PORT: '3180',
      EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS: '20000',
      EDGEIM_JWT_SECRET_ARN: { Ref: id('Secrets/JwtSecret/Resource') },
    });
    expect(env.EDGEIM_GOIM_INSECURE_AUTH).toBeUndefined();
  });

  it('autoscales from the desired count to the maximum on CPU and memory', () => {
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3, LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 12 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });

  it('the job may reach the internal @connections port of the tasks', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 3180,
      ToPort: 3180,
      GroupId: { 'Fn::GetAtt': [id('TcpGateway/TaskSecurityGroup/Resource'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id('JobSecurityGroup/Resource'), 'GroupId'] },
    });
  });

  it('the push API answers /goim/nodes with the load balancer host and ports', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EDGEIM_NODES_DOMAIN: { 'Fn::GetAtt': [id('TcpGateway/Nlb/Resource'), 'DNSName'] },
          EDGEIM_NODES_TCP_PORT: '3101',
          EDGEIM_NODES_WSS_PORT: '3103',
        }),
      },
    });
    expect(template.findOutputs('GatewayWssPort').GatewayWssPort?.Value).toBe('3103');
  });

  it.skipIf(!GATEWAY_DOCKERFILE_PRESENT)('builds the image from gateway/Dockerfile', () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!;
    expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Image)).toContain('cdk-hnb659fds-container-assets');
  });
});
