/**
 * Issue 6's "done when": `aes create` a fresh project, add one endpoint of each kind with flags only,
 * install it from the npm registry (aes itself from this checkout), compile it with `tsc --strict`
 * and run its generated tests, which drive each endpoint against `aes mock` and the embedded broker.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createEndpoint } from '../../scaffold/index.js';
import {
  aesOk,
  ENDPOINT_FLAGS,
  FLAT_ENDPOINTS,
  NPM,
  REPO_ROOT,
  runOk,
  tempDir,
} from './support.js';

test('a scaffolded project installs, compiles strictly and passes its generated tests', async () => {
  // The project links this checkout; its compiled dist/ is what the project imports.
  assert.ok(
    existsSync(path.join(REPO_ROOT, 'dist', 'runtime', 'index.js')),
    'dist/ is missing: run npm run build (npm install does) first',
  );
  await using tmp = await tempDir('aes-scaffold-ci-');
  const dir = path.join(tmp.path, 'shop');
  aesOk(['create', dir, '--aes', `file:${REPO_ROOT}`]);
  for (const flags of Object.values(ENDPOINT_FLAGS)) {
    aesOk(['endpoint', 'create', '--project', dir, ...flags]);
  }
  // Three more over differently shaped messages, through the library to keep the test short.
  for (const answers of FLAT_ENDPOINTS) await createEndpoint({ ...answers, project: dir });
  runOk(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir, 300_000);
  runOk(
    path.join(dir, 'node_modules', '.bin', 'tsc'),
    ['--strict', '--noEmit', '-p', '.'],
    dir,
    120_000,
  );
  const out = runOk(NPM, ['test'], dir, 180_000);
  // The config test and one test per endpoint, every one passed.
  assert.match(out, /^# tests 7$/m, out);
  assert.match(out, /^# pass 7$/m, out);
  for (const name of [...Object.keys(ENDPOINT_FLAGS), ...FLAT_ENDPOINTS.map((e) => e.name)])
    assert.match(out, new RegExp(`^ok \\d+ - ${name} `, 'm'));
});
