import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import type { BackendCaller, Deps } from '../domain/deps.js';
import { BadRequestError } from '../errors.js';
import { parseWith } from '../protocol/frames.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../protocol/json-text.js';
import type { PushApiEnv } from './context.js';
import type { ApiErrorCode } from './errors.js';

export type Method = 'get' | 'post' | 'delete';

/** A request header a route reads, for validation and the OpenAPI document. */
export interface HeaderSpec {
  name: string;
  required: boolean;
  description: string;
  schema: z.ZodType<string>;
}

/** What a handler gets: validated inputs, the domain deps and the backend that called. */
export interface RouteInput<P, Q, B> {
  deps: Deps;
  /** The backend authenticated by the request's API key: the only place a backend caller is built. */
  caller: BackendCaller;
  params: P;
  query: Q;
  body: B;
  headers: Record<string, string | undefined>;
}

/**
 * One `/v1` route: its schemas drive both request validation and the OpenAPI document,
 * so the two cannot drift apart. `path` uses OpenAPI's `{name}` syntax.
 */
export interface ApiRoute<PS extends z.ZodType = z.ZodType, QS extends z.ZodType = z.ZodType, BS extends z.ZodType = z.ZodType> {
  id: string;
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: PS;
  query?: QS;
  body?: BS;
  headers?: HeaderSpec[];
  response: { status: 200 | 201 | 202; description: string; schema: z.ZodType };
  /** Error codes this route can answer besides 401/429/500, for the document. */
  errors: ApiErrorCode[];
  handler(input: RouteInput<z.output<PS>, z.output<QS>, z.output<BS>>): Promise<unknown>;
}

/** Declares a route with its inputs typed from its schemas. */
export function defineRoute<PS extends z.ZodType, QS extends z.ZodType, BS extends z.ZodType>(route: ApiRoute<PS, QS, BS>): ApiRoute {
  return route as unknown as ApiRoute;
}

/** `/v1/users/{uid}` → `/v1/users/:uid` (Hono's syntax). */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Reads a JSON request body: empty, malformed or too deeply nested JSON (MAX_JSON_DEPTH) is BAD_REQUEST, never a 500. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new BadRequestError('a JSON request body is required');
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new BadRequestError(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadRequestError(`malformed JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Registers routes on a Hono app: validate params, query, headers and body, call the handler, answer JSON. */
export function mountRoutes(api: Hono<PushApiEnv>, routes: readonly ApiRoute[]): void {
  for (const route of routes) {
    api.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
      const params = route.params ? parseWith(route.params, c.req.param()) : {};
      const query = route.query ? parseWith(route.query, c.req.query()) : {};
      const headers: Record<string, string | undefined> = {};
      for (const h of route.headers ?? []) {
        const value = c.req.header(h.name);
        if (value === undefined && h.required) throw new BadRequestError(`the ${h.name} header is required`);
        headers[h.name.toLowerCase()] = value === undefined ? undefined : parseWith(h.schema, value);
      }
      const body = route.body ? parseWith(route.body, await readJson(c)) : undefined;
      const caller: BackendCaller = { kind: 'backend', keyId: c.get('keyId') };
      const data = await route.handler({ deps: c.get('deps'), caller, params, query, body, headers });
      return c.json(data as object, route.response.status);
    });
  }
}
