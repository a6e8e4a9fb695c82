import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The anchor GitHub gives a Markdown heading (`## Requests (client → server)` → `requests-client--server`). */
function anchor(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of a Markdown file, repeated headings numbered as GitHub numbers them. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchor(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/**
 * Code comments summarise a rule in a line and link the doc section that states it
 * (`docs/PROTOCOL.md#errors`); a renamed heading must not leave such a link dangling.
 */
describe('links from code to doc sections', () => {
  it('name a heading that exists', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f !== '' && !f.startsWith('sdk/dist/'));
    const anchors = new Map<string, Set<string>>();
    const broken: string[] = [];
    let links = 0;
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(root + file, 'utf8');
      } catch {
        continue; // listed by git but deleted in the working tree
      }
      for (const [link, doc, section] of text.matchAll(/\b((?:[\w-]+\/)*[A-Z]+\.md)#([\w\-\p{L}]+)/gu)) {
        if (!anchors.has(doc!)) {
          let markdown = '';
          try {
            markdown = readFileSync(root + doc, 'utf8');
          } catch {
            // no such document: every link to it is broken
          }
          anchors.set(doc!, anchorsOf(markdown));
        }
        links++;
        if (!anchors.get(doc!)!.has(section!)) broken.push(`${file}: ${link}`);
      }
    }
    expect(links).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});
