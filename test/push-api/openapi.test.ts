import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createPushApi } from '../../shared/push-api/app.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

describe('OpenAPI document', () => {
  const t = useTestStack();

  it('validates as OpenAPI 3.1 with a real validator', async () => {
    const res = await new PushApiClient(t.stack.pushUrl, null).get('/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every /v1 route the app serves, and nothing it does not', async () => {
    const doc = (await new PushApiClient(t.stack.pushUrl, null).get('/openapi.json')).body;
    const api = createPushApi({ deps: () => Promise.reject(new Error('not needed to list routes')) });
    const served = api.routes
      .filter((r) => r.path.startsWith('/v1/') && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThanOrEqual(12);
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
    for (const ops of Object.values(doc.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(ops)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429', '500']));
    }
  });

  it('serves a human-readable reference page listing the routes', async () => {
    const res = await fetch(`${t.stack.pushUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/v1/push');
    expect(html).toContain('/goim/push/mids');
  });
});
