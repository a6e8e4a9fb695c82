import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { EdgeDeps } from '../app.js';
import { KeyedRateLimiter } from '../domain/token-bucket.js';
import { isInternal, RateLimitedError, TooLargeError, UnauthorizedError } from '../errors.js';
import { authenticate, keysFromConfig, sourceAddress, type KeySource } from './auth.js';
import type { PushApiEnv } from './context.js';
import { asEdgeImError, errorResponse, isGoimPath, MethodNotAllowedError, NoRouteError } from './errors.js';
import { goimRoutes } from './goim-routes.js';
import { openApiDocument } from './openapi.js';
import { RateLimiter } from './rate-limit.js';
import { referencePage } from './reference-page.js';
import { honoPath, mountRoutes, type ApiRoute } from './route.js';
import { groupRoutes } from './v1-groups.js';
import { messagesRoute, pushRoute } from './v1-messaging.js';
import { presenceRoutes } from './v1-presence.js';

/** Every `/v1` route, in the order the reference lists them. */
export const V1_ROUTES: readonly ApiRoute[] = [pushRoute, messagesRoute, ...groupRoutes, ...presenceRoutes];

export interface PushApiOptions {
  /** The domain deps, resolved per request (a Lambda builds them once, lazily). */
  deps: () => Promise<EdgeDeps>;
  /** Accepted API keys; from the deps' configuration when omitted (EDGEIM_API_KEYS or its secret). */
  keys?: KeySource;
  /** Sees every error that becomes a 500 (the answer says only `internal error`). */
  onInternalError?: (err: unknown) => void;
  /** Version in the OpenAPI document. */
  version?: string;
}

/**
 * The push API for business backends, as one Hono app: the same app runs in Lambda
 * (`hono/aws-lambda`) and on `@hono/node-server` locally.
 *
 * - `/v1/*`: the JSON API (zod-validated; OpenAPI 3.1 at `/openapi.json`, reference at `/docs`).
 * - `/goim/*`: goim's HTTP API with goim's envelope.
 * - Both need `Authorization: Bearer <key>` (EDGEIM_GOIM_ROUTES_OPEN opens `/goim/*`),
 *   are rate-limited per key (EDGEIM_API_RATE_LIMIT) and body-limited (EDGEIM_API_BODY_LIMIT).
 * - Failed key checks are budgeted per source address (EDGEIM_API_AUTH_FAILURE_LIMIT a
 *   minute): once an address has spent it, its requests are 429 with Retry-After before
 *   any key is looked at, valid or not, until the budget refills.
 * - `/` is left to the demo page.
 *
 * @example
 * const api = createPushApi({ deps: () => Promise.resolve(app) });
 * serve({ fetch: api.fetch, port: 3000 });
 */
export function createPushApi(options: PushApiOptions): Hono<PushApiEnv> {
  const api = new Hono<PushApiEnv>();
  let keys = options.keys;
  let limiter: RateLimiter | undefined;
  let failures: KeyedRateLimiter | undefined;
  const doc = openApiDocument(V1_ROUTES, options.version ?? '1.0.0');
  const page = referencePage(doc as unknown as Parameters<typeof referencePage>[0]);

  api.onError((err, c) => {
    if (isInternal(asEdgeImError(err) ?? err)) options.onInternalError?.(err);
    return errorResponse(c, err);
  });
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m.toUpperCase(), honoPath(path)] as const));
  const allowed = allowedMethods([...documented, ['GET', '/openapi.json'], ['GET', '/docs']]);
  api.notFound((c) => {
    const allow = allowed(c.req.path);
    if (allow.length) return errorResponse(c, new MethodNotAllowedError(`${c.req.method} is not allowed on ${c.req.path}; use ${allow.filter((m) => m !== 'HEAD').join(' or ')}`, allow));
    return errorResponse(c, new NoRouteError(`no route ${c.req.method} ${c.req.path}: see /docs`));
  });

  api.get('/openapi.json', (c) => c.json(doc));
  api.get('/docs', (c) => c.html(page));

  const guard: MiddlewareHandler<PushApiEnv> = async (c, next) => {
    const deps = await options.deps();
    c.set('deps', deps);
    const config = deps.config;
    const open = config.EDGEIM_GOIM_ROUTES_OPEN && isGoimPath(c.req.path);
    let id = 'open';
    if (!open) {
      const perMinute = config.EDGEIM_API_AUTH_FAILURE_LIMIT;
      failures ??= new KeyedRateLimiter({ perSecond: perMinute / 60, burst: Math.max(1, perMinute) });
      const address = sourceAddress(c);
      const wait = failures.peek(address);
      if (wait > 0) throw new RateLimitedError('too many failed API key checks from this address', wait);
      try {
        id = authenticate(c.req.header('Authorization'), await (keys ??= keysFromConfig(config))());
      } catch (err) {
        if (err instanceof UnauthorizedError) failures.wait(address);
        throw err;
      }
    }
    c.set('keyId', id);
    (limiter ??= new RateLimiter(config.EDGEIM_API_RATE_LIMIT)).take(id);
    const limit = config.EDGEIM_API_BODY_LIMIT;
    return bodyLimit({ maxSize: limit, onError: (ctx) => errorResponse(ctx, new TooLargeError(`request body exceeds ${limit} bytes`)) })(c, next);
  };
  api.use('/v1/*', guard);
  api.use('/goim/*', guard);

  mountRoutes(api, V1_ROUTES);
  api.route('/goim', goimRoutes());
  return api;
}

/**
 * The methods each route path takes (GET brings HEAD, as Hono answers it), looked up by
 * request path: what a 405's `Allow` lists. Path parameters (`:uid`) match one segment.
 */
function allowedMethods(routes: readonly (readonly [string, string])[]): (path: string) => string[] {
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const table = routes.map(([method, path]) => ({
    method,
    pattern: new RegExp(`^${path.split(/:\w+/).map(escape).join('[^/]+')}$`),
  }));
  return (path) => {
    const methods = new Set<string>();
    for (const r of table) {
      if (!r.pattern.test(path)) continue;
      methods.add(r.method);
      if (r.method === 'GET') methods.add('HEAD');
    }
    return [...methods];
  };
}
