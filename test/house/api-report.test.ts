/**
 * The committed API reports (docs/api/<entry>.api.md) are what the code's public entries export,
 * so that a change to the public surface is always a visible, reviewed diff. When this fails and
 * the change is meant, run `npm run api:report` and commit docs/api with the change.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractReports, lineChanges, staleReports, withWorkDir } from './api-report.js';

/** Lines of a report hint at most: enough to see what moved, short enough to read. */
const HINT_LINES = 40;

test('docs/api holds the API report of every public entry, as the code makes it', () => {
  const problems = withWorkDir((dtsDir, tempDir) =>
    extractReports(dtsDir, tempDir, false).flatMap((r) => {
      const out = r.messages.map((m) => `${r.reportFile}: API Extractor: ${m}`);
      if (r.before === '') {
        out.push(
          `${r.reportFile} is missing for ${r.entry.subpaths.join(', ')} (${r.entry.source})`,
        );
      } else if (r.before !== r.after) {
        const changes = lineChanges(r.before, r.after);
        const shown = changes.slice(0, HINT_LINES);
        if (changes.length > shown.length) shown.push(`… ${changes.length - shown.length} more`);
        out.push(
          `${r.reportFile} differs from what ${r.entry.source} exports (- committed, + now):\n` +
            shown.map((l) => `    ${l}`).join('\n'),
        );
      }
      return out;
    }),
  );
  for (const file of staleReports()) problems.push(`${file}: no public entry makes it any more`);
  assert.deepEqual(
    problems,
    [],
    `${problems.join('\n')}\n\nIf the public surface is meant to change, run \`npm run api:report\` ` +
      'and commit docs/api with the change, for review; if not, fix the entry.',
  );
});

test('the hint lists the lines a report lost and gained', () => {
  assert.deepEqual(lineChanges('a\nb\nc\n', 'a\nc\nd\n'), ['- b', '+ d']);
});
