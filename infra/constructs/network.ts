import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  SubnetType,
  Vpc,
  type InterfaceVpcEndpoint,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AZ_COUNT } from '../defaults.js';

export interface NetworkConstructProps {
  /** 1 (cheap) up to one per AZ. */
  readonly natGateways: number;
  /** SQS and Secrets Manager interface endpoints. */
  readonly interfaceEndpoints: boolean;
  readonly logRetention: RetentionDays;
}

/**
 * The VPC of the gateway tasks, the job and the push API: public subnets for the NAT
 * gateways and the NLB, private subnets with egress for everything else, in 2 AZs.
 * DynamoDB always goes through its gateway endpoint (free); SQS and Secrets Manager
 * through interface endpoints when asked, so the job's store and queue traffic does not
 * pay NAT. Rejected traffic is logged (VPC flow logs).
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly endpoints: { readonly sqs?: InterfaceVpcEndpoint; readonly secretsManager?: InterfaceVpcEndpoint };

  constructor(scope: Construct, id: string, props: NetworkConstructProps) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: AZ_COUNT,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 20 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
      flowLogs: { Rejected: { trafficType: FlowLogTrafficType.REJECT, destination: FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
    if (props.interfaceEndpoints) {
      // Private DNS: the SDK's default endpoints resolve to these inside the VPC; the
      // endpoints admit HTTPS from the VPC only.
      const endpoint = (name: string, service: InterfaceVpcEndpointAwsService) =>
        this.vpc.addInterfaceEndpoint(name, { service, privateDnsEnabled: true, subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } });
      this.endpoints = { sqs: endpoint('Sqs', InterfaceVpcEndpointAwsService.SQS), secretsManager: endpoint('SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER) };
      for (const e of Object.values(this.endpoints)) {
        Validations.of(e).acknowledge({
          id: 'AwsSolutions-EC23',
          reason: 'The endpoint admits HTTPS from this VPC\'s own CIDR block only (a reference the rule cannot evaluate), not from 0.0.0.0/0.',
        });
      }
    } else {
      this.endpoints = {};
    }
  }
}
