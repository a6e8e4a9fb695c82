/**
 * @edgeim/sdk as people install it: `npm pack` (which builds dist/ first), installed
 * offline into a plain project outside this repository, then used from there — an ESM
 * script compiled by tsc (`lib: ["es2022"]`, node types) that connects two users through
 * a local stack and exchanges messages; `require()` from CommonJS; a React-Native-like
 * type check (no DOM, no Node types); a browser bundle with the IndexedDB entry.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../helpers/local-stack.js';
import { token } from './sdk-helpers.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const consumerFiles = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(repo, 'node_modules', '.bin', 'tsc');
/** Runs tsc in the consumer project; its diagnostics (on stdout) become the failure message. */
async function typecheck(cwd: string, config: string): Promise<void> {
  try {
    await run(tsc, ['-p', config], { env, cwd });
  } catch (err) {
    throw new Error(`tsc -p ${config} failed:\n${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`);
  }
}

/** The child processes' environment, without the `npm_*` settings of an enclosing `npm test`. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

describe('the packed @edgeim/sdk in a plain project', () => {
  let dir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeim-sdk-consumer-'));
    const [, started] = await Promise.all([
      (async () => {
        const { stdout } = await run('npm', ['pack', join(repo, 'sdk'), '--pack-destination', dir, '--silent'], { env, cwd: dir });
        const tarball = stdout.trim().split('\n').at(-1)!;
        for (const f of await readdir(consumerFiles)) await copyFile(join(consumerFiles, f), join(dir, f));
        const local = (name: string) => `file:${join(repo, 'node_modules', name)}`;
        await writeFile(
          join(dir, 'package.json'),
          JSON.stringify({
            name: 'edgeim-consumer',
            private: true,
            type: 'module',
            dependencies: { '@edgeim/sdk': `file:./${tarball}`, ws: local('ws') },
            devDependencies: { '@types/node': local('@types/node'), '@types/ws': local('@types/ws') },
          }),
        );
        // Offline: the SDK has no dependencies; ws and the types come from this repository's node_modules.
        await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { env, cwd: dir });
      })(),
      startTestStack(),
    ]);
    stack = started;
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships built JavaScript, declarations and the README, not the TypeScript sources', async () => {
    const pkg = JSON.parse(await readFile(join(dir, 'node_modules/@edgeim/sdk/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(['.', './browser', './tcp', './package.json']);
    const files = await readdir(join(dir, 'node_modules/@edgeim/sdk'), { recursive: true });
    expect(files).toEqual(expect.arrayContaining(['README.md', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/tcp.js', 'dist/esm/browser.d.ts']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('compiles an ESM script with tsc (lib es2022, node types) that connects two users and exchanges messages', async () => {
    await typecheck(dir, 'tsconfig.json');
    const [aliceUid, bobUid] = ['pkg-alice', 'pkg-bob'];
    const { stdout } = await run(process.execPath, ['out/chat.js'], {
      cwd: dir,
      timeout: 30_000,
      env: {
        ...env,
        WS_URL: stack.wsUrl,
        GOIM_TCP_PORT: String(stack.gateway.ports.tcp),
        ALICE_UID: aliceUid,
        BOB_UID: bobUid,
        ALICE_TOKEN: await token(aliceUid),
        BOB_TOKEN: await token(bobUid),
      },
    });
    const out = JSON.parse(stdout) as Record<string, { from: string; body: unknown } | string>;
    expect(out.msgId).toMatch(/^\d+$/);
    expect(out.gotByBob).toMatchObject({ id: out.msgId, from: aliceUid, body: { text: 'hi bob' } });
    expect(out.gotByAlice).toMatchObject({ from: bobUid, body: { text: 'hi alice' } });
    expect(out.withoutWebSocket).toBe('CONFIGURATION');
  }, 60_000);

  it('loads with require() from CommonJS', async () => {
    const { stdout } = await run(process.execPath, ['require.cjs'], { env, cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ cjs: 'CONFIGURATION', tcp: 'function' });
  });

  it('type-checks the main entry without DOM or Node types (React Native), and the browser entry with DOM', async () => {
    await typecheck(dir, 'tsconfig.react-native.json');
    await typecheck(dir, 'tsconfig.web.json');
  });

  it('bundles for the browser from the installed package, without Node built-ins', async () => {
    const out = await build({ absWorkingDir: dir, entryPoints: ['web.ts'], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    const text = out.outputFiles[0]!.text;
    expect(text).toContain('indexedDB');
    expect(text).not.toMatch(/from\s*["']node:|require\(["']node:/);
    await expect(build({ absWorkingDir: dir, stdin: { contents: "import '@edgeim/sdk/tcp';", resolveDir: dir }, bundle: true, platform: 'browser', write: false, logLevel: 'silent' })).rejects.toThrow(/node:net/);
  });
});
