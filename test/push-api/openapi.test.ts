import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createPushApi, V1_ROUTES } from '../../shared/push-api/app.js';
import { GOIM_ROUTE_DOCS } from '../../shared/push-api/goim-docs.js';
import { ERROR_EXAMPLES } from '../../shared/push-api/openapi.js';
import { errorSchema } from '../../shared/push-api/schemas.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

type Media = { schema: unknown; example?: unknown; examples?: Record<string, { value: unknown }> };
const examplesOf = (m: Media) => (m.examples ? Object.values(m.examples).map((e) => e.value) : m.example === undefined ? [] : [m.example]);

describe('OpenAPI document', () => {
  const t = useTestStack();
  const doc = async () => (await new PushApiClient(t.stack.pushUrl, null).get('/openapi.json')).body;

  it('validates as OpenAPI 3.1 with a real validator', async () => {
    const res = await new PushApiClient(t.stack.pushUrl, null).get('/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route the app serves (/v1 and /goim), and nothing it does not', async () => {
    const paths = (await doc()).paths as Record<string, Record<string, any>>;
    const api = createPushApi({ deps: () => Promise.reject(new Error('not needed to list routes')) });
    const served = api.routes
      .filter((r) => (r.path.startsWith('/v1/') || r.path.startsWith('/goim/')) && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThanOrEqual(21);
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
    for (const ops of Object.values(paths)) {
      for (const op of Object.values(ops)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429']));
    }
  });

  it('every operation carries examples: each parameter, the request body and every answer', async () => {
    const paths = (await doc()).paths as Record<string, Record<string, any>>;
    let operations = 0;
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        operations++;
        for (const p of op.parameters ?? []) expect(p.example, `${where} parameter ${p.name}`).toBeDefined();
        for (const media of Object.values((op.requestBody?.content ?? {}) as Record<string, Media>)) expect(examplesOf(media).length, `${where} request body`).toBeGreaterThan(0);
        for (const [status, r] of Object.entries(op.responses as Record<string, { content?: Record<string, Media> }>)) {
          const media = Object.values(r.content ?? {});
          expect(media.length, `${where} ${status} content`).toBeGreaterThan(0);
          for (const m of media) expect(examplesOf(m).length, `${where} ${status} example`).toBeGreaterThan(0);
        }
      }
    }
    expect(operations).toBe(V1_ROUTES.length + GOIM_ROUTE_DOCS.length);
  });

  it("the /v1 examples are what the routes' own schemas accept and answer", () => {
    for (const route of V1_ROUTES) {
      const where = `${route.method} ${route.path}`;
      const ex = route.examples;
      if (route.params) expect(route.params.safeParse(ex.params).error, `${where} params`).toBeUndefined();
      if (route.query) expect(route.query.safeParse(Object.fromEntries(Object.entries(ex.query ?? {}).map(([k, v]) => [k, String(v)]))).error, `${where} query`).toBeUndefined();
      if (route.body) expect(route.body.safeParse(ex.body).error, `${where} body`).toBeUndefined();
      else expect(ex.body, `${where} has no body`).toBeUndefined();
      for (const h of route.headers ?? []) expect(h.schema.safeParse(h.example).error, `${where} ${h.name}`).toBeUndefined();
      expect(route.response.schema.safeParse(ex.response).error, `${where} response`).toBeUndefined();
    }
    for (const example of Object.values(ERROR_EXAMPLES)) expect(errorSchema.safeParse({ error: example }).error).toBeUndefined();
  });

  it('serves a human-readable reference page with every route and its examples', async () => {
    const res = await fetch(`${t.stack.pushUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const route of V1_ROUTES) expect(html).toContain(`<code>${route.path}</code>`);
    for (const route of GOIM_ROUTE_DOCS) expect(html).toContain(`<code>${route.path}</code>`);
    expect(html).toContain('Example: <code>POST /goim/push/mids?operation=1000&amp;mids=alice&amp;mids=1001</code>');
    expect(html).toContain('Example: <code>GET /v1/users/alice/timeline?after=41&amp;limit=100</code>');
    expect(html).toContain('&quot;to&quot;: {\n    &quot;room&quot;: &quot;match-7&quot;');
  });
});
