import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/aws/dynamo-client.js';
import { asOverloaded, isOverload } from '../../shared/aws/overload-errors.js';
import { loadConfig } from '../../shared/config.js';
import { OverloadedError, toErrorBody } from '../../shared/errors.js';

const awsError = (name: string, status: number, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('AWS overloads become OVERLOADED, not INTERNAL', () => {
  it('tells overloads (throttling, 5xx, timeouts, resets) from request errors', () => {
    expect(isOverload(awsError('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(isOverload(awsError('ThrottlingException', 400))).toBe(true);
    expect(isOverload(awsError('RequestLimitExceeded', 400))).toBe(true);
    expect(isOverload(awsError('InternalServerError', 500))).toBe(true);
    expect(isOverload(awsError('Whatever', 503))).toBe(true);
    expect(isOverload(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isOverload(awsError('TimeoutError', 0))).toBe(true);
    expect(isOverload(awsError('ConditionalCheckFailedException', 400))).toBe(false);
    expect(isOverload(awsError('ValidationException', 400))).toBe(false);
    expect(isOverload(new Error('a bug'))).toBe(false);
  });

  it('wraps an overload with a retry hint and keeps the cause; leaves other errors as they are', () => {
    const throttled = awsError('ThrottlingException', 400);
    const wrapped = asOverloaded(throttled);
    expect(wrapped).toBeInstanceOf(OverloadedError);
    expect((wrapped as OverloadedError).cause).toBe(throttled);
    expect(toErrorBody(wrapped)).toMatchObject({ code: 'OVERLOADED', retryAfterMs: expect.any(Number) });
    const conditional = awsError('ConditionalCheckFailedException', 400);
    expect(asOverloaded(conditional)).toBe(conditional);
  });

  it('a real client whose DynamoDB cannot be reached rejects with OverloadedError once the SDK has retried', async () => {
    const db = createDocumentClient(loadConfig({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9', EDGEIM_JWT_SECRET: 'x' }));
    try {
      const failure = db.send(new GetCommand({ TableName: 'edgeim-sessions', Key: { pk: 'conn#x', sk: 'meta' } }));
      await expect(failure).rejects.toBeInstanceOf(OverloadedError);
      await expect(failure).rejects.toMatchObject({ code: 'OVERLOADED', cause: { code: 'ECONNREFUSED' } });
    } finally {
      db.destroy();
    }
  });
});
