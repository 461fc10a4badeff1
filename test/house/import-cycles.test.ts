/**
 * No import cycles in the package (STYLE.md: folders import each other through their entries,
 * no cycles). A cycle makes a module's top level run before what it imports has run, which
 * bites as `undefined` at load time, and ties files that should be read one at a time.
 *
 * The graph is file-level and built from the source: every `.ts` file outside `test/`, `bench/`
 * and `node_modules/`, with an edge for each relative `import` / `export … from` (`import type`
 * included: a type-only cycle is still two files that cannot be understood apart) and each
 * dynamic `import('./…')`. `ts.preProcessFile` reads them the way the compiler does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../support/cli.js';

const SKIPPED = new Set(['node_modules', 'dist', 'test', 'bench', '.git', '.tmp']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier names (`./x.js` is `./x.ts` under nodenext), if it is ours. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = resolve(dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Each file's relative imports, by file. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    // The third argument asks for dynamic `import()` too.
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      const target = resolveSpecifier(file, ref.fileName);
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** One concrete loop through `component`, starting and ending at its first file (BFS). */
function loopThrough(graph: ReadonlyMap<string, readonly string[]>, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        for (let at = node; at !== start;) {
          at = previous.get(at) as string;
          path.unshift(at);
        }
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

test('the import graph helpers find a cycle and name its files', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
  ]);
  const found = cycles(graph);
  assert.deepEqual(found.map((c) => [...c].sort()).sort(), [['a', 'b', 'c'], ['e']]);
  assert.deepEqual(loopThrough(graph, ['c', 'b', 'a']), ['a', 'b', 'c', 'a']);
});

test('no source file takes part in an import cycle', () => {
  const files = sourceFiles(REPO_ROOT);
  assert.ok(files.length > 100, `found only ${files.length} source files under ${REPO_ROOT}`);
  const graph = importGraph(files);
  const name = (file: string): string => relative(REPO_ROOT, file);
  const report = cycles(graph).map((component) => {
    const files = component.map(name).sort().join(', ');
    const loop = loopThrough(graph, component).map(name).join(' -> ');
    return `${component.length} files (${files}), e.g. ${loop}`;
  });
  assert.deepEqual(report, [], `import cycles:\n${report.join('\n')}`);
});
