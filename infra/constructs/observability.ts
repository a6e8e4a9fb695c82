import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { NetworkLoadBalancer, NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** Every Lambda handler, by name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly job: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly webSocket: { readonly api: WebSocketApi; readonly stage: WebSocketStage };
  readonly pushApi: HttpApi;
  /** @default no gateway panels or alarms */
  readonly gateway?: { readonly service: FargateService; readonly loadBalancer: NetworkLoadBalancer; readonly targetGroup: NetworkTargetGroup };
  /** @default no subscription */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Sum of one metric over several functions, as one alarmable series. */
function sumOf(label: string, metrics: IMetric[]): IMetric {
  const usingMetrics = Object.fromEntries(metrics.map((m, i) => [`m${i}`, m]));
  return new MathExpression({ expression: Object.keys(usingMetrics).join(' + '), usingMetrics, label, period: FIVE_MINUTES });
}

/**
 * The dashboard and the alarms (dead-letter queue not empty, job errors, handler errors,
 * throttles, API 5xx, old messages, no healthy gateway), all notifying one SNS topic.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Readonly<Record<string, Alarm>>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'edgeim alarms' });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const fns = Object.values(props.functions);
    const handlers = Object.values(props.functions).filter((f) => f !== props.job);
    const wsMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.webSocket.api.apiId, Stage: props.webSocket.stage.stageName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });

    const alarms: Record<string, Alarm> = {};
    const alarm = (name: string, description: string, metric: IMetric, threshold: number, operator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) => {
      const a = new Alarm(this, name, {
        alarmDescription: `edgeim: ${description}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: operator,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.alarmTopic));
      alarms[name] = a;
      return a;
    };

    alarm('DeadLetterQueueNotEmpty', 'job messages failed every retry and wait in the dead-letter queue', props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), 1);
    alarm('JobErrors', 'the fan-out job threw', props.job.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm('OldestJobMessage', 'a job message has waited more than 5 minutes', props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }), 300);
    alarm('HandlerErrors', 'a WebSocket or push API handler threw', sumOf('handler errors', handlers.map((f) => f.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }))), 5);
    alarm('Throttles', 'Lambda invocations were throttled', sumOf('throttles', fns.map((f) => f.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }))), 1);
    alarm('PushApi5xx', 'the push API answered 5xx', props.pushApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm('WebSocket5xx', 'the WebSocket API failed to run an integration', sumOf('websocket errors', [wsMetric('ExecutionError'), wsMetric('IntegrationError')]), 1);
    if (props.gateway) {
      alarm(
        'GatewayNoHealthyTarget',
        'no gateway task passes its health check',
        props.gateway.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' }),
        1,
        ComparisonOperator.LESS_THAN_THRESHOLD,
      );
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
      graph('Job', [props.job.metricInvocations(), props.job.metricErrors(), props.job.metricThrottles()], [props.job.metricDuration({ statistic: 'p99' })]),
    );
    this.dashboard.addWidgets(
      graph('Handler errors', handlers.map((f) => f.metricErrors())),
      graph('Handler duration p99', fns.map((f) => f.metricDuration({ statistic: 'p99' }))),
    );
    if (props.gateway) {
      const { service, loadBalancer, targetGroup } = props.gateway;
      this.dashboard.addWidgets(
        graph('Gateway tasks', [service.metricCpuUtilization(), service.metricMemoryUtilization()], [targetGroup.metrics.healthyHostCount()]),
        graph('Gateway connections', [loadBalancer.metrics.activeFlowCount(), loadBalancer.metrics.newFlowCount()]),
      );
    }
  }
}
