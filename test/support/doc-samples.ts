/**
 * The TypeScript samples of a doc page (its ```ts blocks), type-checked against the real API
 * with the house's strict settings: a sample that no longer compiles fails its page's test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ```ts blocks of `docs/<page>`. */
export function docSamples(page: string): string[] {
  const markdown = readFileSync(join(ROOT, 'docs', page), 'utf8');
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/**
 * Type-checks `samples`, each a module of its own after `prepare` (which points the package's
 * import specifiers at the checkout's files); returns the diagnostics, empty when they compile.
 */
export function typeCheckSamples(
  samples: readonly string[],
  prepare: (code: string) => string,
): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'aes-doc-samples-'));
  try {
    const files = samples.map((code, i) => {
      const file = join(dir, `sample-${i}.mts`);
      writeFileSync(file, `${prepare(code)}\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.startsWith(dir))
      .map(
        (d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The absolute path of a file of this checkout, for a sample's import. */
export function checkoutPath(file: string): string {
  return join(ROOT, file);
}
