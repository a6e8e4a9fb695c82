import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnApi,
  CfnIntegrationResponse,
  CfnStage,
  LogGroupLogDestination,
  WebSocketApi as ApiGatewayWebSocketApi,
  WebSocketStage,
  type WebSocketIntegration,
  type WebSocketRoute,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration, WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ResolvedThrottle } from '../defaults.js';

/** Clients choose a route with `{"action": …}`; anything else goes to `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
/** Browsers pass the JWT on the URL: `wss://…/prod?token=…`. */
export const TOKEN_IDENTITY_SOURCE = 'route.request.querystring.token';
/** The keep-alive route: answered by API Gateway itself (no Lambda, no DynamoDB). */
export const PING_ROUTE = 'ping';
/**
 * What `{"action":"ping"}` gets back: `{"type":"pong","time":<epoch ms>}`, the time the
 * request reached API Gateway (`$context.requestTimeEpoch`, a number in the template).
 */
export const PONG_TEMPLATE = '{"type":"pong","time":$context.requestTimeEpoch}';

/**
 * One JSON line per connect, message and disconnect. Deliberately no variable that can
 * carry the `?token=` query string or any other credential: WebSocket access logs have
 * no query-string variable, `$context.authorizer.principalId` is the uid (never the
 * token), and execution logging stays off (it would log the request).
 */
export const WEBSOCKET_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  status: '$context.status',
  sourceIp: '$context.identity.sourceIp',
  uid: '$context.authorizer.principalId',
  authorizeStatus: '$context.authorize.status',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  error: '$context.error.message',
  errorType: '$context.error.responseType',
} as const;

export interface WebSocketApiProps {
  readonly stageName: string;
  /** Every route of the stage. */
  readonly throttle: ResolvedThrottle;
  /** `$connect`: new connections. */
  readonly connectThrottle: ResolvedThrottle;
  readonly logRetention: RetentionDays;
}

/** The handlers behind the routes. */
export interface WebSocketHandlers {
  readonly authorizer: IFunction;
  readonly connect: IFunction;
  readonly disconnect: IFunction;
  readonly default: IFunction;
  readonly heartbeat: IFunction;
}

/**
 * The API Gateway WebSocket API: `$connect` behind a REQUEST authorizer on `?token=`,
 * `$disconnect`, `$default` and `heartbeat` (Lambda, answering through the route
 * response), and `ping` answered by a MOCK integration. Stage throttling (and tighter on
 * `$connect`), JSON access logs without credentials. Created first (its endpoint is a
 * setting of the handlers), routed second.
 */
export class WebSocketApi extends Construct {
  readonly api: ApiGatewayWebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs: LogGroup;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: where `@connections` is served. */
  readonly managementEndpoint: string;
  /** `wss://…/{stage}`: what clients connect to. */
  readonly url: string;
  /** This API's `@connections` resources in this stage, and nothing else. */
  readonly connectionsArn: string;
  readonly routes: Partial<Record<string, WebSocketRoute>> = {};

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    this.api = new ApiGatewayWebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-ws`,
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(WEBSOCKET_ACCESS_LOG_FIELDS)),
      },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.defaultRouteSettings = {
      throttlingRateLimit: props.throttle.rateLimit,
      throttlingBurstLimit: props.throttle.burstLimit,
      loggingLevel: 'OFF',
      dataTraceEnabled: false,
      detailedMetricsEnabled: false,
    };
    // RouteSettings is raw CloudFormation JSON (PascalCase keys), one entry per route key.
    cfnStage.routeSettings = {
      $connect: { ThrottlingRateLimit: props.connectThrottle.rateLimit, ThrottlingBurstLimit: props.connectThrottle.burstLimit, LoggingLevel: 'OFF', DataTraceEnabled: false },
    };
    this.managementEndpoint = `https://${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${props.stageName}`;
    this.url = this.stage.url;
    this.connectionsArn = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${props.stageName}/*/@connections/*`,
    });
  }

  /** Wires every route to its handler, and `ping` to the MOCK integration. */
  route(handlers: WebSocketHandlers): void {
    const integration = (name: string, fn: IFunction) => new WebSocketLambdaIntegration(`${name}Integration`, fn);
    this.routes.$connect = this.api.addRoute('$connect', {
      integration: integration('Connect', handlers.connect),
      authorizer: new WebSocketLambdaAuthorizer('TokenAuthorizer', handlers.authorizer, { identitySource: [TOKEN_IDENTITY_SOURCE] }),
    });
    this.routes.$disconnect = this.api.addRoute('$disconnect', { integration: integration('Disconnect', handlers.disconnect) });
    this.routes.$default = this.api.addRoute('$default', { integration: integration('Default', handlers.default), returnResponse: true });
    this.routes.heartbeat = this.api.addRoute('heartbeat', { integration: integration('Heartbeat', handlers.heartbeat), returnResponse: true });
    this.routes.ping = this.addPingRoute();
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'A WebSocket API authorizes once, at $connect (the REQUEST authorizer verifies the JWT); every other route runs on a connection authenticated there, and API Gateway allows an authorizer on $connect only.',
    });
  }

  /**
   * `{"action":"ping"}` → `{"type":"pong","time":…}` from API Gateway alone. A MOCK
   * integration answers with the status its request template names; its integration
   * response (key `$default`) maps that to the pong template; the route response (only
   * `$default` exists for WebSocket APIs) sends it back on the connection. Costs two
   * API Gateway messages, no Lambda invocation, no DynamoDB call (docs/DEPLOY.md, "Keep-alive").
   */
  private addPingRoute(): WebSocketRoute {
    const mock = new WebSocketMockIntegration('PingIntegration', {
      requestTemplates: { $default: '{"statusCode": 200}' },
      templateSelectionExpression: '\\$default',
    });
    const route = this.api.addRoute(PING_ROUTE, { integration: mock, returnResponse: true });
    // The route binds the integration under itself (`WebSocketRouteIntegration._bindToRoute`).
    const integration = route.node.findChild('PingIntegration') as WebSocketIntegration;
    new CfnIntegrationResponse(this, 'PingResponse', {
      apiId: this.api.apiId,
      integrationId: integration.integrationId,
      integrationResponseKey: '$default',
      templateSelectionExpression: '\\$default',
      responseTemplates: { $default: PONG_TEMPLATE },
    });
    return route;
  }

  /** Lets `grantee` post to, read and close this API's connections (and no other API's). */
  grantManageConnections(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['execute-api:ManageConnections'], resources: [this.connectionsArn] }),
    );
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnApi)}>/${this.stage.stageName}/*/@connections/*]`,
      reason: 'Connection ids exist only at run time: the grant names this API and this stage, and the wildcard covers their connections only.',
    });
  }
}
