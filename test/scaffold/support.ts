/** Shared pieces of the scaffolding tests: the fixture WSDLs, temp folders, the CLI from source. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject, type EndpointAnswers } from '../../scaffold/index.js';
import { REPO_ROOT, runCli } from '../support/cli.js';

export { REPO_ROOT, runCli };

// The examples aes ships (templates/examples/), which docs/getting-started.md uses too.
const FIXTURES = fileURLToPath(new URL('../../templates/examples/', import.meta.url));
/** A FIFO source system (Pop, Popped, Build). */
export const SOURCE_WSDL = path.join(FIXTURES, 'source.wsdl');
/** A target system (Put, PutMany). */
export const TARGET_WSDL = path.join(FIXTURES, 'target.wsdl');

/** A fresh folder under the OS temp dir, removed on dispose. */
export async function tempDir(
  prefix: string,
): Promise<AsyncDisposable & { readonly path: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { path: dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** A new project `shop` in `dir`, its aes-endpoint-server this checkout (`file:`); its folder. */
export async function newProject(dir: string): Promise<string> {
  const folder = path.join(dir, 'shop');
  await createProject({ dir: folder, aes: `file:${REPO_ROOT}` });
  return folder;
}

const OWN = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Endpoints over WSDLs shaped otherwise (record at the top of the response, numeric ids). */
export const FLAT_ENDPOINTS: readonly EndpointAnswers[] = [
  {
    kind: 'outbound',
    phase: 'single',
    name: 'flat-out',
    wsdl: path.join(OWN, 'flat-source.wsdl'),
    pop: 'Pop',
    popped: 'Popped',
    destination: '/queue/flat',
  },
  {
    kind: 'outbound',
    phase: 'double',
    name: 'flat-docs',
    wsdl: path.join(OWN, 'flat-source.wsdl'),
    pop: 'Pop',
    popped: 'Popped',
    build: 'Build',
    destination: '/topic/flat-docs',
  },
  {
    kind: 'inbound',
    name: 'flat-in',
    wsdl: path.join(OWN, 'flat-target.wsdl'),
    put: 'Put',
    destination: '/queue/flat',
  },
];

/** The flags that add one endpoint of each kind to a project. */
export const ENDPOINT_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'orders-out': [
    '--kind',
    'outbound',
    '--phase',
    'single',
    '--name',
    'orders-out',
    '--wsdl',
    SOURCE_WSDL,
    '--pop',
    'Pop',
    '--popped',
    'Popped',
    '--pop-many',
    'Pop',
    '--destination',
    '/queue/orders',
  ],
  'docs-out': [
    '--kind',
    'outbound',
    '--phase',
    'double',
    '--name',
    'docs-out',
    '--wsdl',
    SOURCE_WSDL,
    '--pop',
    'Pop',
    '--popped',
    'Popped',
    '--build',
    'Build',
    '--destination',
    '/queue/docs',
  ],
  'orders-in': [
    '--kind',
    'inbound',
    '--name',
    'orders-in',
    '--wsdl',
    TARGET_WSDL,
    '--put',
    'Put',
    '--put-many',
    'PutMany',
    '--destination',
    '/queue/orders',
  ],
};

export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Without this, a project's own `node --test` would report to this runner instead of printing.
const { NODE_TEST_CONTEXT: _, ...ENV } = process.env;

/** Runs a program in `cwd`; fails with its output unless it exits 0, else returns its stdout. */
export function runOk(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number,
): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: ENV });
  assert.equal(
    r.status,
    0,
    `${command} ${args.join(' ')} exited ${String(r.status)}${r.signal === null ? '' : ` (${r.signal})`}:\n${r.stdout}\n${r.stderr}`,
  );
  return r.stdout;
}

/** Runs `aes <args>` and fails with its output unless it exits 0. */
export function aesOk(args: readonly string[]): string {
  const r = runCli(args);
  if (r.status !== 0) {
    throw new Error(`aes ${args.join(' ')} exited ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Every file under `dir` (relative path → content), skipping node_modules and data. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'data') await walk(child);
      } else out.set(child, await readFile(path.join(dir, child), 'utf8'));
    }
  };
  await walk('');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Runs an `aes endpoint create` that must fail, and checks it changed nothing in `project` (no
 * staging folder or temporary file left either): its exit status and stderr (without its final
 * newline).
 */
export async function failsCleanly(
  project: string,
  args: readonly string[],
): Promise<{ readonly status: number | null; readonly stderr: string }> {
  const before = await snapshot(project);
  const r = runCli(['endpoint', 'create', '--project', project, ...args]);
  assert.notEqual(r.status, 0, `expected a failure:\n${r.stdout}`);
  const after = await snapshot(project);
  assert.deepEqual(after, before, 'the project was changed');
  assert.deepEqual(after.size, before.size, 'no staging folder or temporary file was left behind');
  return { status: r.status, stderr: r.stderr.trimEnd() };
}

/**
 * The candidates a `SCAFFOLD_AMBIGUOUS` refusal lists (`path: type` each, or `none`) and the number
 * after "and N more" (0 when all are listed).
 */
export function listedCandidates(refusal: string): { listed: string[]; more: number } {
  const m = /\(candidates: (.*?)(?: and (\d+) more)?\)\s*$/.exec(refusal);
  assert.ok(m !== null, `no candidates in: ${refusal}`);
  return { listed: (m[1] ?? '').split(', '), more: Number(m[2] ?? '0') };
}

/** Fails naming the candidates a refusal lists more than once. */
export function assertListedOnce(refusal: string): void {
  const { listed } = listedCandidates(refusal);
  const twice = listed.filter((c, i) => listed.indexOf(c) !== i);
  assert.deepEqual(twice, [], `listed more than once: ${twice.join(', ')}\nin: ${refusal}`);
}
