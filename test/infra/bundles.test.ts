import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS, type HandlerName } from '../../infra/bundling.js';
import { buildBundles, coldLoad, type BuiltBundle } from '../../infra/bundles.js';

const names = Object.keys(HANDLERS) as HandlerName[];
const outdir = mkdtempSync(path.join(tmpdir(), 'edgeim-bundles-'));
let bundles: BuiltBundle[] = [];

beforeAll(async () => {
  bundles = await buildBundles(outdir);
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/**
 * Size budgets (KiB, minified): each handler bundles only the AWS clients it uses, zod's
 * tree-shakable `zod/mini` and no logging library; the credential providers a Lambda
 * never reaches are left out (infra/bundling.ts). A handler over its budget pulled in
 * something it does not use. The push API keeps zod's full build for its OpenAPI document.
 */
const BUDGET_KIB: Record<HandlerName, number> = {
  authorizer: 300,
  connect: 300,
  disconnect: 300,
  default: 340,
  heartbeat: 340,
  'fanout-job': 420,
  'push-api': 900,
};

describe('Lambda bundles', () => {
  it.each(names)('%s stays within its size budget', (name) => {
    const bundle = bundles.find((b) => b.name === name)!;
    expect(bundle.bytes / 1024).toBeLessThanOrEqual(BUDGET_KIB[name]);
  });

  it('every handler bundles into one ESM file with the require banner', () => {
    expect(bundles.map((b) => b.name).sort()).toEqual([...names].sort());
    for (const b of bundles) expect(b.bytes).toBeGreaterThan(1000);
  });

  it.each(names)('%s loads in a fresh node process without any settings and exports handler', async (name) => {
    const bundle = bundles.find((b) => b.name === name)!;
    const load = await coldLoad(bundle.file);
    expect(load.handlerType).toBe('function');
    console.log(`${name}: ${(bundle.bytes / 1024).toFixed(0)} KiB, import ${load.importMs.toFixed(0)} ms, process ${load.processMs.toFixed(0)} ms`);
  });
});
