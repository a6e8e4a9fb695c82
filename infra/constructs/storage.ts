import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, TTL_ATTRIBUTE, type TableName } from '../../shared/aws/tables.js';

export type { TableName } from '../../shared/aws/tables.js';

/** Tables whose items expire (DynamoDB TTL on `TTL_ATTRIBUTE`; reads filter on it too). */
export const EXPIRING_TABLES: readonly TableName[] = (Object.keys(TABLES) as TableName[]).filter((name) => TABLES[name].expires);

export interface StorageConstructProps {
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
}

const ATTRIBUTE_TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER } as const;

/** A table's keys as CDK wants them, from the same shapes the local runtime creates (shared/aws/tables.ts). */
export function tableKeys(name: TableName): { partitionKey: Attribute; sortKey?: Attribute } {
  const sk = TABLES[name].sortKey;
  return { partitionKey: { name: 'pk', type: AttributeType.STRING }, ...(sk ? { sortKey: { name: 'sk', type: ATTRIBUTE_TYPES[sk] } } : {}) };
}

/** The four DynamoDB tables: on demand, PITR, TTL where items expire. */
export class Storage extends Construct {
  readonly tables: Readonly<Record<TableName, Table>>;

  constructor(scope: Construct, id: string, props: StorageConstructProps) {
    super(scope, id);
    const table = (name: TableName) =>
      new Table(this, name[0]!.toUpperCase() + name.slice(1), {
        ...tableKeys(name),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
        ...(EXPIRING_TABLES.includes(name) ? { timeToLiveAttribute: TTL_ATTRIBUTE } : {}),
      });
    this.tables = { sessions: table('sessions'), timelines: table('timelines'), groups: table('groups'), ids: table('ids') };
  }
}
