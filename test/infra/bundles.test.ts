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

describe('Lambda bundles', () => {
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
