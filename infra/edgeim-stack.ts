import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { HandlerName } from './bundling.js';
import { ApiGatewayAccount } from './constructs/api-gateway-account.js';
import { EdgeFunction } from './constructs/edge-function.js';
import { Fanout } from './constructs/fanout.js';
import { Network } from './constructs/network.js';
import { Observability } from './constructs/observability.js';
import { PushApi } from './constructs/push-api.js';
import { Secrets } from './constructs/secrets.js';
import { Storage } from './constructs/storage.js';
import { gatewayImage, gatewayImageFromUri, TcpGateway } from './constructs/tcp-gateway.js';
import { WebSocketApi } from './constructs/websocket-api.js';
import { GATEWAY_PORTS, resolveProps, type ResolvedProps } from './defaults.js';
import { asRecord, edgeimEnvironment, type EnvironmentRefs, type Role } from './environment.js';
import type { EdgeImStackProps } from './props.js';
import { gatewayTimings, type GatewayTimings } from './timeouts.js';

/** The value of the gateway's connection metric's `Service` dimension. */
export const GATEWAY_METRIC_SERVICE = 'gateway';

/**
 * The whole of edgeim in one stack: tables, job queue and job, WebSocket API, push API,
 * the TCP gateway in its VPC, offline notifications, alarms and a dashboard. Props are
 * checked before anything is built (`resolveProps`), so a bad choice fails `cdk synth`
 * with its reason.
 */
