/**
 * Under `--json` a failing command prints one JSON object on stdout, `{"error":{code, message,
 * exitCode, causes?}}`, nothing on stderr, and exits as it would without `--json`; commands that
 * report something print their report as JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorJson, type JsonErrorOutput } from '../../cli/errors.js';
import { wantsJson } from '../../cli/main.js';
import { runCli } from '../support/cli.js';

function jsonError(out: { stdout: string; stderr: string }): JsonErrorOutput['error'] {
  assert.equal(out.stderr, '', 'nothing on stderr under --json');
  const lines = out.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, out.stdout);
  return (JSON.parse(lines[0] as string) as JsonErrorOutput).error;
}

test('errorJson: code (or class name), message, exit code and the chain of causes', () => {
  const inner = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  const outer = Object.assign(new Error('cannot read x', { cause: inner }), {
    code: 'X_UNREADABLE',
    exitCode: 3,
  });
  assert.deepEqual(errorJson(outer), {
    error: {
      code: 'X_UNREADABLE',
      message: 'cannot read x',
      exitCode: 3,
      causes: [{ code: 'ENOENT', message: 'ENOENT: no such file' }],
    },
  });
  assert.deepEqual(errorJson(new TypeError('bad')), {
    error: { code: 'TypeError', message: 'bad', exitCode: 1 },
  });
  assert.equal(wantsJson(['node', 'aes', 'status', '--json']), true);
  assert.equal(wantsJson(['node', 'aes', 'post', 'poe://k/s/t', '--', '--json']), false);
});

test('a failing command under --json: one JSON error on stdout, the same exit code', () => {
  const missing = join(tmpdir(), 'aes-no-such-config.json');
  const text = runCli(['config', 'check', missing]);
  const json = runCli(['config', 'check', missing, '--json']);
  assert.equal(text.status, 1);
  assert.equal(json.status, text.status);
  const error = jsonError(json);
  assert.equal(error.code, 'RUNTIME_CONFIG_UNREADABLE');
  assert.equal(error.exitCode, 1);
  assert.match(error.message, /aes-no-such-config\.json: cannot read/);
  assert.equal(error.causes?.[0]?.code, 'ENOENT');

  const control = runCli(['endpoint', 'restart', 'orders', '-c', missing, '--json']);
  assert.equal(control.status, 1);
  assert.equal(jsonError(control).code, 'RUNTIME_CONFIG_UNREADABLE');
});

test('a usage error under --json is a JSON error with exit code 2, without the help hint', () => {
  const out = runCli(['status', '--json', '--no-such-flag']);
  assert.equal(out.status, 2);
  const error = jsonError(out);
  assert.equal(error.code, 'commander.unknownOption');
  assert.equal(error.message, "unknown option '--no-such-flag'");
  // Without --json: text on stderr, as before.
  const text = runCli(['status', '--no-such-flag']);
  assert.equal(text.status, 2);
  assert.equal(text.stdout, '');
  assert.match(text.stderr, /^error: unknown option '--no-such-flag'\n\(run with --help/);
});

test('aes ping --json: an unreachable kernel is a JSON error', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const out = runCli([
    'ping',
    '--json',
    '--address',
    `tcp://127.0.0.1:${port}`,
    '--secret',
    'a secret of enough length',
    '--timeout-ms',
    '3000',
  ]);
  assert.notEqual(out.status, 0);
  const error = jsonError(out);
  assert.equal(error.exitCode, out.status);
  assert.ok(error.message.length > 0);
});

test('aes create --json prints the project; aes endpoint create --json asks nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aes-create-json-'));
  try {
    const project = join(dir, 'shop');
    const out = runCli(['create', project, '--json']);
    assert.equal(out.status, 0, out.stderr);
    const created = JSON.parse(out.stdout) as { name: string; dir: string; files: string[] };
    assert.equal(created.name, 'shop');
    assert.ok(created.files.includes('aes.config.json'), out.stdout);
    // Not a terminal here anyway; under --json a missing answer is always an error, as JSON.
    const missing = runCli(['endpoint', 'create', '--project', project, '--json']);
    assert.notEqual(missing.status, 0);
    assert.match(jsonError(missing).message, /--kind/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
