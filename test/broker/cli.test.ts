/** `aes broker` as a real child process: flags, credentials, clean stop on SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess } from '../support/broker-process.js';
import { runCli } from '../support/cli.js';
import { StompjsClient, tempDir, within } from './support.js';

test('aes broker --help lists every flag', () => {
  const out = runCli(['broker', '--help']);
  assert.equal(out.status, 0, out.stderr);
  for (const flag of [
    '--port',
    '--bind',
    '--data-dir',
    '--user',
    '--users-file',
    '--max-frame-bytes',
    '--max-headers',
    '--max-header-bytes',
    '--max-pending-bytes',
    '--max-transaction-bytes',
    '--max-connections',
    '--heartbeat-ms',
    '--connect-timeout-ms',
    '--max-deliveries',
    '--dead-letter-suffix',
    '--prefetch',
  ]) {
    assert.ok(out.stdout.includes(flag), `help mentions ${flag}`);
  }
});

test('aes broker rejects a bad flag value naming it', () => {
  const dir = tempDir();
  try {
    const out = runCli(['broker', '--data-dir', dir.path, '--max-pending-bytes', '10']);
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /\[BROKER_OPTIONS\].*'maxPendingBytes'/);
    const usage = runCli(['broker', '--port', 'eighty']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--port.*expected a non-negative integer/);
  } finally {
    dir.remove();
  }
});

test('aes broker serves STOMP with credentials and stops cleanly on SIGTERM', async () => {
  const dir = tempDir();
  const { child, port, url } = await startBrokerProcess(
    ['--port', '0', '--data-dir', dir.path, '--user', 'ops:s3cret'],
    30_000,
  );
  try {
    assert.equal(url, `stomp://127.0.0.1:${port}`);
    await assert.rejects(
      StompjsClient.connect(port, { login: 'ops', passcode: 'nope' }),
      /bad credentials/,
    );
    const c = await StompjsClient.connect(port, { login: 'ops', passcode: 's3cret' });
    await c.send('/queue/cli', 'hello');
    await c.close();
    const code = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    child.kill('SIGTERM');
    assert.equal(await within('aes broker to exit', code, 15_000), 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    dir.remove();
  }
});
