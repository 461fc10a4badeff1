/**
 * Type-checks a scaffolded project without installing it: its own tsconfig.json, as `npm run
 * build` (`tsc --noEmit`) does, and plain `strict` as most projects have it, with
 * `aes-endpoint-server` resolving to this checkout's sources (linkSources in generated-run.ts)
 * and `@types/node` from this checkout. project.test.ts installs and runs tsc for real; this is
 * for the tests that scaffold over many WSDLs.
 */
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './support.js';

/** What the linked sources and this checkout's type roots need, beside the project's settings. */
const LINKED: ts.CompilerOptions = {
  // linkSources re-exports the `.ts` sources by path.
  allowImportingTsExtensions: true,
  typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
};

/**
 * The diagnostics of the project's own files (not of the linked sources) under its tsconfig.json
 * and under plain `strict`, each prefixed with the setting; empty when both compile.
 */
export function typeCheckProject(project: string): string[] {
  const configFile = path.join(project, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f));
  if (read.error !== undefined) {
    return [`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`];
  }
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, project);
  // A check of nothing would pass: the project has an endpoint, a client and a test at least.
  if (parsed.fileNames.length === 0) return ['tsconfig.json: it includes no file'];
  const settings: readonly (readonly [string, ts.CompilerOptions])[] = [
    ['tsconfig.json', { ...parsed.options, ...LINKED }],
    ['strict', { ...parsed.options, ...LINKED, exactOptionalPropertyTypes: false }],
  ];
  const own = (file: string): boolean =>
    file.startsWith(project + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
  const out: string[] = [];
  let oldProgram: ts.Program | undefined;
  for (const [name, options] of settings) {
    // The second program reuses the first one's parsed files: the settings differ in checks only.
    const program = ts.createProgram({
      rootNames: parsed.fileNames,
      options,
      ...(oldProgram === undefined ? {} : { oldProgram }),
    });
    oldProgram = program;
    for (const d of ts.getPreEmitDiagnostics(program)) {
      if (d.file !== undefined && !own(d.file.fileName)) continue;
      const where =
        d.file === undefined
          ? '(global)'
          : `${path.relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`;
      out.push(`${name}: ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return out;
}
