import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TTL_ATTRIBUTE } from '../../shared/aws/tables.js';
import { PONG_TEMPLATE, WEBSOCKET_ACCESS_LOG_FIELDS } from '../../infra/constructs/websocket-api.js';
import { PUSH_API_ACCESS_LOG_FIELDS } from '../../infra/constructs/push-api.js';
import { synth } from './fixture.js';

// Prepare: one synthesis of the default stack (profile prod, no certificate) for the whole file.
const { stack, template } = synth();
const id = (path: string) => stack.resolve((stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${path}`) as any).logicalId) as string;
const resources = template.toJSON().Resources as Record<string, any>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('Storage (prod profile)', () => {
  it.each([
    ['Sessions', 'S', true],
    ['Timelines', 'N', true],
    ['Groups', 'S', false],
    ['Ids', undefined, false],
  ] as const)('%s: keys pk S + sk %s, TTL %s, on demand, PITR, deletion protection, retained', (name, sk, ttl) => {
    const table = resources[id(`Storage/${name}/Resource`)];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' }] : []),
    ]);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.TimeToLiveSpecification).toEqual(ttl ? { AttributeName: TTL_ATTRIBUTE, Enabled: true } : undefined);
  });
});

describe('Fanout', () => {
  it('the job queue is FIFO in high-throughput mode, visible again after 6 × the job timeout, and redrives to a FIFO DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 6 * 30,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id('Fanout/DeadLetterQueue/Resource'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, MessageRetentionPeriod: 14 * 86400, RedrivePolicy: Match.absent() });
  });

  it('the job consumes batches of 10 with partial failures, up to 200 at once by default', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id('Fanout/Queue/Resource'), 'Arn'] },
      FunctionName: { Ref: id('FanoutJobFunction/Function/Resource') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 200 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30, MemorySize: 512, Environment: { Variables: Match.objectLike({ EDGEIM_OFFLINE_TOPIC_ARN: Match.anyValue() }) } });
  });
});

describe('Functions', () => {
  it('every handler is nodejs22.x on arm64 with its settings, no reserved concurrency unless asked', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(7);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(fn.Properties.Environment.Variables).toMatchObject({
        EDGEIM_SESSIONS_TABLE: { Ref: id('Storage/Sessions/Resource') },
        EDGEIM_QUEUE_URL: { Ref: id('Fanout/Queue/Resource') },
        EDGEIM_WRITE_FANOUT_MAX: '500',
        EDGEIM_RETENTION_DAYS: '7',
      });
    }
  });

  it('the job and the push API run in the VPC, each in its own security group', () => {
    for (const [fn, sg] of [['FanoutJobFunction', 'JobSecurityGroup'], ['PushApiFunction', 'PushApiSecurityGroup']]) {
      const vpc = resources[id(`${fn}/Function/Resource`)].Properties.VpcConfig;
      expect(vpc.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [id(`${sg}/Resource`), 'GroupId'] }]);
      expect(vpc.SubnetIds).toEqual([{ Ref: id('Network/Vpc/privateSubnet1/Subnet') }, { Ref: id('Network/Vpc/privateSubnet2/Subnet') }]);
    }
    for (const fn of ['AuthorizerFunction', 'ConnectFunction', 'DefaultFunction']) expect(resources[id(`${fn}/Function/Resource`)].Properties.VpcConfig).toBeUndefined();
  });

  it('the gateway credential reaches exactly the tasks, the job and the push API', () => {
    const secret = { Ref: id('Secrets/GatewaySecret/Resource') };
    const holders = ofType('AWS::Lambda::Function').filter(([, r]) => r.Properties.Environment.Variables.EDGEIM_GATEWAY_SECRET_ARN).map(([k]) => k);
    expect(holders.sort()).toEqual([id('FanoutJobFunction/Function/Resource'), id('PushApiFunction/Function/Resource')].sort());
    for (const h of holders) expect(resources[h].Properties.Environment.Variables.EDGEIM_GATEWAY_SECRET_ARN).toEqual(secret);
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!.Properties.ContainerDefinitions[0];
    expect(container.Environment).toContainEqual({ Name: 'EDGEIM_GATEWAY_SECRET_ARN', Value: secret });
  });

  it('log groups keep logs for three months (prod)', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(11);
    for (const g of groups) expect(g.Properties.RetentionInDays).toBe(90);
  });
});

describe('WebSocketApi', () => {
  it('$connect sits behind the REQUEST authorizer on ?token=', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: Match.stringLikeRegexp('TokenAuthorizer') } });
  });

  it('$default, heartbeat and ping answer through the route response', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$disconnect' });
    for (const key of ['$default', 'heartbeat', 'ping']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, RouteResponseSelectionExpression: '$default' });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 3);
  });

  it('ping is a MOCK integration (no Lambda) whose integration response is the pong with API Gateway\'s request time', () => {
    const [routeId, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === 'ping')!;
    const integrationId = (route.Properties.Target['Fn::Join'][1] as any[]).find((p) => p.Ref).Ref as string;
    expect(resources[integrationId].Properties).toMatchObject({
      IntegrationType: 'MOCK',
      RequestTemplates: { $default: '{"statusCode": 200}' },
      TemplateSelectionExpression: '\\$default',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::IntegrationResponse', {
      IntegrationId: { Ref: integrationId },
      IntegrationResponseKey: '$default',
      ResponseTemplates: { $default: '{"type":"pong","time":$context.requestTimeEpoch}' },
    });
    expect(PONG_TEMPLATE).toBe('{"type":"pong","time":$context.requestTimeEpoch}');
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', { RouteId: { Ref: routeId }, RouteResponseKey: '$default' });
  });

  it('the stage is throttled (and $connect tighter), execution logging off, access logs in JSON', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 1000, LoggingLevel: 'OFF', DataTraceEnabled: false },
      RouteSettings: { $connect: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 500, LoggingLevel: 'OFF', DataTraceEnabled: false } },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [id('WebSocketApi/AccessLogs/Resource'), 'Arn'] }, Format: JSON.stringify(WEBSOCKET_ACCESS_LOG_FIELDS) },
    });
    // WebSocket access logs need API Gateway's account-wide CloudWatch role.
    template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [id('ApiGatewayAccount/CloudWatchRole/Resource'), 'Arn'] } });
    expect(resources[id('WebSocketApi/Stage/Resource')].DependsOn).toEqual(expect.arrayContaining([id('ApiGatewayAccount/Account')]));
  });

  it('the handlers know the management endpoint of this API', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EDGEIM_WS_MANAGEMENT_ENDPOINT: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: id('WebSocketApi/Api/Resource') }])] } }) },
    });
  });
});

describe('access logs never record a credential', () => {
  it.each([
    ['WebSocket API', 'WebSocketApi/Stage/Resource'],
    ['push API', 'PushApi/Stage/Resource'],
  ])('%s: only $context variables, none that can hold a query string, header, body or token', (_, path) => {
    const format = resources[id(path)].Properties.AccessLogSettings.Format as string;
    const variables = format.match(/\$[a-z]+(\.[A-Za-z]+)*/g) ?? [];
    expect(variables.length).toBeGreaterThan(8);
    for (const v of variables) {
      expect(v).toMatch(/^\$context\./);
      expect(v).not.toMatch(/querystring|query|header|token|body|input|request\.|authorizer\.(?!principalId$)|identity\.(?!sourceIp$)/i);
    }
    expect(Object.values({ ...WEBSOCKET_ACCESS_LOG_FIELDS, ...PUSH_API_ACCESS_LOG_FIELDS }).join(' ')).not.toMatch(/token|querystring/i);
  });
});

describe('PushApi', () => {
  it('an HTTP API sends every route to the Hono Lambda; its stage is throttled with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', Target: Match.anyValue() });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 500 },
      RouteSettings: { $default: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 500 } },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [id('PushApi/AccessLogs/Resource'), 'Arn'] }, Format: JSON.stringify(PUSH_API_ACCESS_LOG_FIELDS) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EDGEIM_API_KEYS_SECRET_ARN: { Ref: id('Secrets/ApiKeys/Resource') } }) },
    });
  });
});

describe('Network (prod)', () => {
  it('one NAT gateway per AZ, a DynamoDB gateway endpoint, SQS and Secrets Manager interface endpoints, rejected flows logged', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const endpoints = ofType('AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties);
    const service = (e: any) => JSON.stringify(e.ServiceName);
    expect(endpoints.find((e) => service(e).includes('dynamodb'))).toMatchObject({ VpcEndpointType: 'Gateway' });
    for (const name of ['sqs', 'secretsmanager']) expect(endpoints.find((e) => service(e).includes(name))).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
  });
});

describe('Gateway without a certificate', () => {
  it('plaintext listeners only, and synth warns that they are for testing', () => {
    const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => [r.Properties.Port, r.Properties.Protocol]);
    expect(listeners.sort()).toEqual([[3101, 'TCP'], [3102, 'TCP']]);
    Annotations.fromStack(stack).hasWarning('/Test/TcpGateway', Match.stringLikeRegexp('plaintext .*testing only'));
  });
});

describe('Outputs', () => {
  it('tell the wss URL, the push API URL, the gateway host and plaintext ports, the alarm topic', () => {
    const outputs = template.findOutputs('*');
    for (const name of ['WebSocketUrl', 'PushApiUrl', 'ApiKeysSecretArn', 'JwtSecretArn', 'GatewayHost', 'GatewayTcpPort', 'GatewayWsPort', 'AlarmTopicArn', 'DeadLetterQueueUrl']) {
      expect(outputs[name], name).toBeDefined();
    }
    expect(outputs.GatewayTcpPort?.Value).toBe('3101');
    expect(outputs.GatewayWsPort?.Value).toBe('3102');
    expect(outputs.GatewayTlsPort).toBeUndefined();
  });
});

describe('Observability', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  const alarm = (name: string) => {
    const found = Object.entries(alarms).find(([k]) => k.startsWith(`Observability${name}`));
    if (!found) throw new Error(`no alarm ${name}`);
    return found[1].Properties;
  };
  const metricsOf = (p: any): any[] => (p.MetricName ? [p] : (p.Metrics ?? []).filter((m: any) => m.MetricStat).map((m: any) => ({ ...m.MetricStat.Metric, Stat: m.MetricStat.Stat })));

  it('every alarm notifies the alarm topic', () => {
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(25);
    for (const a of Object.values(alarms)) expect(a.Properties.AlarmActions).toEqual([{ Ref: id('Observability/AlarmTopic/Resource') }]);
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'edgeim alarms' });
  });

  it.each([
    ['DeadLetterQueueNotEmpty', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['OldestJobMessage', 'AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    ['JobErrors', 'AWS/Lambda', 'Errors'],
    ['JobAtMaxConcurrency', 'AWS/Lambda', 'ConcurrentExecutions'],
    ['AccountConcurrency', 'AWS/Lambda', 'ConcurrentExecutions'],
    ['Throttles', 'AWS/Lambda', 'Throttles'],
    ['HandlerErrors', 'AWS/Lambda', 'Errors'],
    ['WebSocket5xx', 'AWS/ApiGateway', 'ExecutionError'],
    ['WebSocket4xx', 'AWS/ApiGateway', 'ClientError'],
    ['PushApi5xx', 'AWS/ApiGateway', '5xx'],
    ['PushApi4xx', 'AWS/ApiGateway', '4xx'],
    ['LimitExceeded', 'edgeim/Test', 'LimitExceeded'],
    ['SessionsThrottles', 'AWS/DynamoDB', 'WriteThrottleEvents'],
    ['TimelinesSystemErrors', 'AWS/DynamoDB', 'SystemErrors'],
    ['IdsThrottles', 'AWS/DynamoDB', 'ReadThrottleEvents'],
    ['GatewayCpu', 'AWS/ECS', 'CPUUtilization'],
    ['GatewayMemory', 'AWS/ECS', 'MemoryUtilization'],
    ['GatewayConnections', 'edgeim/Test', 'Connections'],
    ['GatewayUnhealthyTargets', 'AWS/NetworkELB', 'UnHealthyHostCount'],
    ['GatewayNoHealthyTarget', 'AWS/NetworkELB', 'HealthyHostCount'],
  ])('%s watches %s %s', (name, namespace, metric) => {
    const metrics = metricsOf(alarm(name));
    expect(metrics.some((m) => m.Namespace === namespace && m.MetricName === metric), JSON.stringify(metrics)).toBe(true);
  });

  it('account concurrency alarms at 80 % of the account limit; the account-wide metric has no dimension', () => {
    const a = alarm('AccountConcurrency');
    expect(a).toMatchObject({ Threshold: 800, MetricName: 'ConcurrentExecutions', Namespace: 'AWS/Lambda', Statistic: 'Maximum' });
    expect(a.Dimensions).toBeUndefined();
  });

  it('limits hit are counted from every handler\'s log', () => {
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    expect(filters).toHaveLength(7);
    for (const f of filters) {
      expect(f.FilterPattern).toContain('LimitExceededException');
      expect(f.MetricTransformations).toEqual([{ MetricNamespace: 'edgeim/Test', MetricName: 'LimitExceeded', MetricValue: '1' }]);
    }
  });

  it('one dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
