import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { HandlerName } from './bundling.js';
import { EdgeFunction } from './constructs/edge-function.js';
import { Fanout } from './constructs/fanout.js';
import { Observability } from './constructs/observability.js';
import { PushApi } from './constructs/push-api.js';
import { Secrets } from './constructs/secrets.js';
import { Storage } from './constructs/storage.js';
import { TcpGateway } from './constructs/tcp-gateway.js';
import { WebSocketApi } from './constructs/websocket-api.js';
import { GATEWAY_PORTS, resolveProps, type ResolvedProps } from './defaults.js';
import { asRecord, edgeimEnvironment, type EnvironmentRefs, type Role } from './environment.js';
import type { EdgeImStackProps } from './props.js';

const JOB_TIMEOUT = Duration.seconds(60);

/**
 * The whole of edgeim in one stack: tables, job queue and job, WebSocket API, push API,
 * the TCP gateway, offline notifications and observability. Props are checked before
 * anything is built (`resolveProps`), so a bad choice fails `cdk synth` with its reason.
 */
export class EdgeImStack extends Stack {
  readonly settings: ResolvedProps;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly fanout: Fanout;
  readonly offlineTopic: Topic;
  readonly webSocket: WebSocketApi;
  readonly pushApi: PushApi;
  readonly gateway?: TcpGateway;
  readonly functions: Readonly<Record<HandlerName, EdgeFunction>>;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: EdgeImStackProps = {}) {
    super(scope, id, props);
    const s = (this.settings = resolveProps(props));

    this.storage = new Storage(this, 'Storage', s.storage);
    this.secrets = new Secrets(this, 'Secrets', s.auth);
    this.fanout = new Fanout(this, 'Fanout', { maxReceiveCount: s.job.maxReceiveCount, jobTimeout: JOB_TIMEOUT });
    this.offlineTopic = new Topic(this, 'OfflineTopic', { displayName: 'edgeim offline recipients' });
    this.webSocket = new WebSocketApi(this, 'WebSocketApi', { stageName: s.stageName });

    const t = this.storage.tables;
    const refs: EnvironmentRefs = {
      tables: { sessions: t.sessions.tableName, timelines: t.timelines.tableName, groups: t.groups.tableName, ids: t.ids.tableName },
      queueUrl: this.fanout.queue.queueUrl,
      offlineTopicArn: this.offlineTopic.topicArn,
      wsManagementEndpoint: this.webSocket.managementEndpoint,
      apiKeysSecretArn: this.secrets.apiKeys.secretArn,
      jwt: { ...s.auth, ...(this.secrets.jwtSecret ? { secretArn: this.secrets.jwtSecret.secretArn } : {}) },
      retentionDays: s.retentionDays,
      writeFanoutMax: s.writeFanoutMax,
      gateway: { tcpPort: GATEWAY_PORTS.tcp, wsPort: GATEWAY_PORTS.ws, httpPort: GATEWAY_PORTS.http, drainSeconds: s.gateway.drainSeconds },
    };

    if (s.gateway.enabled) {
      this.gateway = new TcpGateway(this, 'TcpGateway', {
        ports: GATEWAY_PORTS,
        environment: asRecord(edgeimEnvironment('gateway', refs)),
        desiredCount: s.gateway.desiredCount,
        maxCount: s.gateway.maxCount,
        cpu: s.gateway.cpu,
        memoryMiB: s.gateway.memoryMiB,
        drainSeconds: s.gateway.drainSeconds,
        natGateways: s.gateway.natGateways,
        logRetention: s.logRetention,
        ...(s.gateway.certificateArn ? { certificateArn: s.gateway.certificateArn } : {}),
        ...(s.gateway.image ? { image: s.gateway.image } : {}),
      });
    }
    const gw = this.gateway;
    const nodes = gw && { domain: gw.loadBalancer.loadBalancerDnsName, tcpPort: GATEWAY_PORTS.tcp, wsPort: GATEWAY_PORTS.ws, wssPort: GATEWAY_PORTS.wss };
    const envFor = (role: Role) => asRecord(edgeimEnvironment(role, { ...refs, ...(nodes ? { nodes } : {}) }));

    // The job runs beside the gateway tasks so it can reach their internal @connections API.
    const jobSecurityGroup = gw && new SecurityGroup(this, 'JobSecurityGroup', { vpc: gw.vpc, description: 'edgeim fan-out job' });
    if (gw && jobSecurityGroup) gw.allowConnectionsFrom(jobSecurityGroup);

    const fn = (name: HandlerName, extra: Partial<ConstructorParameters<typeof EdgeFunction>[2]> = {}) =>
      new EdgeFunction(this, `${pascal(name)}Function`, { handler: name, environment: envFor(name), logRetention: s.logRetention, ...extra });
    this.functions = {
      authorizer: fn('authorizer'),
      connect: fn('connect'),
      disconnect: fn('disconnect'),
      default: fn('default'),
      heartbeat: fn('heartbeat', { memorySize: 128 }),
      'fanout-job': fn('fanout-job', {
        memorySize: s.job.memorySize,
        timeout: JOB_TIMEOUT,
        ...(gw && jobSecurityGroup ? { vpc: gw.vpc, securityGroups: [jobSecurityGroup] } : {}),
      }),
      'push-api': fn('push-api', { memorySize: 512 }),
    };
    const f = Object.fromEntries(Object.entries(this.functions).map(([k, v]) => [k, v.fn])) as Record<HandlerName, EdgeFunction['fn']>;

    this.webSocket.route({ authorizer: f.authorizer, connect: f.connect, disconnect: f.disconnect, default: f.default, heartbeat: f.heartbeat });
    this.fanout.consumeWith(f['fanout-job'], { batchSize: s.job.batchSize, maxConcurrency: s.job.maxConcurrency });
    this.pushApi = new PushApi(this, 'PushApi', { handler: f['push-api'] });

    // Least privilege, one line per function: only the tables, queue and secrets it uses.
    this.secrets.jwtSecret?.grantRead(f.authorizer);
    for (const h of [f.connect, f.disconnect, f.heartbeat]) t.sessions.grantReadWriteData(h);
    for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(f.default);
    this.fanout.queue.grantSendMessages(f.default);
    for (const table of [t.sessions, t.timelines, t.groups]) table.grantReadWriteData(f['fanout-job']);
    this.webSocket.grantManageConnections(f['fanout-job']);
    this.offlineTopic.grantPublish(f['fanout-job']);
    for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(f['push-api']);
    this.fanout.queue.grantSendMessages(f['push-api']);
    this.secrets.apiKeys.grantRead(f['push-api']);
    if (gw) {
      const task = gw.taskDefinition.taskRole;
      for (const table of [t.sessions, t.timelines, t.groups, t.ids]) table.grantReadWriteData(task);
      this.fanout.queue.grantSendMessages(task);
      this.secrets.jwtSecret?.grantRead(task);
    }

    this.observability = new Observability(this, 'Observability', {
      functions: f,
      job: f['fanout-job'],
      queue: this.fanout.queue,
      deadLetterQueue: this.fanout.deadLetterQueue,
      webSocket: { api: this.webSocket.api, stage: this.webSocket.stage },
      pushApi: this.pushApi.api,
      ...(gw ? { gateway: { service: gw.service, loadBalancer: gw.loadBalancer, targetGroup: gw.targetGroups.tcp } } : {}),
      ...(s.alarmEmail ? { alarmEmail: s.alarmEmail } : {}),
    });

    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocket.url, description: 'Connect with ?token=<JWT>' });
    new CfnOutput(this, 'PushApiUrl', { value: this.pushApi.url, description: 'Authorization: Bearer <key from ApiKeysSecretArn>' });
    new CfnOutput(this, 'ApiKeysSecretArn', { value: this.secrets.apiKeys.secretArn });
    if (this.secrets.jwtSecret) new CfnOutput(this, 'JwtSecretArn', { value: this.secrets.jwtSecret.secretArn });
    new CfnOutput(this, 'OfflineTopicArn', { value: this.offlineTopic.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.fanout.deadLetterQueue.queueUrl });
    if (gw) {
      new CfnOutput(this, 'GatewayHost', { value: gw.loadBalancer.loadBalancerDnsName });
      new CfnOutput(this, 'GatewayTcpPort', { value: String(GATEWAY_PORTS.tcp), description: 'goim over TCP' });
      new CfnOutput(this, 'GatewayWsPort', { value: String(GATEWAY_PORTS.ws), description: 'goim over WebSocket, path /sub' });
      if (s.gateway.certificateArn) new CfnOutput(this, 'GatewayWssPort', { value: String(GATEWAY_PORTS.wss), description: 'goim over WebSocket with TLS, path /sub' });
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
