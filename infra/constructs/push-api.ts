import { Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface PushApiProps {
  /** The Hono app (`functions/push-api.ts`); it authenticates API keys itself. */
  readonly handler: IFunction;
}

/** The push API: an HTTP API whose every route goes to the Hono Lambda. */
export class PushApi extends Construct {
  readonly api: HttpApi;
  readonly url: string;

  constructor(scope: Construct, id: string, props: PushApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-push`,
      defaultIntegration: new HttpLambdaIntegration('PushApi', props.handler),
    });
    this.url = this.api.apiEndpoint;
  }
}
