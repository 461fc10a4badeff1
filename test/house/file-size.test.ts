/**
 * One concept per file, and files of about 600 lines at most (STYLE.md): a source file that
 * grows past that is split, as the broker's connection and store and the cluster's kernel and
 * link were. The bound leaves a little slack above 600 so that a one-line fix does not force a
 * split; the largest files are named when it fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sourceFiles } from './support.js';

const MAX_LINES = 620;

test(`no source file is over ${MAX_LINES} lines`, () => {
  const sizes = sourceFiles()
    .map((file) => ({
      file,
      lines: readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').length,
    }))
    .sort((a, b) => b.lines - a.lines);
  assert.ok(sizes.length > 50, 'the source files were found');
  const over = sizes.filter((s) => s.lines > MAX_LINES);
  assert.deepEqual(
    over,
    [],
    `split these: ${over.map((s) => `${s.file} (${s.lines})`).join(', ')}; largest: ${sizes
      .slice(0, 3)
      .map((s) => `${s.file} (${s.lines})`)
      .join(', ')}`,
  );
});
