import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, HANDLERS, handlerEntry, type HandlerName } from './bundling.js';

const run = promisify(execFile);

export interface BuiltBundle {
  readonly name: HandlerName;
  readonly file: string;
  readonly bytes: number;
}

/**
 * Builds every Lambda handler with the stack's esbuild options (`BUNDLE_OPTIONS`), one
 * `<name>.mjs` per handler in `outdir`: what `NodejsFunction` uploads, without the CDK.
 */
export async function buildBundles(outdir: string, names: readonly HandlerName[] = Object.keys(HANDLERS) as HandlerName[]): Promise<BuiltBundle[]> {
  const { outExtension: _ext, ...options } = BUNDLE_OPTIONS;
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(outdir, `${name}.mjs`);
      await build({ ...options, mainFields: [...options.mainFields], external: [...options.external], entryPoints: [handlerEntry(name)], outfile: file, logLevel: 'error' });
      return { name, file, bytes: statSync(file).size };
    }),
  );
}

export interface ColdLoad {
  /** What the module exports as `handler`. */
  readonly handlerType: string;
  /** Time to import the module, measured inside the fresh process. */
  readonly importMs: number;
  /** Wall time of the whole process (Node start, import, exit). */
  readonly processMs: number;
}

/**
 * Imports a bundle in a fresh `node` process with none of edgeim's or AWS's settings in
 * the environment, as on a Lambda cold start before the first event: the module must load.
 */
export async function coldLoad(file: string): Promise<ColdLoad> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(EDGEIM_|AWS_)/.test(k)));
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(`file://${file}`)}); console.log(JSON.stringify({ handlerType: typeof m.handler, importMs: performance.now() - t }));`;
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { env, timeout: 30_000 });
  const processMs = performance.now() - started;
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return { ...(JSON.parse(line) as { handlerType: string; importMs: number }), processMs };
}
