import { Duration, IgnoreMode, RemovalPolicy } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { GatewayVpcEndpointAwsService, IpAddresses, Peer, Port, SecurityGroup, SubnetType, Vpc, type IConnectable } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Cluster, ContainerImage, CpuArchitecture, FargateService, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { NetworkLoadBalancer, NetworkTargetGroup, Protocol, SslPolicy, TargetType } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../bundling.js';

/** The gateway's ports (goim's 3101/3102, wss 3103 on the load balancer, internal HTTP). */
export interface GatewayPorts {
  readonly tcp: number;
  readonly ws: number;
  readonly wss: number;
  readonly http: number;
}

export interface TcpGatewayProps {
  readonly ports: GatewayPorts;
  /** Container settings, from `edgeimEnvironment('gateway', …)`. */
  readonly environment: Record<string, string>;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Seconds a stopping task needs to drain (EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS). */
  readonly drainSeconds: number;
  readonly natGateways: number;
  readonly logRetention: RetentionDays;
  /** @default no TLS listener */
  readonly certificateArn?: string;
  /** The gateway image. @default built from `gateway/Dockerfile` (repository root as context) */
  readonly image?: ContainerImage;
}

export const GATEWAY_DOCKERFILE = 'gateway/Dockerfile';

/**
 * Never sent to the Docker build: the image installs its own dependencies and bundles
 * `gateway/` + `shared/` only, so edits elsewhere do not change the image's hash.
 */
export const DOCKER_EXCLUDE = [
  'node_modules', 'cdk.out', '.git', '.ci', '.data', '.scratch', '**/*.log',
  'test', 'bench', 'docs', 'functions', 'local', 'infra', 'sdk', 'README.md', 'cdk.json', 'docker-compose.yml',
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

/** Deregistration delay and stop timeout for a drain time: the drain plus a margin, within Fargate's 120 s. */
export function drainTimings(drainSeconds: number): { deregistrationDelay: Duration; stopTimeout: Duration } {
  const seconds = Math.min(drainSeconds + 5, 120);
  return { deregistrationDelay: Duration.seconds(seconds), stopTimeout: Duration.seconds(seconds) };
}

/**
 * The goim gateway on Fargate (arm64) behind an internet-facing NLB: TCP 3101 (goim TCP),
 * TCP 3102 (goim WebSocket), TLS 3103 → 3102 with a certificate; health from the
 * internal `/healthz`. The job reaches each task's internal `@connections` API inside the
 * VPC (`allowConnectionsFrom`). Container settings come from `edgeimEnvironment`.
 */
export class TcpGateway extends Construct {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly service: FargateService;
  readonly loadBalancer: NetworkLoadBalancer;
  readonly securityGroup: SecurityGroup;
  readonly targetGroups: { tcp: NetworkTargetGroup; ws: NetworkTargetGroup };
  readonly logGroup: LogGroup;
  private readonly ports: GatewayPorts;

  constructor(scope: Construct, id: string, props: TcpGatewayProps) {
    super(scope, id);
    this.ports = props.ports;
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 20 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      // DynamoDB traffic stays off the NAT gateway (a gateway endpoint costs nothing).
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc });

    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const timings = drainTimings(props.drainSeconds);
    this.taskDefinition.addContainer('gateway', {
      image: props.image ?? gatewayImage(),
      essential: true,
      environment: props.environment,
      logging: LogDrivers.awsLogs({ streamPrefix: 'gateway', logGroup: this.logGroup }),
      portMappings: [{ containerPort: props.ports.tcp }, { containerPort: props.ports.ws }, { containerPort: props.ports.http }],
      stopTimeout: timings.stopTimeout,
    });

    this.securityGroup = new SecurityGroup(this, 'TaskSecurityGroup', { vpc: this.vpc, description: 'edgeim gateway tasks' });
    // The NLB forwards from inside the VPC (client IP preservation is off for IP targets).
    for (const port of [props.ports.tcp, props.ports.ws, props.ports.http]) {
      this.securityGroup.addIngressRule(Peer.ipv4(this.vpc.vpcCidrBlock), Port.tcp(port), `NLB to ${port}`);
    }

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

    this.loadBalancer = new NetworkLoadBalancer(this, 'Nlb', { vpc: this.vpc, internetFacing: true, crossZoneEnabled: true });
    const targetGroup = (name: string, port: number) =>
      new NetworkTargetGroup(this, name, {
        vpc: this.vpc,
        port,
        protocol: Protocol.TCP,
        targetType: TargetType.IP,
        deregistrationDelay: timings.deregistrationDelay,
        connectionTermination: true,
        healthCheck: {
          protocol: Protocol.HTTP,
          port: String(props.ports.http),
          path: '/healthz',
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
        targets: [this.service.loadBalancerTarget({ containerName: 'gateway', containerPort: port })],
      });
    this.targetGroups = { tcp: targetGroup('TcpTargets', props.ports.tcp), ws: targetGroup('WsTargets', props.ports.ws) };
    this.loadBalancer.addListener('Tcp', { port: props.ports.tcp, protocol: Protocol.TCP, defaultTargetGroups: [this.targetGroups.tcp] });
    this.loadBalancer.addListener('Ws', { port: props.ports.ws, protocol: Protocol.TCP, defaultTargetGroups: [this.targetGroups.ws] });
    if (props.certificateArn) {
      this.loadBalancer.addListener('Wss', {
        port: props.ports.wss,
        protocol: Protocol.TLS,
        certificates: [Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)],
        sslPolicy: SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroups.ws],
      });
    }

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.desiredCount, maxCapacity: props.maxCount });
    // Connections cost memory first (per-connection buffers), CPU with traffic.
    scaling.scaleOnMemoryUtilization('Memory', { targetUtilizationPercent: 70, scaleInCooldown: Duration.minutes(10) });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60, scaleInCooldown: Duration.minutes(10) });
  }

  /** Lets `other` (the job) call every task's internal `@connections` API. */
  allowConnectionsFrom(other: IConnectable): void {
    this.securityGroup.connections.allowFrom(other, Port.tcp(this.ports.http), 'internal @connections API');
  }
}
