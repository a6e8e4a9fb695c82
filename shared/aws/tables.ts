import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';

/** The attribute DynamoDB's TTL deletes on (epoch seconds); every read also filters on it. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** A filter (or condition) that keeps items not yet expired at `:now` (epoch seconds). */
export const NOT_EXPIRED = `${TTL_ATTRIBUTE} > :now`;

/** True when an item read back has expired at `nowMs` (DynamoDB's TTL deletes late: reads check). */
export const isExpired = (item: Record<string, unknown>, nowMs: number): boolean => (item[TTL_ATTRIBUTE] as number) * 1000 <= nowMs;

/** Key schemas of edgeim's four tables (the CDK stack declares the same). */
export function tableDefinitions(config: Config): CreateTableCommandInput[] {
  const table = (TableName: string, sk?: 'S' | 'N'): CreateTableCommandInput => ({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sk ? [{ AttributeName: 'sk', AttributeType: sk }] : [])],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
  });
  return [
    table(config.EDGEIM_SESSIONS_TABLE, 'S'),
    table(config.EDGEIM_TIMELINES_TABLE, 'N'),
    table(config.EDGEIM_GROUPS_TABLE, 'S'),
    table(config.EDGEIM_IDS_TABLE),
  ];
}
