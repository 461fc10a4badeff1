/**
 * The house rule on names: no two exported classes, interfaces, type aliases or enums share a name
 * anywhere in the package's source (tests, benchmarks and generated files aside), so that a name
 * in an import, a stack trace or a review always means one thing. Declarations that merge within
 * one file (a class and an interface of the same name) are one name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ts from 'typescript';
import { parse, sourceFiles } from './support.js';

type TypeDeclaration =
  ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.EnumDeclaration;

function isTypeDeclaration(node: ts.Node): node is TypeDeclaration {
  return (
    ts.isClassDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node)
  );
}

function hasExportModifier(node: TypeDeclaration): boolean {
  return ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
}

/**
 * The names of the classes, interfaces, type aliases and enums that `source` declares and exports:
 * with `export` in front, or named by a local `export { … }` (without `from`). Re-exports of
 * imported names declare nothing and are left to the module that declares them.
 */
function exportedTypeNames(source: ts.SourceFile): Set<string> {
  const declared = new Set<string>();
  const exported = new Set<string>();
  for (const statement of source.statements) {
    if (isTypeDeclaration(statement) && statement.name !== undefined) {
      declared.add(statement.name.text);
      if (hasExportModifier(statement)) exported.add(statement.name.text);
    }
  }
  for (const statement of source.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier === undefined &&
      statement.exportClause !== undefined &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements) {
        const local = (element.propertyName ?? element.name).text;
        if (declared.has(local)) exported.add(element.name.text);
      }
    }
  }
  return exported;
}

test('no two exported classes, interfaces, type aliases or enums share a name', () => {
  const files = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    for (const name of exportedTypeNames(parse(file))) {
      files.set(name, [...(files.get(name) ?? []), file]);
    }
  }
  const shared = [...files]
    .filter(([, where]) => where.length > 1)
    .map(([name, where]) => `${name}: ${where.join(', ')}`)
    .sort();
  assert.deepEqual(
    shared,
    [],
    `exported names declared more than once (rename one, or share one declaration):\n${shared.join('\n')}`,
  );
});

test('the scan sees export modifiers and local export lists, and skips re-exports', () => {
  const source = ts.createSourceFile(
    'sample.ts',
    [
      'export class A {}',
      'export interface B {}',
      'export type C = number;',
      'export enum D { x }',
      'interface E {}',
      'class F {}',
      'export { F, F as G };',
      "export { H } from './h.js';",
      "import type { I } from './i.js';",
      'export type { I };',
      'export function j(): void {}',
      'export const K = 1;',
    ].join('\n'),
    ts.ScriptTarget.Latest,
    true,
  );
  assert.deepEqual([...exportedTypeNames(source)].sort(), ['A', 'B', 'C', 'D', 'F', 'G']);
});
