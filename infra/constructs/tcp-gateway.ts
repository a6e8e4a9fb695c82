import { Annotations, Duration, IgnoreMode, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Peer, Port, SecurityGroup, SubnetType, type IConnectable, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  UlimitName,
} from 'aws-cdk-lib/aws-ecs';
import { ListenerCertificate, NetworkLoadBalancer, NetworkTargetGroup, Protocol, SslPolicy, TargetType, type NetworkListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONNECTIONS_METRIC, SERVICE_DIMENSION } from '../../gateway/connection-metric.js';
import { REPO_ROOT } from '../bundling.js';
import type { GatewayTimings } from '../timeouts.js';

/** The gateway's ports (goim's 3101/3102, the NLB's TLS 3103/3104, the internal API). */
export interface GatewayPorts {
  readonly tcp: number;
  readonly ws: number;
  readonly wss: number;
  readonly tcpTls: number;
  readonly http: number;
}

export interface TcpGatewayProps {
  readonly vpc: IVpc;
  readonly ports: GatewayPorts;
  /** Container settings, from `edgeimEnvironment('gateway', …)`. */
  readonly environment: Record<string, string>;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Idle timeouts, drain and stop times (`gatewayTimings`). */
  readonly timings: GatewayTimings;
  /** Scale out above this many connections per task on average. */
  readonly connectionsPerTask: number;
  /** Where the tasks publish their connection count (`gateway/connection-metric.ts`). */
  readonly metric: { readonly namespace: string; readonly service: string };
  readonly logRetention: RetentionDays;
  /** @default no TLS listeners (and a synth warning) */
  readonly certificateArn?: string;
  /** Plaintext goim TCP/WebSocket listeners (always on without a certificate). */
  readonly plaintextListeners: boolean;
  readonly image: ContainerImage;
}

export const GATEWAY_DOCKERFILE = 'gateway/Dockerfile';

/**
 * Never sent to the Docker build: the image installs its own dependencies and bundles
 * `gateway/` + `shared/` only, so edits elsewhere do not change the image's hash.
 */
export const DOCKER_EXCLUDE = [
  'node_modules', 'cdk.out', '.git', '.ci', '.data', '.scratch', '**/*.log',
  'test', 'bench', 'docs', 'functions', 'local', 'infra', 'sdk', 'smoke', 'README.md', 'cdk.json', 'docker-compose.yml',
] as const;

/** The image built from `gateway/Dockerfile` at deploy time (synth only stages the context). */
export function gatewayImage(): ContainerImage {
  return ContainerImage.fromAsset(REPO_ROOT, {
    file: GATEWAY_DOCKERFILE,
    platform: Platform.LINUX_ARM64,
    ignoreMode: IgnoreMode.DOCKER,
    exclude: [...DOCKER_EXCLUDE],
  });
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+)(?::([A-Za-z0-9._-]+)|@(sha256:[a-f0-9]{64}))$/;

/**
 * A prebuilt image by URI (`-c gatewayImage=…`), so `cdk deploy` needs no Docker: an ECR
 * image gets pull rights on its repository; any other registry must be public.
 */
export function gatewayImageFromUri(scope: Construct, uri: string): ContainerImage {
  const ecr = ECR_URI.exec(uri);
  if (!ecr) return ContainerImage.fromRegistry(uri);
  const [, account, region, china, name, tag, digest] = ecr;
  const repository = Repository.fromRepositoryAttributes(scope, 'GatewayRepository', {
    repositoryArn: `arn:${china ? 'aws-cn' : 'aws'}:ecr:${region}:${account}:repository/${name}`,
    repositoryName: name!,
  });
  return ContainerImage.fromEcrRepository(repository, digest ?? tag);
}

/** Open files per task: room for far more connections than a task's memory holds. */
const NOFILE = 262_144;

