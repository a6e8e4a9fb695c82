import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';

/** The attribute DynamoDB's TTL deletes on (epoch seconds); every read also filters on it. */
export const TTL_ATTRIBUTE = 'expiresAt';

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
