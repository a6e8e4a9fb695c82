/**
 * Lambda bundles: size of each handler's bundle (the stack's esbuild options) and its
 * cold load, i.e. importing it in a fresh `node` process, next to a bare baseline (an
 * empty ES module loaded the same way) and to the same handler built from a baseline git
 * ref (default `main`; set EDGEIM_BUNDLES_BASELINE=<ref>, or `none` to skip), all in the
 * same run. Median of several runs, loads interleaved so machine noise hits both sides.
 *
 *   npx tsx bench/lambda-bundles.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { buildBundles, coldLoad } from '../infra/bundles.js';
import { REPO_ROOT } from '../infra/bundling.js';
import { fmt, isMain, percentile } from './stats.js';

const RUNS = 7;

export interface BundleFigures {
  name: string;
  kib: number;
  importMs: number;
  processMs: number;
  /** The same handler built from the baseline ref, when there is one. */
  baseline?: { kib: number; importMs: number; processMs: number };
}

export interface LambdaBundlesResult {
  empty: { importMs: number; processMs: number };
  baselineRef: string | null;
  bundles: BundleFigures[];
}

interface Built {
  name: string;
  file: string;
  bytes: number;
}

/** Medians of `RUNS` cold loads of each file, loads of all files interleaved. */
async function medians(files: string[]): Promise<Map<string, { importMs: number; processMs: number }>> {
  const loads = new Map(files.map((f) => [f, [] as { importMs: number; processMs: number }[]]));
  for (let i = 0; i < RUNS; i++) for (const f of files) loads.get(f)!.push(await coldLoad(f));
  return new Map(
    [...loads].map(([f, l]) => [f, { importMs: percentile(l.map((x) => x.importMs), 50), processMs: percentile(l.map((x) => x.processMs), 50) }]),
  );
}

/** The baseline ref's handlers, built with that ref's own bundling code (a `git archive` of it, this checkout's node_modules). */
async function buildBaseline(ref: string, dir: string): Promise<Built[]> {
  const src = path.join(dir, 'src');
  mkdirSync(src);
  execFileSync('sh', ['-c', `git -C "${REPO_ROOT}" archive "${ref}" | tar -x -C "${src}"`]);
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const out = path.join(dir, 'baseline');
  mkdirSync(out);
  const script = path.join(src, 'build-baseline.ts');
  writeFileSync(
    script,
    `import { buildBundles } from './infra/bundles.ts';\nconst b = await buildBundles(${JSON.stringify(out)});\nconsole.log(JSON.stringify(b));\n`,
  );
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const stdout = execFileSync(tsx, [script], { cwd: src, encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Built[];
}

export async function run(): Promise<LambdaBundlesResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeim-bundles-'));
  const ref = process.env.EDGEIM_BUNDLES_BASELINE ?? 'main';
  try {
    const empty = path.join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => ({});\n');
    const current = path.join(dir, 'current');
    mkdirSync(current);
    const built: Built[] = await buildBundles(current);
    let baseline: Built[] = [];
    if (ref !== 'none') {
      try {
        baseline = await buildBaseline(ref, dir);
      } catch (err) {
        console.warn(`lambda-bundles: no baseline from ${ref}: ${String((err as Error).message).split('\n')[0]}`);
      }
    }
    const files = [empty, ...built.map((b) => b.file), ...baseline.map((b) => b.file)].filter((f) => existsSync(f));
    const m = await medians(files);
    return {
      empty: m.get(empty)!,
      baselineRef: baseline.length > 0 ? ref : null,
      bundles: built.map((b) => {
        const base = baseline.find((x) => x.name === b.name);
        return {
          name: b.name,
          kib: b.bytes / 1024,
          ...m.get(b.file)!,
          ...(base ? { baseline: { kib: base.bytes / 1024, ...m.get(base.file)! } } : {}),
        };
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function print(r: LambdaBundlesResult): void {
  const base = r.baselineRef ? ` vs ${r.baselineRef} (same run)` : '';
  console.log(`Lambda bundles (median of ${RUNS} fresh processes each${base})`);
  console.log(
    `  ${'handler'.padEnd(12)} ${'size KiB'.padStart(9)} ${'import ms'.padStart(10)} ${'process ms'.padStart(11)}${r.baselineRef ? `   ${'base KiB'.padStart(9)} ${'base import'.padStart(12)} ${'size ÷'.padStart(7)} ${'import ÷'.padStart(9)}` : ''}`,
  );
  console.log(`  ${'(empty)'.padEnd(12)} ${'0'.padStart(9)} ${fmt(r.empty.importMs).padStart(10)} ${fmt(r.empty.processMs).padStart(11)}`);
  for (const b of r.bundles) {
    const cmp = b.baseline
      ? `   ${fmt(b.baseline.kib, 0).padStart(9)} ${fmt(b.baseline.importMs).padStart(12)} ${fmt(b.kib / b.baseline.kib, 2).padStart(7)} ${fmt(b.importMs / b.baseline.importMs, 2).padStart(9)}`
      : '';
    console.log(`  ${b.name.padEnd(12)} ${fmt(b.kib, 0).padStart(9)} ${fmt(b.importMs).padStart(10)} ${fmt(b.processMs).padStart(11)}${cmp}`);
  }
}

if (isMain(import.meta.url)) print(await run());
