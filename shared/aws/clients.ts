import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config.js';

/** Called with every AWS SDK client edgeim builds, e.g. to add middleware that counts calls. */
export type ClientHook = (client: { middlewareStack: { add: (...args: any[]) => void } }) => void;

type EndpointConfig = Pick<Config, 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'AWS_ENDPOINT_URL_DYNAMODB' | 'AWS_ENDPOINT_URL_SQS'>;

/** The endpoint override for one service, if any (service-specific first, then AWS_ENDPOINT_URL). */
export function endpointFor(config: EndpointConfig, service: 'dynamodb' | 'sqs'): string | undefined {
  return (service === 'dynamodb' ? config.AWS_ENDPOINT_URL_DYNAMODB : config.AWS_ENDPOINT_URL_SQS) ?? config.AWS_ENDPOINT_URL;
}

/** Options for one service's client: region, and a local endpoint with dummy credentials when one is set. */
export function clientOptions(config: EndpointConfig, service: 'dynamodb' | 'sqs') {
  const local = endpointFor(config, service);
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return {
    region: config.AWS_REGION,
    ...(local ? { endpoint: local } : {}),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}

/** The DynamoDB document client all stores use. */
export function createDocumentClient(config: Config, client = new DynamoDBClient(clientOptions(config, 'dynamodb'))): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function createSqsClient(config: Config): SQSClient {
  return new SQSClient(clientOptions(config, 'sqs'));
}
