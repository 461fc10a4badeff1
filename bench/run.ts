/**
 * `npm run bench -- <suite> [args]` runs `bench/<suite>.ts`. Each suite prints its figures beside a
 * baseline measured in the same run and ends with one JSON line `{"suite":"<suite>",...}`.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const [suite, ...rest] = process.argv.slice(2);
if (suite === undefined || !suites.includes(suite)) {
  console.error(
    `bench: ${suite === undefined ? 'name a suite' : `no suite '${suite}'`} (known: ${suites.join(', ') || 'none'})`,
  );
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${suite}.ts`, ...rest], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
