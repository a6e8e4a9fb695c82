import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config.js';
import { asOverloaded } from './overload-errors.js';

/** Called with every AWS SDK client edgeim builds, e.g. to add middleware that counts calls. */
export type ClientHook = (client: { middlewareStack: { add: (...args: any[]) => void } }) => void;

type EndpointConfig = Pick<Config, 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'AWS_ENDPOINT_URL_DYNAMODB' | 'AWS_ENDPOINT_URL_SQS'>;
type PoolConfig = Pick<Config, 'EDGEIM_AWS_MAX_SOCKETS'> & Partial<Pick<Config, 'EDGEIM_AWS_REQUEST_TIMEOUT_MS'>>;

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

/**
 * The HTTP handler of a service client: keep-alive sockets, at most `EDGEIM_AWS_MAX_SOCKETS`
 * per client (the SDK's default of 50 queues requests behind each other under a connect
 * storm). Requests beyond the pool wait for a socket; the warning about that waits 5 s.
 * Every attempt ends within `EDGEIM_AWS_REQUEST_TIMEOUT_MS` (the SDK sets no limit: a
 * black-holed route or a half-open socket would hang the call for minutes); it then fails
 * as a timeout, which the SDK retries and edgeim reports as OVERLOADED.
 */
export function requestHandler(config: PoolConfig): NodeHttpHandler {
  const agent = { keepAlive: true, maxSockets: config.EDGEIM_AWS_MAX_SOCKETS };
  const timeout = config.EDGEIM_AWS_REQUEST_TIMEOUT_MS ?? 10_000;
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agent),
    httpsAgent: new HttpsAgent(agent),
    socketAcquisitionWarningTimeout: 5000,
    connectionTimeout: timeout,
    requestTimeout: timeout,
    throwOnRequestTimeout: true,
  });
}

type AnyClient = DynamoDBClient | SQSClient;

/**
 * What every service client gets:
 * - errors that mean "the service is overloaded or unreachable" (throttling, 5xx, timeouts,
 *   resets), once the SDK's own retries are spent, become `OverloadedError` with a retry
 *   hint, so a request answers OVERLOADED instead of INTERNAL (see overload-errors.ts);
 * - the SDK's logger middleware is dropped: edgeim gives the SDK no logger, yet the
 *   middleware filters every request and response for one (measurable CPU per call).
 */
export function prepareClient<T extends AnyClient>(client: T): T {
  const stack = client.middlewareStack as unknown as MiddlewareStack;
  stack.remove('loggerMiddleware');
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw asOverloaded(err);
      }
    },
    { step: 'initialize', priority: 'high', name: 'edgeimOverloadErrors', override: true },
  );
  return client;
}

/** The part of the SDK's middleware stack used here (its own types are per client). */
interface MiddlewareStack {
  remove(name: string): boolean;
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; priority: 'high'; name: string; override: boolean },
  ): void;
}
