import { Aws, Stack } from 'aws-cdk-lib';
import { WebSocketApi as ApiGatewayWebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Clients choose a route with `{"action": …}`; anything else goes to `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
/** Browsers pass the JWT on the URL: `wss://…/prod?token=…`. */
export const TOKEN_IDENTITY_SOURCE = 'route.request.querystring.token';

export interface WebSocketApiProps {
  readonly stageName: string;
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
 * `$disconnect`, `$default` and `heartbeat`, the last two answering through the route
 * response. Created first (its endpoint is a setting of the handlers), routed second.
 */
export class WebSocketApi extends Construct {
  readonly api: ApiGatewayWebSocketApi;
  readonly stage: WebSocketStage;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: where `@connections` is served. */
  readonly managementEndpoint: string;
  /** `wss://…/{stage}`: what clients connect to. */
  readonly url: string;
  /** This API's `@connections` resources in this stage, and nothing else. */
  readonly connectionsArn: string;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    this.api = new ApiGatewayWebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-ws`,
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.stage = new WebSocketStage(this, 'Stage', { webSocketApi: this.api, stageName: props.stageName, autoDeploy: true });
    this.managementEndpoint = `https://${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${props.stageName}`;
    this.url = this.stage.url;
    this.connectionsArn = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${props.stageName}/*/@connections/*`,
    });
  }

  /** Wires every route to its handler. */
  route(handlers: WebSocketHandlers): void {
    const integration = (name: string, fn: IFunction) => new WebSocketLambdaIntegration(`${name}Integration`, fn);
    this.api.addRoute('$connect', {
      integration: integration('Connect', handlers.connect),
      authorizer: new WebSocketLambdaAuthorizer('TokenAuthorizer', handlers.authorizer, { identitySource: [TOKEN_IDENTITY_SOURCE] }),
    });
    this.api.addRoute('$disconnect', { integration: integration('Disconnect', handlers.disconnect) });
    this.api.addRoute('$default', { integration: integration('Default', handlers.default), returnResponse: true });
    this.api.addRoute('heartbeat', { integration: integration('Heartbeat', handlers.heartbeat), returnResponse: true });
  }

  /** Lets `grantee` post to, read and close this API's connections (and no other API's). */
  grantManageConnections(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['execute-api:ManageConnections'], resources: [this.connectionsArn] }),
    );
  }
}
