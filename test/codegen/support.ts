/** Shared helpers of the codegen tests: the WSDL corpus, temp folders, type-checking generated code. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../support/cli.js';

/**
 * The developers' WSDL corpus: `$AES_WSDL_CORPUS`, else `../shared/wsdl` from the repo root, else
 * the nearest `shared/wsdl` further up (git worktrees sit deeper than the main checkout).
 */
export function corpusDir(): string {
  const fromEnv = process.env.AES_WSDL_CORPUS;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  let dir = path.resolve(REPO_ROOT, '..');
  for (;;) {
    const candidate = path.join(dir, 'shared', 'wsdl');
    if (existsSync(path.join(candidate, 'INDEX.md'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(REPO_ROOT, '..', 'shared', 'wsdl');
    dir = parent;
  }
}

export interface CorpusEntry {
  readonly number: number;
  /** Root file, relative to the corpus folder. */
  readonly root: string;
  /** INDEX.md's type count (complex + simple + anonymous complex types). */
  readonly indexTypes: number;
}

/** The entries of the corpus as INDEX.md lists them. */
export function corpusEntries(): CorpusEntry[] {
  const index = readFileSync(path.join(corpusDir(), 'INDEX.md'), 'utf8');
  return [...index.matchAll(/^\| (\d+) \| `([^`]+)`[^|]*\|[^|]*\|[^|]*\| (\d+) \|/gm)].map((m) => ({
    number: Number(m[1]),
    root: m[2] ?? '',
    indexTypes: Number(m[3]),
  }));
}

/** A fresh folder under the repo's git-ignored `.tmp/`, removed by the returned function. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = path.join(REPO_ROOT, '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, `${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `tsc --noEmit --strict` with module nodenext and the project's extra strictness, as a careful
 * consumer would use it; {@link CONSUMER_SETTINGS} names the variants every output must pass.
 */
export function strictOptions(exactOptionalPropertyTypes = true): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes,
    forceConsistentCasingInFileNames: true,
    // The strictest settings a consumer may use must not trip over generated code either.
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    noPropertyAccessFromIndexSignature: true,
    allowUnreachableCode: false,
    allowUnusedLabels: false,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    // Generated clients import `aes-endpoint-server/soap-client`; point it at the source so no
    // build is needed.
    paths: { 'aes-endpoint-server/soap-client': [path.join(REPO_ROOT, 'soap-client', 'index.ts')] },
    allowImportingTsExtensions: true,
  };
}

export interface CompilerSetting {
  /** How a failure names the setting. */
  readonly name: string;
  readonly options: ts.CompilerOptions;
}

/**
 * The settings generated code must compile under: ours, and plain `strict` as most projects have
 * it, where an optional property's type includes `undefined` (both with `noUncheckedIndexedAccess`).
 */
export const CONSUMER_SETTINGS: readonly CompilerSetting[] = [
  { name: 'strict + exactOptionalPropertyTypes', options: strictOptions(true) },
  { name: 'strict', options: strictOptions(false) },
];

/** Diagnostics by file name ('(global)' for option and global errors). */
export type Diagnostics = Map<string, string[]>;

/** Type-checks `files` in one program; returns the diagnostics by file ('(global)' for options). */
export function typeCheck(
  dir: string,
  files: readonly string[],
  options: ts.CompilerOptions = strictOptions(),
): Diagnostics {
  return (
    typeCheckEach(dir, files, [{ name: 'given', options }]).get('given') ??
    new Map<string, string[]>()
  );
}

/**
 * Type-checks `files` once per setting, one program each; later programs reuse the first one's
 * parsed files (the settings differ only in what the checker does). Diagnostics by setting name.
 */
export function typeCheckEach(
  dir: string,
  files: readonly string[],
  settings: readonly CompilerSetting[] = CONSUMER_SETTINGS,
): Map<string, Diagnostics> {
  // The generated files must be ES modules: mark the folder like a consumer's package.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const bySetting = new Map<string, Diagnostics>();
  let oldProgram: ts.Program | undefined;
  for (const setting of settings) {
    const program = ts.createProgram({
      rootNames: [...files],
      options: setting.options,
      ...(oldProgram === undefined ? {} : { oldProgram }),
    });
    oldProgram = program;
    const out: Diagnostics = new Map();
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const file = d.file?.fileName ?? '(global)';
      const pos =
        d.file !== undefined && d.start !== undefined
          ? d.file.getLineAndCharacterOfPosition(d.start)
          : undefined;
      const text = `${path.relative(dir, file)}${pos === undefined ? '' : `:${pos.line + 1}:${pos.character + 1}`}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      const list = out.get(file) ?? [];
      list.push(text);
      out.set(file, list);
    }
    bySetting.set(setting.name, out);
  }
  return bySetting;
}
