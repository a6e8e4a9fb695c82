import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TTL_ATTRIBUTE } from '../../shared/aws/tables.js';
import { synth } from './fixture.js';

// Prepare: one synthesis of the default stack for the whole file.
const { stack, template } = synth();
const id = (path: string) => stack.resolve((stack.node.findAll().find((c) => c.node.path === `${stack.node.id}/${path}`) as any).logicalId) as string;

describe('Storage', () => {
  it.each([
    ['Sessions', 'S', true],
    ['Timelines', 'N', true],
    ['Groups', 'S', false],
    ['Ids', undefined, false],
  ] as const)('%s: keys pk S + sk %s, TTL %s, on demand, PITR, retained', (name, sk, ttl) => {
    const table = template.toJSON().Resources[id(`Storage/${name}/Resource`)];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' }] : []),
    ]);
    expect(table.Properties.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      ...(sk ? [{ AttributeName: 'sk', AttributeType: sk }] : []),
    ]);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.TimeToLiveSpecification).toEqual(ttl ? { AttributeName: TTL_ATTRIBUTE, Enabled: true } : undefined);
  });
});

describe('Fanout', () => {
  it('the job queue is FIFO in high-throughput mode and redrives to a FIFO dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id('Fanout/DeadLetterQueue/Resource'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, MessageRetentionPeriod: 14 * 86400, RedrivePolicy: Match.absent() });
  });

  it('the job consumes batches of 10 with partial failures and bounded concurrency', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id('Fanout/Queue/Resource'), 'Arn'] },
      FunctionName: { Ref: id('FanoutJobFunction/Function/Resource') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });
});

describe('Functions', () => {
  it('every handler is nodejs22.x on arm64 with its settings', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(7);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        EDGEIM_SESSIONS_TABLE: { Ref: id('Storage/Sessions/Resource') },
        EDGEIM_QUEUE_URL: { Ref: id('Fanout/Queue/Resource') },
        EDGEIM_WRITE_FANOUT_MAX: '500',
        EDGEIM_RETENTION_DAYS: '7',
      });
    }
  });

  it('the job runs in the gateway VPC, so it reaches the tasks', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EDGEIM_OFFLINE_TOPIC_ARN: { Ref: id('OfflineTopic/Resource') } }) },
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [id('JobSecurityGroup/Resource'), 'GroupId'] }], SubnetIds: Match.anyValue() },
      Timeout: 60,
    });
  });

  it('log groups keep logs for a month', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(7);
    for (const g of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });
});

describe('WebSocketApi', () => {
  it('routes on $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
  });

  it('$connect sits behind the REQUEST authorizer on ?token=', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('TokenAuthorizer') },
    });
  });

  it('has $disconnect, and $default and heartbeat answer through the route response', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$disconnect' });
    for (const key of ['$default', 'heartbeat']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, RouteResponseSelectionExpression: '$default' });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 2);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod', AutoDeploy: true });
  });

  it('the handlers know the management endpoint of this API', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EDGEIM_WS_MANAGEMENT_ENDPOINT: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: id('WebSocketApi/Api/Resource') }])] },
        }),
      },
    });
  });
});

describe('PushApi', () => {
  it('an HTTP API sends every route to the Hono Lambda with API keys from Secrets Manager', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', Target: Match.anyValue() });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EDGEIM_API_KEYS_SECRET_ARN: { Ref: id('Secrets/ApiKeys/Resource') } }) },
    });
  });
});

describe('Observability', () => {
  it('alarms on a non-empty DLQ, job errors, throttles and 5xx, notifying the alarm topic', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const byName = (part: string) => Object.entries(alarms).find(([k]) => k.includes(part))?.[1];
    const dlq = byName('DeadLetterQueueNotEmpty');
    expect(dlq?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(byName('JobErrors')?.Properties).toMatchObject({ MetricName: 'Errors', Threshold: 1 });
    for (const name of ['Throttles', 'PushApi5xx', 'WebSocket5xx', 'HandlerErrors', 'OldestJobMessage', 'GatewayNoHealthyTarget']) expect(byName(name), name).toBeDefined();
    for (const a of Object.values(alarms)) expect(a.Properties.AlarmActions).toEqual([{ Ref: id('Observability/AlarmTopic/Resource') }]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('Outputs', () => {
  it('tells the wss URL, the push API URL and the gateway host and ports', () => {
    const outputs = template.findOutputs('*');
    for (const name of ['WebSocketUrl', 'PushApiUrl', 'ApiKeysSecretArn', 'JwtSecretArn', 'GatewayHost', 'GatewayTcpPort', 'GatewayWsPort']) {
      expect(outputs[name], name).toBeDefined();
    }
    expect(outputs.GatewayTcpPort?.Value).toBe('3101');
    expect(outputs.GatewayWsPort?.Value).toBe('3102');
  });
});
