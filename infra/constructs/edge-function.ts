import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import path from 'node:path';
import { BUNDLE_OPTIONS, handlerEntry, REPO_ROOT, type HandlerName } from '../bundling.js';

export interface EdgeFunctionProps {
  /** Which file of `functions/` runs. */
  readonly handler: HandlerName;
  /** Settings from `edgeimEnvironment` (and nothing else). */
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Runs in this VPC's private subnets. @default not in a VPC */
  readonly vpc?: IVpc;
  /** @default none (only with `vpc`) */
  readonly securityGroups?: ISecurityGroup[];
  /** Reserved concurrency. @default none: the account's unreserved pool */
  readonly reservedConcurrency?: number;
}

/** Bundling of every handler: local esbuild (never Docker), ESM with a `require` banner. */
export function bundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: BUNDLE_OPTIONS.target,
    minify: BUNDLE_OPTIONS.minify,
    sourceMap: BUNDLE_OPTIONS.sourcemap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: BUNDLE_OPTIONS.banner.js,
    externalModules: [...BUNDLE_OPTIONS.external],
    forceDockerBundling: false,
  };
}

/** One edgeim Lambda handler: nodejs22.x on arm64, bundled locally, with its own log group. */
export class EdgeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: EdgeFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handler),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: bundlingOptions(),
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } } : {}),
      ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS-maintained policy for writing the function\'s own logs; every other permission is a grant scoped to one resource.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'The AWS-maintained policy Lambda needs to attach its network interfaces in the VPC (the job and the push API run beside the gateway tasks).',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'nodejs22.x is the runtime the project tests (bundles target node20 and run on 20 and 22); moving to a newer runtime is a deliberate, tested change, not an automatic one.',
      },
    );
  }
}
