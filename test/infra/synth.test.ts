import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/bundling.js';
import { GATEWAY_DOCKERFILE_PRESENT } from './fixture.js';

const run = promisify(execFile);
const outdir = mkdtempSync(path.join(tmpdir(), 'edgeim-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('npm run synth', () => {
  it('writes the template offline, bundling every handler with the local esbuild', async () => {
    // Any attempt to reach the network goes to a closed port and fails.
    const offline = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', NO_PROXY: '', no_proxy: '' };
    const env = Object.fromEntries(Object.entries({ ...process.env, ...offline }).filter(([k]) => !/^(AWS_|CDK_DEFAULT_)/.test(k)));
    const args = ['run', 'synth', '--', '-o', outdir, ...(GATEWAY_DOCKERFILE_PRESENT ? [] : ['-c', 'gateway=false'])];
    const started = performance.now();
    await run('npm', args, { cwd: REPO_ROOT, env, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 });
    console.log(`npm run synth: ${((performance.now() - started) / 1000).toFixed(1)} s${GATEWAY_DOCKERFILE_PRESENT ? '' : ' (gateway off: no gateway/Dockerfile yet)'}`);

    const templateFile = path.join(outdir, 'EdgeIm.template.json');
    expect(existsSync(templateFile)).toBe(true);
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(7);
    expect(template.Outputs.WebSocketUrl).toBeDefined();

    const assets = JSON.parse(readFileSync(path.join(outdir, 'EdgeIm.assets.json'), 'utf8'));
    const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>).filter((f) => f.source.path.startsWith('asset.'));
    expect(bundles).toHaveLength(7);
    for (const b of bundles) expect(existsSync(path.join(outdir, b.source.path, 'index.mjs'))).toBe(true);
    if (GATEWAY_DOCKERFILE_PRESENT) expect(Object.keys(assets.dockerImages ?? {})).toHaveLength(1);
  }, 180_000);
});
