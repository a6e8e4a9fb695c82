import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONNECTIONS_METRIC, SERVICE_DIMENSION } from '../../gateway/connection-metric.js';
import { REPO_ROOT } from '../../infra/bundling.js';
import { GATEWAY_DOCKERFILE } from '../../infra/constructs/tcp-gateway.js';
import { GATEWAY_PORTS } from '../../infra/defaults.js';
import { TLS_IDLE_TIMEOUT_SECONDS } from '../../infra/timeouts.js';
import { GATEWAY_DOCKERFILE_PRESENT, synth } from './fixture.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0e1d2c3b-aaaa-bbbb-cccc-1234567890ab';

// Prepare: one synthesis with a certificate (plaintext listeners off), a longer drain and a larger fleet.
const { stack, template } = synth({ gateway: { certificateArn: CERT, drainSeconds: 40, desiredCount: 3, maxCount: 12, connectionsPerTask: 20_000 } });
const id = (p: string) => stack.resolve((stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${p}`) as any).logicalId) as string;
const resources = template.toJSON().Resources as Record<string, any>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!;
const container = task.Properties.ContainerDefinitions[0];
const containerEnv = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value])) as Record<string, any>;
const pushEnv = resources[id('PushApiFunction/Function/Resource')].Properties.Environment.Variables as Record<string, any>;

describe('TLS for native clients', () => {
  it('with a certificate: TLS listeners for goim TCP (3104) and goim WebSocket (3103), no plaintext listener', () => {
    const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
    expect(listeners.map((l) => [l.Port, l.Protocol]).sort()).toEqual([[3103, 'TLS'], [3104, 'TLS']]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: GATEWAY_PORTS.tcpTls,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id('TcpGateway/TcpTargets/Resource') } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: GATEWAY_PORTS.wss,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id('TcpGateway/WsTargets/Resource') } }],
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('plaintext'))).toEqual([]);
  });

  it('the load balancer has its own security group, open on the TLS ports only', () => {
    const nlb = resources[id('TcpGateway/Nlb/Resource')].Properties;
    expect(nlb).toMatchObject({ Type: 'network', Scheme: 'internet-facing', SecurityGroups: [{ 'Fn::GetAtt': [id('TcpGateway/NlbSecurityGroup/Resource'), 'GroupId'] }] });
    const ingress = resources[id('TcpGateway/NlbSecurityGroup/Resource')].Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort]);
    expect(ingress.sort()).toEqual([['0.0.0.0/0', 3103], ['0.0.0.0/0', 3104]]);
  });

  it('goim clients are told the TLS ports, and the outputs name them', () => {
    expect(pushEnv).toMatchObject({ EDGEIM_NODES_TCP_PORT: '3104', EDGEIM_NODES_WS_PORT: '3103', EDGEIM_NODES_WSS_PORT: '3103' });
    const outputs = template.findOutputs('*');
    expect(outputs.GatewayTlsPort?.Value).toBe('3104');
    expect(outputs.GatewayWssPort?.Value).toBe('3103');
    expect(outputs.GatewayTcpPort).toBeUndefined();
  });
});

describe('the internal API (3180)', () => {
  it('is reachable from the job, the push API and the NLB health check only (never a CIDR)', () => {
    const rules = ofType('AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties)
      .filter((r) => r.FromPort === GATEWAY_PORTS.http && JSON.stringify(r.GroupId).includes(id('TcpGateway/TaskSecurityGroup/Resource')));
    expect(rules.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0]).sort()).toEqual(
      [id('JobSecurityGroup/Resource'), id('PushApiSecurityGroup/Resource'), id('TcpGateway/NlbSecurityGroup/Resource')].sort(),
    );
    expect(resources[id('TcpGateway/TaskSecurityGroup/Resource')].Properties.SecurityGroupIngress).toBeUndefined();
    expect(JSON.stringify(ofType('AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties.FromPort === GATEWAY_PORTS.http))).not.toContain('CidrIp');
  });
});

describe('connection lifetimes are consistent end to end', () => {
  it('client heartbeat < heartbeat told by /goim/nodes × max ≤ gateway heartbeat timeout < the TLS listeners\' fixed idle timeout', () => {
    const heartbeatTimeout = Number(containerEnv.EDGEIM_HEARTBEAT_TIMEOUT_MS) / 1000;
    const authReplyHint = Math.floor(heartbeatTimeout / 4); // gateway/dispatch.ts tells clients a quarter of the timeout
    const nodes = Number(pushEnv.EDGEIM_NODES_HEARTBEAT_SECONDS) * Number(pushEnv.EDGEIM_NODES_HEARTBEAT_MAX);
    expect(heartbeatTimeout).toBe(300);
    expect(authReplyHint).toBeLessThan(Number(pushEnv.EDGEIM_NODES_HEARTBEAT_SECONDS));
    expect(nodes).toBeLessThanOrEqual(heartbeatTimeout);
    expect(heartbeatTimeout).toBeLessThan(TLS_IDLE_TIMEOUT_SECONDS);
  });
});

describe('draining: clients get SERVER_SHUTDOWN before anything resets their sockets', () => {
  it('targets deregister without connection termination, 10 s before SIGTERM', () => {
    for (const port of [3101, 3102]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '3180',
        HealthCheckPath: '/healthz',
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'deregistration_delay.timeout_seconds', Value: '10' },
          { Key: 'deregistration_delay.connection_termination.enabled', Value: 'false' },
        ]),
      });
    }
  });

  it('after SIGTERM the gateway drains within its timeout, and SIGKILL comes later still', () => {
    expect(containerEnv.EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS).toBe('40000');
    expect(container.StopTimeout).toBe(45);
    expect(container.StopTimeout * 1000).toBeGreaterThan(Number(containerEnv.EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS) + 2000); // gateway/main.ts exits by shutdown + 2 s
    expect(container.StopTimeout).toBeLessThanOrEqual(120);
  });
});

describe('the gateway service', () => {
  it('Container Insights on the cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  it('the task runs arm64 with the gateway settings, its connection metric and room for many sockets', () => {
    expect(task.Properties.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    expect(container.PortMappings.map((p: any) => p.ContainerPort)).toEqual([3101, 3102, 3180]);
    expect(container.Ulimits).toEqual([{ Name: 'nofile', SoftLimit: 262144, HardLimit: 262144 }]);
    expect(containerEnv).toMatchObject({
      EDGEIM_GATEWAY_TCP_PORT: '3101',
      EDGEIM_GATEWAY_WS_PORT: '3102',
      EDGEIM_GATEWAY_HTTP_PORT: '3180',
      EDGEIM_GATEWAY_METRICS_NAMESPACE: 'edgeim/Test',
      EDGEIM_GATEWAY_METRICS_SERVICE: 'gateway',
      EDGEIM_JWT_SECRET_ARN: { Ref: id('Secrets/JwtSecret/Resource') },
    });
    expect(containerEnv.EDGEIM_GOIM_INSECURE_AUTH).toBeUndefined();
    expect(containerEnv.EDGEIM_GATEWAY_TLS_CERT_FILE).toBeUndefined();
  });

  it('scales from the desired count to the maximum on connections per task, CPU and memory; scale-in is slow', () => {
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3, LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 12 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 3);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 20_000,
        ScaleInCooldown: 600,
        CustomizedMetricSpecification: {
          Namespace: 'edgeim/Test',
          MetricName: CONNECTIONS_METRIC,
          Dimensions: [{ Name: SERVICE_DIMENSION, Value: 'gateway' }],
          Statistic: 'Average',
        },
      },
    });
    for (const metric of ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization']) {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: metric }, ScaleInCooldown: 600 },
      });
    }
  });

  it('the image is Node 22 on arm64 (gateway/Dockerfile)', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, GATEWAY_DOCKERFILE), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:22[.-]/);
    expect(dockerfile).toMatch(/--target=node22/);
  });

  it.skipIf(!GATEWAY_DOCKERFILE_PRESENT)('builds the image from gateway/Dockerfile when no prebuilt image is given', () => {
    expect(JSON.stringify(container.Image)).toContain('cdk-hnb659fds-container-assets');
  });
});
