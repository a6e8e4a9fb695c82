import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the SDK browser build', () => {
  it('bundles for the browser without Node built-ins or Buffer', async () => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL('../../sdk/index.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const text = out.outputFiles[0]!.text;
    expect(text).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(text).not.toMatch(/\bBuffer\./);
    expect(text).toContain('EdgeImClient');
  });

  it('keeps the TCP transport out of the main entry (it is `@edgeim/sdk/tcp`)', async () => {
    const pkg = (await import('../../sdk/package.json', { with: { type: 'json' } })).default as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './tcp']));
    await expect(
      build({ entryPoints: [fileURLToPath(new URL('../../sdk/tcp.ts', import.meta.url))], bundle: true, platform: 'browser', write: false, logLevel: 'silent' }),
    ).rejects.toThrow(/node:net/);
  });
});
