import { z } from 'zod';
import { STATUS_OF, type ApiErrorCode } from './errors.js';
import type { ApiRoute } from './route.js';
import { goimPaths } from './goim-docs.js';
import { errorSchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(route: ApiRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  const fromObject = (schema: z.ZodType | undefined, where: 'path' | 'query', examples: Record<string, unknown> = {}) => {
    if (!schema) return;
    const js = jsonSchema(schema, 'input');
    const props = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop;
      const example = examples[name];
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}), ...(example !== undefined ? { example } : {}) });
    }
  };
  fromObject(route.params, 'path', route.examples.params);
  fromObject(route.query, 'query', route.examples.query);
  for (const h of route.headers ?? []) {
    out.push({ name: h.name, in: 'header', required: h.required, description: h.description, schema: jsonSchema(h.schema, 'input'), example: h.example });
  }
  return out;
}

const json = (schema: JsonSchema, example?: unknown) => ({ 'application/json': { schema, ...(example !== undefined ? { example } : {}) } });
const errorRef = { $ref: '#/components/schemas/Error' };
const ALWAYS: ApiErrorCode[] = ['UNAUTHORIZED', 'RATE_LIMITED', 'INTERNAL'];

/** What each error answer looks like, for the document (messages as the API words them). */
export const ERROR_EXAMPLES: Record<ApiErrorCode, { code: ApiErrorCode; message: string; retryAfterMs?: number }> = {
  BAD_REQUEST: { code: 'BAD_REQUEST', message: 'to: expected one of {"users": [uid, ...]}, {"keys": [key, ...]}, {"room": rid}, {"all": true}, got "all"' },
  TOO_LARGE: { code: 'TOO_LARGE', message: 'request body exceeds 65536 bytes' },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', message: 'unknown API key' },
  FORBIDDEN: { code: 'FORBIDDEN', message: 'not a member of group team-7' },
  NOT_FOUND: { code: 'NOT_FOUND', message: 'group team-7 does not exist' },
  METHOD_NOT_ALLOWED: { code: 'METHOD_NOT_ALLOWED', message: 'PUT is not allowed on /v1/push; use POST' },
  CONFLICT: { code: 'CONFLICT', message: 'cmid "order-42" was already used for another message (to {"user":"bob"}); use a new cmid' },
  IDEMPOTENCY_MISMATCH: { code: 'IDEMPOTENCY_MISMATCH', message: 'Idempotency-Key order-42-shipped was used for a different request' },
  RATE_LIMITED: { code: 'RATE_LIMITED', message: 'rate limit of 1000 requests/s exceeded', retryAfterMs: 1000 },
  OVERLOADED: { code: 'OVERLOADED', message: 'the server is stopping; send again shortly', retryAfterMs: 1000 },
  INTERNAL: { code: 'INTERNAL', message: 'internal error' },
};

/**
 * The OpenAPI 3.1 document of the push API: the `/v1` routes, generated from the same
 * zod schemas that validate requests, and goim's routes (goim-docs.ts). Every operation
 * carries request and response examples (a test checks them against the schemas).
 */
export function openApiDocument(routes: readonly ApiRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      [String(route.response.status)]: { description: route.response.description, content: json(jsonSchema(route.response.schema, 'output'), route.examples.response) },
    };
    for (const code of [...new Set([...route.errors, ...ALWAYS])]) {
      responses[String(STATUS_OF[code])] = { description: `\`${code}\``, content: json(errorRef, { error: ERROR_EXAMPLES[code] }) };
    }
    (paths[route.path] ??= {})[route.method] = {
      operationId: route.id,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: json(jsonSchema(route.body, 'input'), route.examples.body) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edgeim push API',
      version,
      description:
        'For business backends: transient pushes (goim\'s job), persisted messages, groups and presence, and goim\'s own HTTP routes (`/goim/*`). Every route needs `Authorization: Bearer <API key>`. `/v1` errors are `{"error": {"code", "message"}}` with the HTTP status of the code; `/goim` answers goim\'s envelope `{"code", "message", "data"}`. An unknown route is 404; a known route asked with another method is 405 with `Allow`.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ apiKey: [] }],
    tags: [
      { name: 'push', description: 'Transient pushes, not stored.' },
      { name: 'messages', description: 'Persisted messages and inboxes.' },
      { name: 'groups', description: 'Groups and members.' },
      { name: 'presence', description: 'Who is online.' },
      { name: 'goim', description: 'goim\'s logic routes, for goim backends: HTTP 200 with `{"code", "message", "data"}` (401, 404, 405, 429 and 503 keep their HTTP status).' },
    ],
    paths: { ...paths, ...goimPaths() },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from EDGEIM_API_KEYS or its secret.' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
  };
}
