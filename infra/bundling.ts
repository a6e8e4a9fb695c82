import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (entries, lock file and the gateway's Docker context are relative to it). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda handlers, by name: each file exports `handler`. */
export const HANDLERS = {
  authorizer: 'functions/authorizer.ts',
  connect: 'functions/connect.ts',
  disconnect: 'functions/disconnect.ts',
  default: 'functions/default.ts',
  heartbeat: 'functions/heartbeat.ts',
  'fanout-job': 'functions/fanout-job.ts',
  'push-api': 'functions/push-api.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

export const handlerEntry = (name: HandlerName) => path.join(REPO_ROOT, HANDLERS[name]);

/** Node's target and the module format of every bundle (runs on nodejs20.x and nodejs22.x). */
export const BUNDLE_TARGET = 'node20';

/**
 * An ESM bundle that still has a `require` for the CommonJS parts of its dependencies
 * (the AWS SDK v3 and others call `require` on Node built-ins).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __edgeimCreateRequire } from 'node:module'; const require = __edgeimCreateRequire(import.meta.url);";

/**
 * AWS SDK credential providers the default chain loads only after the environment's
 * credentials failed (`await import(…)`: SSO, shared ini files, credential processes, web
 * identity tokens, console login) and the clients they use (STS, SSO, SSO OIDC). A
 * Lambda always has its role's credentials in the environment, so these never load
 * there; left out of the bundles (~80 KiB each), they would resolve to the Lambda
 * runtime's own AWS SDK if ever reached.
 */
export const LAZY_SDK_EXTERNALS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/token-providers',
] as const;

/**
 * The esbuild options of every Lambda bundle: `NodejsFunction` (infra) and the bundle
 * test / benchmark build with the same ones. The AWS SDK is bundled too, so the deployed
 * code runs the SDK versions the lock file pins, as the tests do.
 */
export const BUNDLE_OPTIONS = {
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  outExtension: { '.js': '.mjs' },
  external: LAZY_SDK_EXTERNALS,
} as const;
