import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.js';

/** A local stack on free ports, quiet, with fast job retries. */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ wsPort: 0, dynamoPort: 0, sqsPort: 0, logLevel: 'SILENT', visibilityTimeout: 1, ...options });
}
