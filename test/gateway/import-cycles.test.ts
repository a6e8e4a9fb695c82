import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const GATEWAY = new URL('../../gateway/', import.meta.url);

/** Each gateway file's imports of other gateway files (type-only imports included: they tie the files as much). */
function importGraph(dir: URL): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const deps = [...text.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => `${m[1]}.ts`);
    graph.set(file, deps);
  }
  return graph;
}

/** One import cycle of the graph, as the files around it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('gateway modules', () => {
  it('import one another without a cycle (the gateway depends on dispatch, never the other way)', () => {
    const graph = importGraph(GATEWAY);
    expect(graph.get('gateway.ts')).toContain('dispatch.ts');
    expect(findCycle(graph)).toBeUndefined();
  });
});
