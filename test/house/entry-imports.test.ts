/**
 * The house rule on folder boundaries (docs/architecture.md, "Folders and their public entries"):
 * a top-level folder imports another only through that folder's `index.ts` (its curated entry),
 * its `internal.ts` (what siblings need beyond it) or a package subpath's entry. The one
 * exception is the CLI, which declares every command eagerly: it may import a *leaf* of another
 * folder — a module that imports nothing but Node's built-ins, such as `runtime/config/defaults.ts`
 * — so that declaring the commands stays light. Tests and benchmarks may import anything.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import {
  REPO_ROOT,
  SOURCE_FOLDERS,
  folderOf,
  packageEntries,
  parse,
  sourceFiles,
} from './support.js';

interface ImportSite {
  readonly specifier: string;
  readonly line: number;
}

/** Every module `file` names: imports, re-exports, `import()` calls and `import('…')` types. */
function importsOf(file: string): ImportSite[] {
  const sf = parse(file);
  const out: ImportSite[] = [];
  const add = (node: ts.Node, literal: ts.Node | undefined): void => {
    if (literal !== undefined && ts.isStringLiteralLike(literal)) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      out.push({ specifier: literal.text, line });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The repo-relative source file a relative specifier of `from` names (`.js` → `.ts`). */
function resolve(from: string, specifier: string): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

/** Whether `file` imports nothing but Node's built-ins (`node:…`). */
function isLeaf(file: string): boolean {
  return importsOf(file).every((i) => i.specifier.startsWith('node:'));
}

const ENTRIES = new Set(packageEntries().values());

/** Why `target` may not be imported from `from`'s folder, or undefined when it may. */
function refusal(from: string, target: string): string | undefined {
  const folder = folderOf(target);
  if (target === `${folder}/index.ts` || target === `${folder}/internal.ts`) return undefined;
  if (ENTRIES.has(target)) return undefined;
  if (folderOf(from) === 'cli' && isLeaf(target)) return undefined;
  return folderOf(from) === 'cli'
    ? `import ${folder}/index.ts or ${folder}/internal.ts (lazily, in the command's action), or a leaf module that imports only node: built-ins`
    : `import ${folder}/index.ts or ${folder}/internal.ts`;
}

test('folders import each other only through their entries (the CLI also through leaf modules)', () => {
  const folders = new Set(SOURCE_FOLDERS);
  const problems: string[] = [];
  for (const file of sourceFiles()) {
    for (const site of importsOf(file)) {
      if (!site.specifier.startsWith('.')) continue;
      const target = resolve(file, site.specifier);
      if (!folders.has(folderOf(target)) || folderOf(target) === folderOf(file)) continue;
      const why = refusal(file, target);
      if (why !== undefined) problems.push(`${file}:${site.line}: '${site.specifier}': ${why}`);
    }
  }
  assert.deepEqual(problems, [], `deep imports across folders:\n${problems.join('\n')}`);
});

test('every package subpath names a source entry, and internal.ts is never a subpath', () => {
  for (const [subpath, source] of packageEntries()) {
    assert.ok(existsSync(path.join(REPO_ROOT, source)), `${subpath}: no ${source}`);
    assert.ok(!source.endsWith('/internal.ts'), `${subpath} exports ${source}`);
  }
});

test('the rule sees a deep import, and lets the CLI import a leaf but not a deep module', () => {
  assert.ok(refusal('mock/server.ts', 'wsdl/loader.ts') !== undefined);
  assert.equal(refusal('mock/server.ts', 'wsdl/index.ts'), undefined);
  assert.equal(refusal('cli/commands/run.ts', 'runtime/config/defaults.ts'), undefined);
  assert.ok(refusal('cli/commands/run.ts', 'runtime/node/node.ts') !== undefined);
  assert.ok(refusal('demo/cluster.ts', 'runtime/config/defaults.ts') !== undefined);
  assert.deepEqual(
    importsOf('cli/commands/config.ts').map((i) => i.specifier),
    [
      './register-command.js',
      '../examples.js',
      '../../runtime/config/defaults.js',
      '../config-option.js',
      '../../runtime/node/index.js',
    ],
  );
});
