/**
 * `npm run bench`: every benchmark in turn, each printing its figures next to a bare
 * baseline measured in the same run. Pass names to run only some: `npm run bench -- codec e2e`.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

console.log(`edgeim benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
for (const file of files) {
  const mod = (await import(`./${file}`)) as { run: () => Promise<unknown>; print?: (r: never) => void };
  const started = performance.now();
  const result = await mod.run();
  mod.print?.(result as never); // modules without print() print their own table
  console.log(`  (${file}: ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
