/**
 * `aes demo` as a user runs it: a real CLI process, real SOAP systems, three nodes, two endpoint
 * processes. It must reach its summary with every record delivered exactly once, remove its
 * folder, and leave no process behind; bad flags are usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { runCli } from '../support/cli.js';
import { processesMentioning } from './support.js';

test('the process check finds a process by its environment', async () => {
  if (process.platform !== 'linux') return;
  const marker = `aes-demo-test-${process.pid}-${Date.now()}`;
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
    env: { ...process.env, AES_DEMO_TEST_MARKER: marker },
    stdio: 'ignore',
  });
  await once(child, 'spawn');
  try {
    assert.deepEqual(processesMentioning(marker), [child.pid]);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  assert.deepEqual(processesMentioning(marker), []);
});

test('aes demo --records 50: every record delivered exactly once, folder removed, no process left', () => {
  // A generous stall timeout: endpoints load through tsx on a machine busy with other tests.
  const out = runCli(['demo', '--records', '50', '--stall-timeout', '120'], {
    timeoutMs: 240_000,
  });
  assert.equal(out.status, 0, `${out.stdout}\n${out.stderr}`);
  const lines = out.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), '50 popped, 50 delivered, 0 lost, 0 duplicates');
  // Where everything is: three nodes, each with its metrics page, and the two systems.
  assert.match(out.stdout, /node hub .*embedded broker stomp:\/\/127\.0\.0\.1:\d+/);
  assert.match(out.stdout, /node sender .*outbound endpoint demo-out/);
  assert.match(out.stdout, /node receiver .*inbound endpoint demo-in/);
  assert.equal(out.stdout.match(/metrics +http:\/\/127\.0\.0\.1:\d+\/metrics/g)?.length, 3);
  assert.match(out.stdout, /source system +http:\/\/127\.0\.0\.1:\d+\/SourceService\/SourcePort/);
  const dir = /folder +(\S+)/.exec(out.stdout)?.[1];
  assert.ok(dir !== undefined, out.stdout);
  assert.ok(out.stdout.includes(`removed ${dir}`));
  assert.equal(existsSync(dir), false, `${dir} is removed`);
  if (process.platform === 'linux') {
    // Endpoint processes carry their node's socket (inside the folder) in their environment.
    assert.deepEqual(processesMentioning(dir), []);
  }
});

test('aes demo: records that stop flowing hit the deadline: a clear message, exit 1, folder kept', async () => {
  // The target faults every Put: records leave the source but never arrive.
  const out = runCli(['demo', '--records', '3', '--target-faults', '1', '--stall-timeout', '5'], {
    timeoutMs: 240_000,
  });
  assert.equal(out.status, 1, `${out.stdout}\n${out.stderr}`);
  assert.match(out.stdout, /records stopped flowing: nothing popped or delivered for 5 s/);
  assert.match(
    out.stdout.trimEnd().split('\n').at(-1) ?? '',
    /^(\d+) popped, 0 delivered, \1 lost, 0 duplicates$/,
  );
  const dir = /folder +(\S+)/.exec(out.stdout)?.[1];
  assert.ok(dir !== undefined, out.stdout);
  assert.ok(existsSync(`${dir}/receiver/node.log`), 'the folder is kept to look into');
  if (process.platform === 'linux') assert.deepEqual(processesMentioning(dir), []);
  await rm(dir, { recursive: true, force: true });
});

test('aes demo: a bad flag is a usage error naming it, exit 2, nothing started', () => {
  for (const [flag, value] of [
    ['--records', '0'],
    ['--records', 'many'],
    ['--port-base', '80'],
    ['--target-faults', '1.5'],
  ] as const) {
    const out = runCli(['demo', flag, value]);
    assert.equal(out.status, 2, `${flag} ${value}: ${out.stderr}`);
    assert.match(out.stderr, new RegExp(`${flag}.*'${value}' is invalid`));
    assert.doesNotMatch(out.stdout, /folder/);
  }
});
