import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('aes --version prints the package version and exits 0', () => {
  const out = runCli(['--version']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('an unknown command is a usage error with exit code 2', () => {
  const out = runCli(['no-such-command']);
  assert.equal(out.status, 2);
  assert.match(out.stderr, /unknown command 'no-such-command'|too many arguments/);
});
