import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../gateway/options.js';
import { configSchema, loadConfig, type Config } from '../../shared/config.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const SETTING = /EDGEIM_[A-Z0-9_]*[A-Z0-9]/g;

/** The settings `gatewayOptions` reads from a configuration: every setting the gateway takes. */
function gatewaySettings(): Set<string> {
  const seen = new Set<string>();
  const config = new Proxy(loadConfig({}), {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.startsWith('EDGEIM_')) seen.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  gatewayOptions(config as Config);
  return seen;
}

/** The rows of the markdown table under `## <heading>`: cells of each row, header and rule rows left out. */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break; // a table ends at its first other line (a blank line splits it in two)
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows.slice(2);
}

describe('README configuration table', () => {
  it('documents every setting the code reads', () => {
    const readme = read('../../README.md');
    const keys = Object.keys(configSchema.shape);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((k) => !readme.includes(`| \`${k}\` |`))).toEqual([]);
  });
});

describe('docs/GATEWAY.md settings table', () => {
  const doc = read('../../docs/GATEWAY.md');
  const rows = tableRows(doc, 'Settings');
  const documented = new Map<string, string>(rows.flatMap(([names = '', defaults = '']) => [...names.matchAll(SETTING)].map((m): [string, string] => [m[0], defaults])));

  it('lists every setting the gateway reads, in one table', () => {
    const settings = gatewaySettings();
    expect(settings.size).toBeGreaterThan(20);
    expect([...settings].filter((k) => !documented.has(k))).toEqual([]);
  });

  it('names no setting that does not exist, anywhere in the document', () => {
    const keys = new Set(Object.keys(configSchema.shape));
    expect([...new Set(doc.match(SETTING))].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('gives each one-setting row the default the code has', () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const wrong = rows.flatMap(([names = '', cell = '']) => {
      const found = [...names.matchAll(SETTING)].map((m) => m[0]);
      // a number, a flag or a `literal`; words (`derived`, `–`) are not values
      const plain = /^(?:(\d+|true|false)|`([^`]+)`)$/.exec(cell)?.slice(1).find((v) => v !== undefined);
      if (found.length !== 1 || plain === undefined) return [];
      const key = found[0]!;
      return String(defaults[key]) === plain ? [] : [`${key}: documented ${plain}, code ${String(defaults[key])}`];
    });
    expect(wrong).toEqual([]);
  });
});
