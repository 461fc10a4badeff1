/**
 * The API report of every public entry (docs/api/<entry>.api.md), made by
 * `@microsoft/api-extractor` from the declarations the build emits: `npm run api:report` writes
 * them, `test/house/api-report.test.ts` checks that the committed ones match the code, so that a
 * change to the public surface is always a visible, reviewed diff.
 *
 * The entries are package.json's `exports` (one report per source entry: `.` and `./runtime` are
 * one). The declarations are emitted into `.tmp/api-report/` inside the repository, so that the
 * packages they import (node-soap, ts-morph, …) resolve from its node_modules, and always there,
 * since a report names that folder where a warning has no API item to sit on.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';
import ts from 'typescript';
import { REPO_ROOT, packageEntries } from './support.js';

/** Where the reports are committed. */
export const REPORT_FOLDER = path.join(REPO_ROOT, 'docs', 'api');

/** One public entry: its report's name, the subpaths it serves and its source file. */
export interface ApiEntry {
  /** `aes` for the root entry, else the subpath without `./` (`broker`, `soap-client`, …). */
  readonly name: string;
  readonly subpaths: readonly string[];
  /** Repo-relative, e.g. `broker/index.ts`. */
  readonly source: string;
}

/** The public entries, one per source file, in package.json's order. */
export function apiEntries(): ApiEntry[] {
  const bySource = new Map<string, string[]>();
  for (const [subpath, source] of packageEntries()) {
    bySource.set(source, [...(bySource.get(source) ?? []), subpath]);
  }
  return [...bySource].map(([source, subpaths]) => {
    const first = subpaths[0] ?? '.';
    return { name: first === '.' ? 'aes' : first.replace(/^\.\//, ''), subpaths, source };
  });
}

/**
 * Emits the package's declarations (tsconfig.build.json, declarations only) into `outDir`.
 * Throws with the compiler's messages when the source does not compile.
 */
export function emitDeclarations(outDir: string): void {
  const configPath = path.join(REPO_ROOT, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT, {
    outDir,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    noEmit: false,
    // `npm run typecheck` checks the types; emitting declarations does not need it again.
    noCheck: true,
  });
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const result = program.emit();
  const diagnostics = [...program.getSyntacticDiagnostics(), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => REPO_ROOT,
      getNewLine: () => '\n',
    };
    throw new Error(ts.formatDiagnostics(diagnostics, host));
  }
}

/** API Extractor's settings for one entry, whose declarations are under `dtsDir`. */
function extractorConfig(entry: ApiEntry, dtsDir: string, tempDir: string): ExtractorConfig {
  const mainEntryPointFilePath = path.join(dtsDir, entry.source.replace(/\.ts$/, '.d.ts'));
  const configObject: IConfigFile = {
    projectFolder: REPO_ROOT,
    mainEntryPointFilePath,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        files: [mainEntryPointFilePath],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: entry.name,
      reportFolder: REPORT_FOLDER,
      reportTempFolder: tempDir,
      includeForgottenExports: false,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      // Release tags (@public, @beta…) are not how this package marks its surface: the entries are.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        // A public signature naming a type its entry does not export: shown where it happens.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        // Missing TSDoc is for review, not a change of the surface; the lint of docs is elsewhere.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
      },
      tsdocMessageReporting: {
        default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
      },
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(REPO_ROOT, 'package.json'),
  });
}

/** What one entry's report was and is. */
export interface ApiReportResult {
  readonly entry: ApiEntry;
  /** docs/api/<entry>.api.md, repo-relative. */
  readonly reportFile: string;
  /** The committed report before the run ('' when there was none). */
  readonly before: string;
  /** The report the code makes now. */
  readonly after: string;
  /** API Extractor's errors and warnings other than those kept in the report. */
  readonly messages: readonly string[];
}

/**
 * Makes every entry's report from the declarations in `dtsDir`. With `update`, the reports in
 * docs/api are rewritten; without it they are only compared, the current ones left in `tempDir`.
 */
export function extractReports(
  dtsDir: string,
  tempDir: string,
  update: boolean,
): ApiReportResult[] {
  const entries = apiEntries();
  if (update) mkdirSync(REPORT_FOLDER, { recursive: true });
  const configs = entries.map((e) => extractorConfig(e, dtsDir, tempDir));
  const first = configs[0];
  if (first === undefined) return [];
  // One TypeScript program for every entry: analysing the shared declarations once.
  const compilerState = CompilerState.create(first, {
    additionalEntryPoints: configs.map((c) => c.mainEntryPointFilePath),
  });
  return entries.map((entry, i) => {
    const config = configs[i] ?? first;
    const reportFile = path.join(REPORT_FOLDER, `${entry.name}.api.md`);
    const before = readOrEmpty(reportFile);
    const messages: string[] = [];
    Extractor.invoke(config, {
      localBuild: update,
      compilerState,
      messageCallback: (message: ExtractorMessage) => {
        // `console-*` messages are about the report files, which are compared below.
        const about = message.messageId.startsWith('console-');
        if (
          !about &&
          (message.logLevel === ExtractorLogLevel.Error ||
            message.logLevel === ExtractorLogLevel.Warning)
        ) {
          messages.push(message.formatMessageWithLocation(REPO_ROOT));
        }
        message.handled = true;
      },
    });
    const currentFile = update ? reportFile : path.join(tempDir, `${entry.name}.api.md`);
    const after = withoutLineNumbers(readOrEmpty(currentFile));
    writeFileSync(currentFile, after);
    return { entry, reportFile: path.relative(REPO_ROOT, reportFile), before, after, messages };
  });
}

/** Report files in docs/api that no public entry makes any more. */
export function staleReports(): string[] {
  const names = new Set(apiEntries().map((e) => `${e.name}.api.md`));
  let files: string[];
  try {
    files = readdirSync(REPORT_FOLDER);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.api.md') && !names.has(f))
    .map((f) => path.relative(REPO_ROOT, path.join(REPORT_FOLDER, f)));
}

/**
 * A warning that has no API item to sit on is listed at the report's end with the declaration
 * file's line and column, which would change the report whenever code above it moves: the file
 * is enough.
 */
function withoutLineNumbers(report: string): string {
  return report.replace(/^\/\/ \.tmp\/api-report\/dts\/(\S+?):\d+:\d+ - /gm, '// $1 - ');
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8').replaceAll('\r\n', '\n');
  } catch {
    return '';
  }
}

/** The lines only in `before` (`-`) and only in `after` (`+`): a short hint, not a full diff. */
export function lineChanges(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const inA = new Set(a);
  const inB = new Set(b);
  return [
    ...a.filter((l) => !inB.has(l) && l.trim() !== '').map((l) => `- ${l}`),
    ...b.filter((l) => !inA.has(l) && l.trim() !== '').map((l) => `+ ${l}`),
  ];
}

/** Emits the declarations into `.tmp/api-report/` (emptied first), runs `use`, and removes it. */
export function withWorkDir<T>(use: (dtsDir: string, tempDir: string) => T): T {
  const dir = path.join(REPO_ROOT, '.tmp', 'api-report');
  rmSync(dir, { recursive: true, force: true });
  try {
    const dtsDir = path.join(dir, 'dts');
    const tempDir = path.join(dir, 'reports');
    mkdirSync(tempDir, { recursive: true });
    emitDeclarations(dtsDir);
    return use(dtsDir, tempDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
