import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { clientOptions, prepareClient, requestHandler } from './clients.js';

/** The DynamoDB document client all stores use (keep-alive sockets, overload errors: clients.ts). */
export function createDocumentClient(
  config: Config,
  client = new DynamoDBClient({ ...clientOptions(config, 'dynamodb'), requestHandler: requestHandler(config) }),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(prepareClient(client), {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: false },
  });
}