export class EdgeImStack extends Stack {
  readonly settings: ResolvedProps;
  readonly timings: GatewayTimings;
  /** CloudWatch namespace of edgeim's own metrics (gateway connections, limits hit). */
  readonly metricNamespace: string;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly fanout: Fanout;
  readonly offlineTopic: Topic;
  readonly webSocket: WebSocketApi;
  readonly pushApi: PushApi;
  readonly network?: Network;
  readonly gateway?: TcpGateway;
  /** Security groups of the internal API's callers (with a gateway). */
  readonly callerSecurityGroups?: { readonly job: SecurityGroup; readonly pushApi: SecurityGroup };
  readonly functions: Readonly<Record<HandlerName, EdgeFunction>>;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: EdgeImStackProps = {}) {
    super(scope, id, props);
    const s = (this.settings = resolveProps(props));
    const timings = (this.timings = gatewayTimings(s.gateway.heartbeatTimeoutSeconds, s.gateway.drainSeconds));
    this.metricNamespace = `edgeim/${this.stackName}`;

    this.storage = new Storage(this, 'Storage', s.storage);
    this.secrets = new Secrets(this, 'Secrets', { ...s.auth, gateway: s.gateway.enabled, removalPolicy: s.storage.removalPolicy });
    this.fanout = new Fanout(this, 'Fanout', { maxReceiveCount: s.job.maxReceiveCount, jobTimeout: Duration.seconds(s.job.timeoutSeconds) });
    this.offlineTopic = new Topic(this, 'OfflineTopic', {
      displayName: 'edgeim offline recipients',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
    });
    this.webSocket = new WebSocketApi(this, 'WebSocketApi', { stageName: s.stageName, throttle: s.apis.webSocket, connectThrottle: s.apis.connect, logRetention: s.logRetention });
    if (s.apis.manageAccountLogRole) this.webSocket.stage.node.addDependency(new ApiGatewayAccount(this, 'ApiGatewayAccount'));

    const t = this.storage.tables;
    const refs: EnvironmentRefs = {
      tables: { sessions: t.sessions.tableName, timelines: t.timelines.tableName, groups: t.groups.tableName, ids: t.ids.tableName },
      queueUrl: this.fanout.queue.queueUrl,
      offlineTopicArn: this.offlineTopic.topicArn,
      wsManagementEndpoint: this.webSocket.managementEndpoint,
      apiKeysSecretArn: this.secrets.apiKeys.secretArn,
      ...(this.secrets.gatewaySecret ? { gatewaySecretArn: this.secrets.gatewaySecret.secretArn } : {}),
      jwt: { ...s.auth, ...(this.secrets.jwtSecret ? { secretArn: this.secrets.jwtSecret.secretArn } : {}) },
      retentionDays: s.retentionDays,
      writeFanoutMax: s.writeFanoutMax,
      gateway: {
        tcpPort: GATEWAY_PORTS.tcp,
        wsPort: GATEWAY_PORTS.ws,
        httpPort: GATEWAY_PORTS.http,
        drainSeconds: timings.drainSeconds,
        heartbeatTimeoutSeconds: timings.heartbeatTimeoutSeconds,
        metrics: { namespace: this.metricNamespace, service: GATEWAY_METRIC_SERVICE },
      },
    };

    if (s.gateway.enabled) {
      this.network = new Network(this, 'Network', { ...s.network, logRetention: s.logRetention });
      this.gateway = new TcpGateway(this, 'TcpGateway', {
        vpc: this.network.vpc,
        ports: GATEWAY_PORTS,
        environment: asRecord(edgeimEnvironment('gateway', refs)),
        desiredCount: s.gateway.desiredCount,
        maxCount: s.gateway.maxCount,
        cpu: s.gateway.cpu,
        memoryMiB: s.gateway.memoryMiB,
        timings,
        connectionsPerTask: s.gateway.connectionsPerTask,
        metric: { namespace: this.metricNamespace, service: GATEWAY_METRIC_SERVICE },
        logRetention: s.logRetention,
        plaintextListeners: s.gateway.plaintextListeners,
        image: s.gateway.image ?? (s.gateway.imageUri ? gatewayImageFromUri(this, s.gateway.imageUri) : gatewayImage()),
        ...(s.gateway.certificateArn ? { certificateArn: s.gateway.certificateArn } : {}),
      });
    }
    const gw = this.gateway;
    const vpc = this.network?.vpc;
    const nodes = gw && {
      domain: gw.loadBalancer.loadBalancerDnsName,
      // Without plaintext listeners, goim clients are told the TLS ports only.
      tcpPort: s.gateway.plaintextListeners ? GATEWAY_PORTS.tcp : GATEWAY_PORTS.tcpTls,
      wsPort: s.gateway.plaintextListeners ? GATEWAY_PORTS.ws : GATEWAY_PORTS.wss,
      wssPort: GATEWAY_PORTS.wss,
      heartbeatSeconds: timings.nodesHeartbeatSeconds,
      heartbeatMax: timings.nodesHeartbeatMax,
    };
    const envFor = (role: Role) => asRecord(edgeimEnvironment(role, { ...refs, ...(nodes ? { nodes } : {}) }));

    // The internal API's callers run beside the tasks, each in its own security group that
    // the tasks admit on the internal port (and nothing else does).
    if (gw && vpc) {
      const job = new SecurityGroup(this, 'JobSecurityGroup', { vpc, description: 'edgeim fan-out job' });
      const pushApi = new SecurityGroup(this, 'PushApiSecurityGroup', { vpc, description: 'edgeim push API' });
      gw.allowInternalApiFrom(job, 'fan-out job to the internal @connections API');
      gw.allowInternalApiFrom(pushApi, 'push API to the internal @connections API');
      this.callerSecurityGroups = { job, pushApi };
    }
    const inVpc = (sg: SecurityGroup | undefined) => (vpc && sg ? { vpc, securityGroups: [sg] } : {});

    const fn = (name: HandlerName, extra: Partial<ConstructorParameters<typeof EdgeFunction>[2]> = {}) => {
      const reserved = s.functions[name].reservedConcurrency;
      return new EdgeFunction(this, `${pascal(name)}Function`, {
        handler: name,
        environment: envFor(name),
        logRetention: s.logRetention,
        ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
        ...extra,
      });
    };
    this.functions = {
      authorizer: fn('authorizer'),
      connect: fn('connect'),
      disconnect: fn('disconnect'),
      default: fn('default'),
      heartbeat: fn('heartbeat', { memorySize: 128 }),
      'fanout-job': fn('fanout-job', { memorySize: s.job.memorySize, timeout: Duration.seconds(s.job.timeoutSeconds), ...inVpc(this.callerSecurityGroups?.job) }),
      'push-api': fn('push-api', { memorySize: 512, ...inVpc(this.callerSecurityGroups?.pushApi) }),
    };
    const f = Object.fromEntries(Object.entries(this.functions).map(([k, v]) => [k, v.fn])) as Record<HandlerName, EdgeFunction['fn']>;

    this.webSocket.route({ authorizer: f.authorizer, connect: f.connect, disconnect: f.disconnect, default: f.default, heartbeat: f.heartbeat });
    this.fanout.consumeWith(f['fanout-job'], { batchSize: s.job.batchSize, maxConcurrency: s.job.maxConcurrency });
    this.pushApi = new PushApi(this, 'PushApi', { handler: f['push-api'], throttle: s.apis.pushApi, logRetention: s.logRetention });

    // Least privilege, one line per function: only the tables, queue and secrets it uses
    // (test/infra/iam-calls.test.ts checks this against the AWS calls the code makes).
    this.secrets.jwtSecret?.grantRead(f.authorizer);
    for (const h of [f.connect, f.disconnect, f.heartbeat]) t.sessions.grantReadWriteData(h);
    for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(f.default);
    this.fanout.queue.grantSendMessages(f.default);
    for (const table of [t.sessions, t.timelines, t.groups]) table.grantReadWriteData(f['fanout-job']);
    // Push-to-all delivers one page per job and enqueues the next page itself.
    this.fanout.queue.grantSendMessages(f['fanout-job']);
    this.webSocket.grantManageConnections(f['fanout-job']);
    this.offlineTopic.grantPublish(f['fanout-job']);
    for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(f['push-api']);
    this.fanout.queue.grantSendMessages(f['push-api']);
    this.secrets.apiKeys.grantRead(f['push-api']);
    if (gw && this.secrets.gatewaySecret) {
      const task = gw.taskDefinition.taskRole;
      for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(task);
      this.fanout.queue.grantSendMessages(task);
      this.secrets.jwtSecret?.grantRead(task);
      for (const reader of [task, f['fanout-job'], f['push-api']]) this.secrets.gatewaySecret.grantRead(reader);
    }

    this.observability = new Observability(this, 'Observability', {
      functions: Object.fromEntries(
        Object.entries(this.functions).map(([name, ef]) => [name, { fn: ef.fn, logGroup: ef.logGroup, ...(s.functions[name as HandlerName].reservedConcurrency ? { reservedConcurrency: s.functions[name as HandlerName].reservedConcurrency } : {}) }]),
      ),
      job: { fn: f['fanout-job'], maxConcurrency: s.job.maxConcurrency },
      queue: this.fanout.queue,
      deadLetterQueue: this.fanout.deadLetterQueue,
      tables: t,
      webSocket: { api: this.webSocket.api, stage: this.webSocket.stage },
      pushApi: this.pushApi.api,
      namespace: this.metricNamespace,
      alarms: s.alarms,
      ...(gw
        ? {
            gateway: {
              service: gw.service,
              loadBalancer: gw.loadBalancer,
              targetGroups: [gw.targetGroups.tcp, gw.targetGroups.ws],
              connections: gw.connectionsMetric,
              connectionsPerTask: s.gateway.connectionsPerTask,
            },
          }
        : {}),
    });

    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocket.url, description: 'Connect with ?token=<JWT>' });
    new CfnOutput(this, 'PushApiUrl', { value: this.pushApi.url, description: 'Authorization: Bearer <key from ApiKeysSecretArn>' });
    new CfnOutput(this, 'ApiKeysSecretArn', { value: this.secrets.apiKeys.secretArn });
    if (this.secrets.jwtSecret) new CfnOutput(this, 'JwtSecretArn', { value: this.secrets.jwtSecret.secretArn });
    new CfnOutput(this, 'OfflineTopicArn', { value: this.offlineTopic.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.fanout.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    if (gw) {
      new CfnOutput(this, 'GatewayHost', { value: gw.loadBalancer.loadBalancerDnsName });
      if (s.gateway.plaintextListeners) {
        new CfnOutput(this, 'GatewayTcpPort', { value: String(GATEWAY_PORTS.tcp), description: 'goim over TCP, plaintext (testing only)' });
        new CfnOutput(this, 'GatewayWsPort', { value: String(GATEWAY_PORTS.ws), description: 'goim over WebSocket, plaintext (testing only), path /sub' });
      }
      if (s.gateway.certificateArn) {
        new CfnOutput(this, 'GatewayTlsPort', { value: String(GATEWAY_PORTS.tcpTls), description: 'goim over TCP with TLS' });
        new CfnOutput(this, 'GatewayWssPort', { value: String(GATEWAY_PORTS.wss), description: 'goim over WebSocket with TLS, path /sub' });
      }
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

