import { createServer, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/aws/dynamo-client.js';
import { createSqsClient } from '../../shared/aws/sqs-client.js';
import { ConnectionsDelivery } from '../../shared/aws/connections-delivery.js';
import { loadConfig } from '../../shared/config.js';
import { OverloadedError } from '../../shared/errors.js';

/**
 * Endpoints that accept the TCP connection and then never answer (a black-holed route,
 * a half-open keep-alive socket, a hung peer). Every call edgeim makes must end: a call
 * that hangs holds what waits on it (a gateway Auth and its admission slot, a job
 * invocation, a send's reply) for as long as the kernel keeps the socket (minutes).
 */
describe('calls to endpoints that never answer end', () => {
  const held: Socket[] = [];
  const hole = createServer((socket) => void held.push(socket));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(hole.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => hole.close(() => r()));
  });

  const delivery = () => new ConnectionsDelivery({ region: 'us-east-1', maxAttempts: 1, maxSockets: 4, timeoutMs: 300, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  it('PostToConnection (API Gateway connections) gives up after EDGEIM_DELIVERY_TIMEOUT_MS', { timeout: 10_000 }, async () => {
    await expect(delivery().post(url, 'conn-1', '{"type":"notify"}')).rejects.toBeDefined();
  });

  it('DeleteConnection (a kick) gives up after EDGEIM_DELIVERY_TIMEOUT_MS', { timeout: 10_000 }, async () => {
    await expect(delivery().disconnect(url, 'conn-1')).rejects.toBeDefined();
  });

  const config = () => loadConfig({ AWS_ENDPOINT_URL: url, EDGEIM_AWS_REQUEST_TIMEOUT_MS: '200' });

  it('a DynamoDB call gives up after EDGEIM_AWS_REQUEST_TIMEOUT_MS and is OVERLOADED (retry later), not a hang', { timeout: 15_000 }, async () => {
    const db = createDocumentClient(config());
    await expect(db.send(new GetCommand({ TableName: 'edgeim-sessions', Key: { pk: 'conn#x', sk: 'meta' } }))).rejects.toBeInstanceOf(OverloadedError);
    db.destroy();
  });

  it('an SQS call gives up after EDGEIM_AWS_REQUEST_TIMEOUT_MS and is OVERLOADED, not a hang', { timeout: 15_000 }, async () => {
    const sqs = createSqsClient(config());
    const send = sqs.send(new SendMessageCommand({ QueueUrl: `${url}/000000000000/q.fifo`, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    await expect(send).rejects.toBeInstanceOf(OverloadedError);
    sqs.destroy();
  });
});
