#!/usr/bin/env node
// Runs the test suite with node's own test runner, TypeScript loaded through tsx.
// `node test/run.mjs` runs every test file under test/; `node test/run.mjs test/cluster` or a file
// path runs a subset. The runner's closing summary (tests / pass / fail / skipped) is what CI reads.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'fixtures' || name === 'golden') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const targets = args.length > 0 ? args : ['test'];
const files = targets.flatMap((t) => {
  const abs = join(root, t);
  return statSync(abs).isDirectory() ? findTests(abs) : [abs];
});
if (files.length === 0) {
  console.error(`test/run.mjs: no *.test.ts files under ${targets.join(', ')}`);
  process.exit(2);
}
const concurrency = process.env.AES_TEST_CONCURRENCY ?? '2';
// A test file whose handles keep it alive after a failure (a kernel or broker left open) would
// otherwise hang the run forever; this fails it instead. It bounds each file as well as each test.
const timeoutMs = process.env.AES_TEST_TIMEOUT_MS ?? '600000';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
