/** docs/demo.md documents every flag of `aes demo`, and the docs index and README link it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildProgram } from '../../cli/main.js';
import { REPO_ROOT } from '../support/cli.js';

const read = (file: string): string => readFileSync(new URL(file, `file://${REPO_ROOT}/`), 'utf8');

test('docs/demo.md has a row for every flag of aes demo', () => {
  const demo = buildProgram(() => {}).commands.find((c) => c.name() === 'demo');
  assert.ok(demo !== undefined, 'aes demo is registered');
  const doc = read('docs/demo.md');
  const flags = demo.options.map((o) => o.flags);
  assert.ok(flags.length >= 4, flags.join(', '));
  for (const flag of flags) {
    assert.ok(doc.includes(`| \`${flag}\` |`), `docs/demo.md documents ${flag}`);
  }
});

test('the README quick start is aes demo, and the docs index links docs/demo.md', () => {
  assert.match(read('README.md'), /```sh\nnpm install && npx aes demo\nnpm test\n```/);
  assert.match(read('docs/README.md'), /\(demo\.md\)/);
});
