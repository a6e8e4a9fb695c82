#!/usr/bin/env node
/**
 * Builds @edgeim/sdk into dist/: ES modules with declaration files (dist/esm, by tsc from
 * tsconfig.build.json) and CommonJS (dist/cjs, the same files transformed by esbuild,
 * with copies of the declarations so `require` users get CommonJS types).
 * Uses the TypeScript and esbuild of the enclosing repository.
 *
 *   node sdk/scripts/build.mjs          (or `npm run build` in sdk/)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });

const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const typed = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (typed.status !== 0) process.exit(typed.status ?? 1);

const esm = join(dist, 'esm');
const cjs = join(dist, 'cjs');
const sources = readdirSync(esm).filter((f) => f.endsWith('.js'));
const esbuild = await import(require.resolve('esbuild'));
await esbuild.build({
  entryPoints: sources.map((f) => join(esm, f)),
  outdir: cjs,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2022',
  bundle: false,
  logLevel: 'warning',
});
mkdirSync(cjs, { recursive: true });
for (const f of readdirSync(esm).filter((f) => f.endsWith('.d.ts'))) copyFileSync(join(esm, f), join(cjs, f));
writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
console.log(`@edgeim/sdk: built ${sources.length} modules into dist/esm and dist/cjs`);
