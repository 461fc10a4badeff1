/**
 * `npm run api:report`: rewrites docs/api/<entry>.api.md, the API report of every public entry,
 * from the code, and removes reports of entries that are gone. Commit the reports with the change
 * that made them differ: that diff is the change of the public surface, for review.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { extractReports, staleReports, withWorkDir } from './api-report.js';
import { REPO_ROOT } from './support.js';

const results = withWorkDir((dtsDir, tempDir) => extractReports(dtsDir, tempDir, true));
for (const r of results) {
  const what = r.before === '' ? 'new' : r.before === r.after ? 'unchanged' : 'changed';
  process.stdout.write(`${r.reportFile}: ${what} (${r.entry.subpaths.join(', ')})\n`);
  for (const m of r.messages) process.stderr.write(`  ${m}\n`);
}
for (const file of staleReports()) {
  rmSync(path.join(REPO_ROOT, file));
  process.stdout.write(`${file}: removed (no such entry)\n`);
}
if (results.some((r) => r.messages.length > 0)) process.exitCode = 1;
