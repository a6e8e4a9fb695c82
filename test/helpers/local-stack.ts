import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.js';
import { TestClient } from './ws-client.js';

/** A local stack on free ports, quiet, with fast job retries (and a close that drains for at most 10 s). */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ wsPort: 0, pushPort: 0, dynamoPort: 0, sqsPort: 0, gatewayTcpPort: 0, gatewayWsPort: 0, gatewayHttpPort: 0, logLevel: 'SILENT', visibilityTimeout: 1, drainTimeoutMs: 10_000, ...options });
}

/**
 * One local stack for a test file: started before its tests, closed after them along
 * with every client `connect` opened.
 */
export function useTestStack(options: LocalStackOptions = {}) {
  let stack: LocalStack | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    stack = await startTestStack(options);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack?.close();
  });
  return {
    get stack(): LocalStack {
      if (!stack) throw new Error('the test stack is not started yet');
      return stack;
    },
    /** A WebSocket-API client for `uid`, closed after the file's tests. */
    async connect(uid: string, query: Record<string, string> = {}): Promise<TestClient> {
      const client = await TestClient.connect(this.stack.wsUrl, uid, query);
      clients.push(client);
      return client;
    },
  };
}
