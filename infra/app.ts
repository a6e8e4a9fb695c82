/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`, choices as context
 * (`-c jwksUrl=https://… -c gateway=false`, see docs/DEPLOY.md).
 * Environment-agnostic (no account or region in the template), so it synthesizes offline.
 */
import { App } from 'aws-cdk-lib';
import { propsFromContext } from './context.js';
import { EdgeImStack } from './edgeim-stack.js';

const app = new App();
const { stackName, props } = propsFromContext((key) => app.node.tryGetContext(key));
new EdgeImStack(app, stackName, { ...props, description: 'edgeim: instant messaging on API Gateway, Lambda, DynamoDB, SQS and Fargate' });
app.synth();
