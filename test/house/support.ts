/** What the house-rule tests share: the package's source folders and its source files. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The package's top-level source folders (tsconfig.build.json's `include`). */
export const SOURCE_FOLDERS: readonly string[] = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
    include: string[];
  }
).include;

/** Every source file of the package, repo-relative: no tests, no generated files. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.d.ts') &&
        !entry.name.endsWith('.test.ts') &&
        !entry.name.endsWith('.generated.ts')
      )
        out.push(rel);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return out.sort();
}

/** `file` (repo-relative) parsed on its own: enough to read its imports and declarations. */
export function parse(file: string): ts.SourceFile {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** The top-level folder a repo-relative path is in. */
export function folderOf(file: string): string {
  return file.split('/')[0] ?? '';
}

/** The source file of each package subpath (`exports` in package.json), `types` → `.ts`. */
export function packageEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string }>;
  };
  const out = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string' || target.types === undefined) continue;
    out.set(subpath, target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
  }
  return out;
}
