/**
 * Runs a scaffolded project's own test files without installing it: `aes-endpoint-server` resolves
 * to this checkout's sources (a package in the project's node_modules whose entries re-export them)
 * and TypeScript loads through this checkout's tsx. packed.test.ts and project.test.ts install for
 * real; this is for the tests that run a generated test several times.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newProject, REPO_ROOT } from './support.js';

const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');

/** Makes `aes-endpoint-server` (every entry of its exports) resolvable from `project`. */
export async function linkSources(project: string): Promise<void> {
  const own = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  const dir = path.join(project, 'node_modules', 'aes-endpoint-server');
  await mkdir(dir, { recursive: true });
  const exports: Record<string, string> = {};
  for (const [key, target] of Object.entries(own.exports)) {
    const built = typeof target === 'string' ? target : target.default;
    const match = /^\.\/dist\/(.+)\.js$/.exec(built);
    if (match?.[1] === undefined) continue;
    const file = `./${key === '.' ? 'index' : key.slice(2)}.ts`;
    exports[key] = file;
    const source = path.join(REPO_ROOT, `${match[1]}.ts`);
    await writeFile(path.join(dir, file), `export * from ${JSON.stringify(source)};\n`);
  }
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'aes-endpoint-server', type: 'module', exports }, null, 2),
  );
}

/** {@link newProject}, with `aes-endpoint-server` resolving to this checkout's sources. */
export async function linkedProject(dir: string): Promise<string> {
  const folder = await newProject(dir);
  await linkSources(folder);
  return folder;
}

// Without this, the project's `node --test` would report to this runner instead of printing.
const { NODE_TEST_CONTEXT: _, ...ENV } = process.env;

/** Runs `test/<name>.test.ts` of `project` with node's test runner; its exit status and output. */
export function runGeneratedTest(
  project: string,
  name: string,
  timeoutMs = 120_000,
): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    ['--import', TSX, '--test', '--test-reporter=spec', path.join('test', `${name}.test.ts`)],
    { cwd: project, encoding: 'utf8', timeout: timeoutMs, env: ENV },
  );
}