/**
 * The goim gateway on Fargate (arm64, Container Insights) behind an internet-facing NLB
 * with its own security group. With a certificate: TLS listeners for goim TCP
 * (`tcpTls` → 3101) and goim WebSocket (`wss` → 3102), plaintext ones only if asked;
 * without: plaintext 3101/3102 and a synth warning. The internal API (3180) is reachable
 * only from the callers given to `allowInternalApiFrom` (and the NLB's health check).
 *
 * Stopping a task (deploy, scale-in) goes: deregistered from the NLB (no new connections),
 * `deregistrationDelaySeconds` later SIGTERM, the gateway sends DisconnectReply
 * SERVER_SHUTDOWN to every client and removes their sessions within `drainSeconds`, exits;
 * SIGKILL only after `stopTimeoutSeconds`. Connection termination is off, so the NLB keeps
 * forwarding on existing connections until the gateway itself closes them.
 */
export class TcpGateway extends Construct {
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly service: FargateService;
  readonly loadBalancer: NetworkLoadBalancer;
  /** The tasks' security group. */
  readonly securityGroup: SecurityGroup;
  /** The load balancer's security group. */
  readonly loadBalancerSecurityGroup: SecurityGroup;
  readonly targetGroups: { tcp: NetworkTargetGroup; ws: NetworkTargetGroup };
  readonly listeners: Partial<Record<'tcp' | 'ws' | 'tcpTls' | 'wss', NetworkListener>>;
  readonly logGroup: LogGroup;
  /** Open connections per task (average over tasks), as the tasks publish it. */
  readonly connectionsMetric: Metric;
  private readonly ports: GatewayPorts;

