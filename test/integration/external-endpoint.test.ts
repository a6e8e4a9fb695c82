import { createServer, request, type Server } from 'node:http';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsServer } from '../../local/sqs/sqs-server.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../helpers/local-stack.js';
import { TestClient } from '../helpers/ws-client.js';

const portOf = (s: Server) => (s.address() as { port: number }).port;

/**
 * One endpoint for DynamoDB and SQS, as LocalStack offers: requests are routed by their
 * X-Amz-Target to a dynalite and a local SQS server that the local stack itself does not start.
 */
async function startSingleEndpoint() {
  const db = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => db.listen(0, '127.0.0.1', r));
  const sqs = await startSqsServer({ port: 0 });
  const seen = { dynamodb: 0, sqs: 0 };
  const front = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const isSqs = target.startsWith('AmazonSQS');
    seen[isSqs ? 'sqs' : 'dynamodb']++;
    const upstream = request(
      { host: '127.0.0.1', port: isSqs ? sqs.port : portOf(db), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy()); // the upstream closed (shutdown) under a pending long poll
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${portOf(front)}`,
    seen,
    close: async () => {
      front.closeAllConnections();
      await sqs.close();
      for (const s of [front, db]) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

describe('AWS_ENDPOINT_URL (e.g. LocalStack)', () => {
  let endpoint: Awaited<ReturnType<typeof startSingleEndpoint>>;
  let stack: LocalStack;

  beforeAll(async () => {
    endpoint = await startSingleEndpoint();
    stack = await startTestStack({ env: { AWS_ENDPOINT_URL: endpoint.url } });
  });
  afterAll(async () => {
    await stack.close();
    await endpoint.close();
  });

  it('uses that DynamoDB and SQS instead of the embedded ones', async () => {
    expect(stack.config.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    const [ada, bo] = [await TestClient.connect(stack.wsUrl, 'ada'), await TestClient.connect(stack.wsUrl, 'bo')];
    const { msgId } = await ada.call('send', { to: { user: 'bo' }, cmid: 'ext-1', body: 'via one endpoint' });
    const [frame] = await bo.messages(1);
    expect(frame!.message.id).toBe(msgId);
    expect(endpoint.seen.dynamodb).toBeGreaterThan(5);
    expect(endpoint.seen.sqs).toBeGreaterThan(2);
    await Promise.all([ada.close(), bo.close()]);
  });
});
