import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config.js';
import { clientOptions, prepareClient, requestHandler } from './clients.js';

/** The SQS client of the job queue (keep-alive sockets, overload errors: clients.ts). */
export function createSqsClient(config: Config): SQSClient {
  return prepareClient(new SQSClient({ ...clientOptions(config, 'sqs'), requestHandler: requestHandler(config) }));
}