  constructor(scope: Construct, id: string, props: TcpGatewayProps) {
    super(scope, id);
    const { vpc, ports, timings } = props;
    this.ports = ports;
    this.cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });

    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const container = this.taskDefinition.addContainer('gateway', {
      image: props.image,
      essential: true,
      environment: props.environment,
      logging: LogDrivers.awsLogs({ streamPrefix: 'gateway', logGroup: this.logGroup }),
      portMappings: [{ containerPort: ports.tcp }, { containerPort: ports.ws }, { containerPort: ports.http }],
      stopTimeout: Duration.seconds(timings.stopTimeoutSeconds),
    });
    container.addUlimits({ name: UlimitName.NOFILE, softLimit: NOFILE, hardLimit: NOFILE });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Pulling from ECR needs ecr:GetAuthorizationToken, which has no resource-level permissions (AWS requires "*"); the pull actions themselves name the one repository.',
    });
    Validations.of(this.taskDefinition).acknowledge({ id: 'AwsSolutions-ECS2', reason: 'The environment holds table names, ports and secret ARNs, never secret values: secrets are read from Secrets Manager at run time.' });

    this.securityGroup = new SecurityGroup(this, 'TaskSecurityGroup', { vpc, description: 'edgeim gateway tasks' });
    this.loadBalancerSecurityGroup = new SecurityGroup(this, 'NlbSecurityGroup', { vpc, description: 'edgeim gateway load balancer', allowAllOutbound: false });

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      securityGroups: [this.securityGroup],
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      healthCheckGracePeriod: Duration.seconds(30),
    });

    this.loadBalancer = new NetworkLoadBalancer(this, 'Nlb', {
      vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      securityGroups: [this.loadBalancerSecurityGroup],
    });
    Validations.of(this.loadBalancer).acknowledge({ id: 'AwsSolutions-ELB2', reason: 'NLB access logs cover TLS listeners only and need an S3 bucket per stack; connection-level events are in the gateway logs and Container Insights.' });
    const targetGroup = (name: string, port: number) =>
      new NetworkTargetGroup(this, name, {
        vpc,
        port,
        protocol: Protocol.TCP,
        targetType: TargetType.IP,
        deregistrationDelay: Duration.seconds(timings.deregistrationDelaySeconds),
        connectionTermination: timings.connectionTermination,
        healthCheck: {
          protocol: Protocol.HTTP,
          port: String(ports.http),
          path: '/healthz',
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
        targets: [this.service.loadBalancerTarget({ containerName: 'gateway', containerPort: port })],
      });
    this.targetGroups = { tcp: targetGroup('TcpTargets', ports.tcp), ws: targetGroup('WsTargets', ports.ws) };

    // The NLB reaches the tasks' goim ports and the health check (the internal API's /healthz); nothing else.
    for (const port of [ports.tcp, ports.ws, ports.http]) {
      this.securityGroup.addIngressRule(this.loadBalancerSecurityGroup, Port.tcp(port), port === ports.http ? 'NLB health check' : `NLB to ${port}`);
      this.loadBalancerSecurityGroup.addEgressRule(this.securityGroup, Port.tcp(port), `to the tasks' ${port}`);
    }

    this.listeners = {};
    const open = (port: number, what: string) => this.loadBalancerSecurityGroup.addIngressRule(Peer.anyIpv4(), Port.tcp(port), what);
    if (props.plaintextListeners) {
      // Plaintext TCP listeners: their idle timeout is settable; keep it above the heartbeat timeout.
      const idle = Duration.seconds(timings.tcpIdleTimeoutSeconds);
      this.listeners.tcp = this.loadBalancer.addListener('Tcp', { port: ports.tcp, protocol: Protocol.TCP, tcpIdleTimeout: idle, defaultTargetGroups: [this.targetGroups.tcp] });
      this.listeners.ws = this.loadBalancer.addListener('Ws', { port: ports.ws, protocol: Protocol.TCP, tcpIdleTimeout: idle, defaultTargetGroups: [this.targetGroups.ws] });
      open(ports.tcp, 'goim TCP (plaintext)');
      open(ports.ws, 'goim WebSocket (plaintext)');
    }
    if (props.certificateArn) {
      const certificates = [ListenerCertificate.fromArn(props.certificateArn)];
      this.listeners.tcpTls = this.loadBalancer.addListener('TcpTls', { port: ports.tcpTls, protocol: Protocol.TLS, certificates, sslPolicy: SslPolicy.RECOMMENDED_TLS, defaultTargetGroups: [this.targetGroups.tcp] });
      this.listeners.wss = this.loadBalancer.addListener('Wss', { port: ports.wss, protocol: Protocol.TLS, certificates, sslPolicy: SslPolicy.RECOMMENDED_TLS, defaultTargetGroups: [this.targetGroups.ws] });
      open(ports.tcpTls, 'goim TCP over TLS');
      open(ports.wss, 'goim WebSocket over TLS');
    } else {
      Annotations.of(this).addWarningV2(
        '@edgeim/gateway-plaintext',
        'No certificateArn: the gateway listens in plaintext (goim TCP 3101, WebSocket 3102), so tokens cross the internet unencrypted. Plaintext is for testing only; pass -c certificateArn=arn:aws:acm:… for TLS listeners.',
      );
    }
    Validations.of(this.loadBalancerSecurityGroup).acknowledge({ id: 'AwsSolutions-EC23', reason: 'The load balancer is the public edge for goim clients anywhere: its listener ports are open to every IPv4 address by design.' });

    this.connectionsMetric = new Metric({
      namespace: props.metric.namespace,
      metricName: CONNECTIONS_METRIC,
      dimensionsMap: { [SERVICE_DIMENSION]: props.metric.service },
      statistic: 'Average',
      period: Duration.minutes(1),
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.desiredCount, maxCapacity: props.maxCount });
    // Scale in slowly: every removed task makes its clients reconnect (after SERVER_SHUTDOWN).
    const cooldowns = { scaleInCooldown: Duration.minutes(10), scaleOutCooldown: Duration.minutes(1) };
    scaling.scaleToTrackCustomMetric('Connections', { metric: this.connectionsMetric, targetValue: props.connectionsPerTask, ...cooldowns });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60, ...cooldowns });
    scaling.scaleOnMemoryUtilization('Memory', { targetUtilizationPercent: 70, ...cooldowns });
  }

  /** Lets `other` (the job, the push API) call every task's internal `@connections` API. */
  allowInternalApiFrom(other: IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(other, Port.tcp(this.ports.http), description);
  }
}
