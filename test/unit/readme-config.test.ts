import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config.js';

describe('README configuration table', () => {
  it('documents every setting the code reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const keys = Object.keys(configSchema.shape);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((k) => !readme.includes(`| \`${k}\` |`))).toEqual([]);
  });
});
