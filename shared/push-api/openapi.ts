import { z } from 'zod';
import { STATUS_OF, type ApiErrorCode } from './errors.js';
import type { ApiRoute } from './route.js';
import { errorSchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(route: ApiRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  const fromObject = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const js = jsonSchema(schema, 'input');
    const props = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop;
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) });
    }
  };
  fromObject(route.params, 'path');
  fromObject(route.query, 'query');
  for (const h of route.headers ?? []) {
    out.push({ name: h.name, in: 'header', required: h.required, description: h.description, schema: jsonSchema(h.schema, 'input') });
  }
  return out;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorRef = { $ref: '#/components/schemas/Error' };
const ALWAYS: ApiErrorCode[] = ['UNAUTHORIZED', 'RATE_LIMITED', 'INTERNAL'];

/**
 * The OpenAPI 3.1 document of the `/v1` routes, generated from the same zod schemas
 * that validate requests.
 */
export function openApiDocument(routes: readonly ApiRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      [String(route.response.status)]: { description: route.response.description, content: json(jsonSchema(route.response.schema, 'output')) },
    };
    for (const code of [...new Set([...route.errors, ...ALWAYS])]) {
      responses[String(STATUS_OF[code])] = { description: `\`${code}\``, content: json(errorRef) };
    }
    (paths[route.path] ??= {})[route.method] = {
      operationId: route.id,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: json(jsonSchema(route.body, 'input')) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edgeim push API',
      version,
      description:
        'For business backends: transient pushes (goim\'s job), persisted messages, groups and presence. Every route needs `Authorization: Bearer <API key>`. Errors are `{"error": {"code", "message"}}`. goim\'s own routes (`/goim/*`) are described on the reference page.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ apiKey: [] }],
    tags: [
      { name: 'push', description: 'Transient pushes, not stored.' },
      { name: 'messages', description: 'Persisted messages and inboxes.' },
      { name: 'groups', description: 'Groups and members.' },
      { name: 'presence', description: 'Who is online.' },
    ],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from EDGEIM_API_KEYS or its secret.' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
  };
}
