// The layering of ARCHITECTURE.md, checked on the import graph of src/ and webview/: dependencies point
// inward, the wire and the store know no policy, and nothing imports in a circle.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of a file (static, dynamic and re-exports, type-only included), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs.map((spec) => {
    const base = resolve(dirname(file), spec);
    const found = [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
    return relative(ROOT, found ?? `${base}.ts`);
  });
}

const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'webview'))].map((f) => relative(ROOT, f));
const graph = new Map(files.map((f) => [f, importsOf(join(ROOT, f))]));

function edges(from: (f: string) => boolean, to: (f: string) => boolean): string[] {
  return [...graph].flatMap(([f, deps]) => (from(f) ? deps.filter(to).map((d) => `${f} -> ${d}`) : []));
}

const under = (...dirs: string[]) => (f: string) => dirs.some((d) => f.startsWith(`${d}/`) || f === `${d}.ts`);

/** Every import cycle, each as the path that closes it (Tarjan's strongly connected components). */
function cycles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const f of graph.keys()) if (!indexOf.has(f)) visit(f);
  return found;
}

const POLICY = ['src/core/router', 'src/core/quality', 'src/core/learning', 'src/core/context', 'src/core/vision'];

describe('import rules', () => {
  it('finds the imports it checks (the parser sees the real graph)', () => {
    expect(graph.get('src/extension.ts')!.length).toBeGreaterThan(5);
  });

  it('has no import cycle in src/', () => {
    expect(cycles()).toEqual([]);
  });

  it('keeps the wire and the store free of policy and of the pipeline', () => {
    const wire = under('src/core/providers', 'src/core/nodes', 'src/core/store');
    expect(edges(wire, under(...POLICY, 'src/core/pipeline', 'src/core/app'))).toEqual([]);
  });

  it('lets webviews import only src/shared (and each other)', () => {
    expect(edges(under('webview'), (d) => !under('webview', 'src/shared')(d))).toEqual([]);
  });

  it('lets src/shared import nothing but itself and core ground types', () => {
    expect(edges(under('src/shared'), (d) => !under('src/shared')(d) && d !== 'src/core/types.ts')).toEqual([]);
  });

  it('keeps core free of the editor and the CLI', () => {
    expect(edges(under('src/core'), under('src/vscode', 'src/cli', 'src/extension', 'webview'))).toEqual([]);
  });

  it('keeps the ground types in core/types.ts free of any other module', () => {
    expect(graph.get('src/core/types.ts')).toEqual([]);
  });

  it('lets no stage call back into the pipeline: only its callers (proxy, batch, the composition root) import it', () => {
    const stages = under(...POLICY, 'src/core/providers', 'src/core/nodes', 'src/core/store', 'src/core/metrics');
    expect(edges(stages, (d) => d === 'src/core/pipeline.ts')).toEqual([]);
  });
});

describe('one request path', () => {
  const source = (f: string) => readFileSync(join(ROOT, f), 'utf8');

  it('leases nodes and streams from providers only in src/core/nodes (dispatch and the embedder)', () => {
    const outside = files.filter((f) => !under('src/core/nodes', 'src/core/providers')(f) && /\.acquire\(|\.stream\(\{|provider\.stream\(/.test(source(f)));
    expect(outside).toEqual([]);
  });

  it('has every caller enter through ask() of pipeline.ts: panel, batch, model picker, both endpoint formats and CLI', () => {
    const callers = ['src/vscode/chatView.ts', 'src/core/batch/parallel.ts', 'src/vscode/modelPicker.ts', 'src/core/proxy/server.ts', 'src/core/proxy/messagesRoute.ts', 'src/cli/main.ts'];
    for (const f of callers) {
      expect(graph.get(f), f).toContain('src/core/pipeline.ts');
      expect(source(f), f).toMatch(/\bask\(/);
    }
  });

  it('builds the services in one composition root that the extension and the CLI both call', () => {
    for (const f of ['src/extension.ts', 'src/cli/runtime.ts']) expect(source(f), f).toMatch(/\bcreateServices\(/);
  });
});

describe('file sizes', () => {
  it('keeps pipeline.ts within 300 lines and every source file within 400', () => {
    const lines = (f: string) => readFileSync(join(ROOT, f), 'utf8').split('\n').length;
    expect(lines('src/core/pipeline.ts')).toBeLessThanOrEqual(300);
    expect(files.filter((f) => lines(f) > 400)).toEqual([]);
  });
});
