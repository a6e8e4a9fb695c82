import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';

/** The attribute DynamoDB's TTL deletes on (epoch seconds); every read also filters on it. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** A filter (or condition) that keeps items not yet expired at `:now` (epoch seconds). */
export const NOT_EXPIRED = `${TTL_ATTRIBUTE} > :now`;

/** True when an item read back has expired at `nowMs` (DynamoDB's TTL deletes late: reads check). */
export const isExpired = (item: Record<string, unknown>, nowMs: number): boolean => (item[TTL_ATTRIBUTE] as number) * 1000 <= nowMs;

/** edgeim's tables by logical name (each deployment names them: `EDGEIM_<NAME>_TABLE`). */
export type TableName = 'sessions' | 'timelines' | 'groups' | 'ids';

/** One table's shape: a string partition key `pk`, a sort key `sk` of this type (if any), and whether its items expire (TTL_ATTRIBUTE). */
export interface TableShape {
  readonly sortKey?: 'S' | 'N';
  readonly expires: boolean;
}

/** Every table's shape, by logical name: what the CDK stack declares and the local runtime creates. */
export const TABLES: Readonly<Record<TableName, TableShape>> = {
  sessions: { sortKey: 'S', expires: true },
  timelines: { sortKey: 'N', expires: true },
  groups: { sortKey: 'S', expires: false },
  ids: { expires: false },
};

/** The table names a configuration gives, by logical name. */
export function tableNames(config: Pick<Config, 'EDGEIM_SESSIONS_TABLE' | 'EDGEIM_TIMELINES_TABLE' | 'EDGEIM_GROUPS_TABLE' | 'EDGEIM_IDS_TABLE'>): Record<TableName, string> {
  return { sessions: config.EDGEIM_SESSIONS_TABLE, timelines: config.EDGEIM_TIMELINES_TABLE, groups: config.EDGEIM_GROUPS_TABLE, ids: config.EDGEIM_IDS_TABLE };
}

/** CreateTable input for table `name` (on demand) under the name `TableName`. */
export function tableDefinition(name: TableName, TableName: string): CreateTableCommandInput {
  const sk = TABLES[name].sortKey;
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sk ? [{ AttributeName: 'sk', AttributeType: sk }] : [])],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
  };
}

/** CreateTable inputs of edgeim's four tables under the names a configuration gives (local runtime, tests). */
export function tableDefinitions(config: Config): CreateTableCommandInput[] {
  const names = tableNames(config);
  return (Object.keys(TABLES) as TableName[]).map((name) => tableDefinition(name, names[name]));
}
