import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ResolvedThrottle } from '../defaults.js';

/**
 * One JSON line per request. No header, query string or body variable: the API key
 * travels in `Authorization`, and `$context.path` is the path without the query.
 */
export const PUSH_API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  sourceIp: '$context.identity.sourceIp',
  error: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
} as const;

export interface PushApiProps {
  /** The Hono app (`functions/push-api.ts`); it authenticates API keys itself. */
  readonly handler: IFunction;
  readonly throttle: ResolvedThrottle;
  readonly logRetention: RetentionDays;
}

/** The push API: an HTTP API whose every route goes to the Hono Lambda, throttled, with access logs. */
export class PushApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly url: string;

  constructor(scope: Construct, id: string, props: PushApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-push`,
      defaultIntegration: new HttpLambdaIntegration('PushApi', props.handler),
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(PUSH_API_ACCESS_LOG_FIELDS)),
      },
    });
    // The only route is `$default` (Hono routes inside): its throttle is the stage's. RouteSettings is raw CloudFormation JSON.
    (this.stage.node.defaultChild as CfnStage).routeSettings = {
      $default: { ThrottlingRateLimit: props.throttle.rateLimit, ThrottlingBurstLimit: props.throttle.burstLimit },
    };
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'The push API authenticates every request itself (Authorization: Bearer <API key held in Secrets Manager>, checked in the handler); an API Gateway authorizer would add a second Lambda call per request.' });
    this.url = this.stage.url;
  }
}
