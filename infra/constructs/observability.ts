import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { NetworkLoadBalancer, NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** Every Lambda handler, by name, with its reserved concurrency if any. */
  readonly functions: Readonly<Record<string, { readonly fn: IFunction; readonly reservedConcurrency?: number; readonly logGroup: ILogGroup }>>;
  readonly job: { readonly fn: IFunction; readonly maxConcurrency: number };
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly tables: Readonly<Record<string, ITable>>;
  readonly webSocket: { readonly api: WebSocketApi; readonly stage: WebSocketStage };
  readonly pushApi: HttpApi;
  /** @default no gateway panels or alarms */
  readonly gateway?: {
    readonly service: FargateService;
    readonly loadBalancer: NetworkLoadBalancer;
    readonly targetGroups: readonly NetworkTargetGroup[];
    /** Open connections per task (average). */
    readonly connections: IMetric;
    readonly connectionsPerTask: number;
  };
  /** Namespace of edgeim's own metrics (`LimitExceeded`). */
  readonly namespace: string;
  readonly alarms: { readonly topicArn?: string; readonly email?: string; readonly accountConcurrencyLimit: number };
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
/** AWS errors that mean "a quota or rate limit was hit", counted from the handlers' logs. */
export const LIMIT_ERRORS = ['LimitExceededException', 'TooManyRequestsException', 'ThrottlingException', 'ProvisionedThroughputExceededException'] as const;
/** DynamoDB operations the stores call (SystemErrors is per operation). */
const TABLE_OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem', 'BatchGetItem'];

/** Sum of several metrics as one alarmable series (at most 10: CloudWatch's limit per alarm). */
function sumOf(label: string, metrics: IMetric[], period = FIVE_MINUTES): IMetric {
  const usingMetrics = Object.fromEntries(metrics.map((m, i) => [`m${i}`, m]));
  return new MathExpression({ expression: Object.keys(usingMetrics).join(' + '), usingMetrics, label, period });
}

/** `100 × part / whole` in percent, 0 when nothing happened. */
function percentOf(label: string, part: IMetric, whole: IMetric): IMetric {
  return new MathExpression({ expression: 'IF(whole > 0, 100 * part / whole, 0)', usingMetrics: { part, whole }, label, period: FIVE_MINUTES });
}

/**
 * What breaks first, as alarms on one SNS topic (yours or a new one) and one dashboard:
 * the job (dead-letter queue, oldest message, errors, concurrency at its maximum),
 * Lambda (errors, throttles, account concurrency near its limit, reserved concurrency
 * used up), API Gateway (4xx share, 5xx, limits hit), DynamoDB (throttles, system
 * errors per table) and the gateway (CPU, memory, connections per task, unhealthy and
 * no healthy targets). docs/DEPLOY.md, "Alarms", says what each means and what to do.
 */
export class Observability extends Construct {
  readonly alarmTopic: ITopic;
  readonly alarms: Readonly<Record<string, Alarm>>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    if (props.alarms.topicArn) {
      this.alarmTopic = Topic.fromTopicArn(this, 'AlarmTopic', props.alarms.topicArn);
    } else {
      const topic = new Topic(this, 'AlarmTopic', { displayName: 'edgeim alarms', enforceSSL: true });
      Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and the notifications name metrics only (no user data).' });
      if (props.alarms.email) topic.addSubscription(new EmailSubscription(props.alarms.email));
      this.alarmTopic = topic;
    }
    const action = new SnsAction(this.alarmTopic);

    const fns = Object.values(props.functions).map((f) => f.fn);
    const handlers = fns.filter((f) => f !== props.job.fn);
    const wsMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: props.webSocket.api.apiId, Stage: props.webSocket.stage.stageName }, statistic, period: FIVE_MINUTES });
    const lambdaConcurrency = (fn?: IFunction) =>
      new Metric({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', statistic: 'Maximum', period: ONE_MINUTE, ...(fn ? { dimensionsMap: { FunctionName: fn.functionName } } : {}) });

    const alarms: Record<string, Alarm> = {};
    const alarm = (name: string, description: string, metric: IMetric, threshold: number, options: { operator?: ComparisonOperator; periods?: number } = {}) => {
      const a = new Alarm(this, name, {
        alarmDescription: `edgeim: ${description}`,
        metric,
        threshold,
        evaluationPeriods: options.periods ?? 1,
        comparisonOperator: options.operator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      alarms[name] = a;
      return a;
    };

    // The job.
    alarm('DeadLetterQueueNotEmpty', 'job messages failed every retry and wait in the dead-letter queue', props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }), 1);
    alarm('OldestJobMessage', 'a job message has waited more than 5 minutes', props.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' }), 300);
    alarm('JobErrors', 'the fan-out job threw', props.job.fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm('JobAtMaxConcurrency', `the job ran at 90 % of its event source's maximum concurrency (${props.job.maxConcurrency}) for 15 minutes: raise jobMaxConcurrency`, lambdaConcurrency(props.job.fn), Math.floor(props.job.maxConcurrency * 0.9), { periods: 15 });

    // Lambda.
    alarm('HandlerErrors', 'a WebSocket or push API handler threw', sumOf('handler errors', handlers.map((f) => f.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }))), 5);
    alarm('Throttles', 'Lambda invocations were throttled', sumOf('throttles', fns.map((f) => f.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }))), 1);
    const accountLimit = props.alarms.accountConcurrencyLimit;
    alarm('AccountConcurrency', `Lambda concurrency in this region reached 80 % of the account limit (${accountLimit})`, lambdaConcurrency(), Math.floor(accountLimit * 0.8));
    for (const [name, f] of Object.entries(props.functions)) {
      if (f.reservedConcurrency) alarm(`${pascal(name)}ReservedConcurrency`, `${name} used 90 % of its reserved concurrency (${f.reservedConcurrency})`, lambdaConcurrency(f.fn), Math.ceil(f.reservedConcurrency * 0.9), { periods: 5 });
    }

    // API Gateway.
    alarm('WebSocket5xx', 'the WebSocket API failed to run an integration', sumOf('websocket errors', [wsMetric('ExecutionError'), wsMetric('IntegrationError')]), 1);
    alarm('WebSocket4xx', 'over 10 % of WebSocket API requests were refused (4xx: bad tokens, throttling)', percentOf('websocket 4xx %', wsMetric('ClientError'), sumOf('requests', [wsMetric('ConnectCount'), wsMetric('MessageCount')])), 10, { periods: 3 });
    alarm('PushApi5xx', 'the push API answered 5xx', props.pushApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm('PushApi4xx', 'over 10 % of push API requests were refused (4xx: bad keys, throttling)', percentOf('push 4xx %', props.pushApi.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }), props.pushApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' })), 10, { periods: 3 });
    for (const [name, f] of Object.entries(props.functions)) {
      new MetricFilter(this, `${pascal(name)}LimitExceeded`, {
        logGroup: f.logGroup,
        filterPattern: FilterPattern.anyTerm(...LIMIT_ERRORS),
        metricNamespace: props.namespace,
        metricName: 'LimitExceeded',
        metricValue: '1',
      });
    }
    const limitExceeded = new Metric({ namespace: props.namespace, metricName: 'LimitExceeded', statistic: 'Sum', period: FIVE_MINUTES });
    alarm('LimitExceeded', `an AWS quota or rate limit was hit (${LIMIT_ERRORS.join(', ')} in a handler's log)`, limitExceeded, 1);

    // DynamoDB.
    for (const [name, table] of Object.entries(props.tables)) {
      const t = pascal(name);
      alarm(`${t}Throttles`, `DynamoDB throttled requests on the ${name} table`, sumOf(`${name} throttles`, [table.metric('ReadThrottleEvents', { statistic: 'Sum' }), table.metric('WriteThrottleEvents', { statistic: 'Sum' })]), 1);
      alarm(`${t}SystemErrors`, `DynamoDB answered 5xx on the ${name} table`, table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS as never, period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    }

    // The gateway.
    const gw = props.gateway;
    if (gw) {
      alarm('GatewayCpu', 'gateway tasks averaged over 80 % CPU for 10 minutes', gw.service.metricCpuUtilization({ period: FIVE_MINUTES }), 80, { periods: 2 });
      alarm('GatewayMemory', 'gateway tasks averaged over 80 % memory for 10 minutes', gw.service.metricMemoryUtilization({ period: FIVE_MINUTES }), 80, { periods: 2 });
      alarm('GatewayConnections', `gateway tasks held over 120 % of their target of ${gw.connectionsPerTask} connections for 15 minutes (at the maximum task count?)`, gw.connections, Math.ceil(gw.connectionsPerTask * 1.2), { periods: 15 });
      alarm('GatewayUnhealthyTargets', 'a gateway task failed its health check', sumOf('unhealthy targets', gw.targetGroups.map((tg) => tg.metrics.unHealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' })), ONE_MINUTE), 1, { periods: 3 });
      alarm('GatewayNoHealthyTarget', 'no gateway task passes its health check', gw.targetGroups[0]!.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }), 1, { operator: ComparisonOperator.LESS_THAN_THRESHOLD });
    }
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-edgeim` });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 12 });
    this.dashboard.addWidgets(
      graph('WebSocket API', [wsMetric('ConnectCount'), wsMetric('MessageCount')], [wsMetric('ClientError'), wsMetric('ExecutionError'), wsMetric('IntegrationError')]),
      graph('Push API', [props.pushApi.metricCount({ period: FIVE_MINUTES })], [props.pushApi.metricServerError({ period: FIVE_MINUTES }), props.pushApi.metricClientError({ period: FIVE_MINUTES })]),
    );
    this.dashboard.addWidgets(
      graph('Job queue', [props.queue.metricApproximateNumberOfMessagesVisible(), props.deadLetterQueue.metricApproximateNumberOfMessagesVisible()], [props.queue.metricApproximateAgeOfOldestMessage()]),
      graph('Job', [props.job.fn.metricInvocations(), props.job.fn.metricErrors(), props.job.fn.metricThrottles()], [props.job.fn.metricDuration({ statistic: 'p99' }), lambdaConcurrency(props.job.fn)]),
    );
    this.dashboard.addWidgets(
      graph('Lambda concurrency (account) and limits hit', [lambdaConcurrency()], [limitExceeded]),
      graph('Handler errors and throttles', handlers.map((f) => f.metricErrors()), fns.map((f) => f.metricThrottles())),
    );
    this.dashboard.addWidgets(
      graph('DynamoDB throttles', Object.values(props.tables).flatMap((t) => [t.metric('ReadThrottleEvents', { statistic: 'Sum' }), t.metric('WriteThrottleEvents', { statistic: 'Sum' })])),
      graph('Handler duration p99', fns.map((f) => f.metricDuration({ statistic: 'p99' }))),
    );
    if (gw) {
      this.dashboard.addWidgets(
        graph('Gateway tasks', [gw.service.metricCpuUtilization(), gw.service.metricMemoryUtilization()], gw.targetGroups.flatMap((tg) => [tg.metrics.healthyHostCount(), tg.metrics.unHealthyHostCount()])),
        graph('Gateway connections', [gw.connections], [gw.loadBalancer.metrics.activeFlowCount(), gw.loadBalancer.metrics.newFlowCount()]),
      );
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
