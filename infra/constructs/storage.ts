import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinitions, TTL_ATTRIBUTE } from '../../shared/aws/tables.js';
import { loadConfig } from '../../shared/config.js';

export type TableName = 'sessions' | 'timelines' | 'groups' | 'ids';

/** Tables whose items expire (DynamoDB TTL on `TTL_ATTRIBUTE`; reads filter on it too). */
export const EXPIRING_TABLES: readonly TableName[] = ['sessions', 'timelines'];

export interface StorageConstructProps {
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
}

/** A table's keys as CDK wants them, from the same definitions the local runtime creates. */
export function tableKeys(name: TableName): { partitionKey: Attribute; sortKey?: Attribute } {
  const config = loadConfig({});
  const tableName = {
    sessions: config.EDGEIM_SESSIONS_TABLE,
    timelines: config.EDGEIM_TIMELINES_TABLE,
    groups: config.EDGEIM_GROUPS_TABLE,
    ids: config.EDGEIM_IDS_TABLE,
  }[name];
  const def = tableDefinitions(config).find((d) => d.TableName === tableName);
  if (!def) throw new Error(`no table definition for ${name}`);
  const attr = (role: 'HASH' | 'RANGE') => keyAttribute(def, role);
  const sortKey = attr('RANGE');
  return { partitionKey: attr('HASH') as Attribute, ...(sortKey ? { sortKey } : {}) };
}

function keyAttribute(def: CreateTableCommandInput, role: 'HASH' | 'RANGE'): Attribute | undefined {
  const key = def.KeySchema?.find((k) => k.KeyType === role);
  if (!key?.AttributeName) return undefined;
  const type = def.AttributeDefinitions?.find((a) => a.AttributeName === key.AttributeName)?.AttributeType;
  const types: Record<string, AttributeType> = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY };
  return { name: key.AttributeName, type: types[type ?? 'S'] ?? AttributeType.STRING };
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
