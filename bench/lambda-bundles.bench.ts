/**
 * Lambda bundles: size of each handler's bundle (the stack's esbuild options) and its
 * cold load, i.e. importing it in a fresh `node` process, next to a bare baseline (an
 * empty ES module loaded the same way) measured in the same run. Median of several runs.
 *
 *   npx tsx bench/lambda-bundles.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildBundles, coldLoad } from '../infra/bundles.js';
import { fmt, isMain, percentile } from './stats.js';

const RUNS = 5;

export interface BundleFigures {
  name: string;
  kib: number;
  importMs: number;
  processMs: number;
}

export interface LambdaBundlesResult {
  baseline: { importMs: number; processMs: number };
  bundles: BundleFigures[];
}

async function median(file: string): Promise<{ importMs: number; processMs: number }> {
  const loads = [];
  for (let i = 0; i < RUNS; i++) loads.push(await coldLoad(file));
  return { importMs: percentile(loads.map((l) => l.importMs), 50), processMs: percentile(loads.map((l) => l.processMs), 50) };
}

export async function run(): Promise<LambdaBundlesResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeim-bundles-'));
  try {
    const empty = path.join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => ({});\n');
    const built = await buildBundles(dir);
    const baseline = await median(empty);
    const bundles: BundleFigures[] = [];
    for (const b of built) bundles.push({ name: b.name, kib: b.bytes / 1024, ...(await median(b.file)) });
    return { baseline, bundles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r: LambdaBundlesResult): void {
  console.log(`Lambda bundles (median of ${RUNS} fresh processes)`);
  console.log(`  ${'handler'.padEnd(12)} ${'size KiB'.padStart(9)} ${'import ms'.padStart(10)} ${'process ms'.padStart(11)}`);
  console.log(`  ${'(empty)'.padEnd(12)} ${'0'.padStart(9)} ${fmt(r.baseline.importMs).padStart(10)} ${fmt(r.baseline.processMs).padStart(11)}`);
  for (const b of r.bundles) {
    console.log(`  ${b.name.padEnd(12)} ${fmt(b.kib, 0).padStart(9)} ${fmt(b.importMs).padStart(10)} ${fmt(b.processMs).padStart(11)}`);
  }
}

if (isMain(import.meta.url)) print(await run());
