/**
 * Stopping `aes demo` by signal: after the summary with --keep-running (exit 0, folder kept),
 * and in the middle of the flow (exit 130, folder removed). Either way no process is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { processesMentioning } from './support.js';

const ENTRY = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

function startDemo(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'demo', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    stdout: () => out,
    waitFor: async (pattern, timeoutMs) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out);
        if (match !== null) return match;
        if (child.exitCode !== null || Date.now() > until) {
          throw new Error(`no ${String(pattern)} in:\n${out}\n${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

test('--keep-running: everything stays up until SIGTERM, then stops cleanly (exit 0)', async () => {
  const demo = startDemo(['--records', '20', '--keep-running', '--stall-timeout', '120']);
  try {
    const dir = (await demo.waitFor(/folder +(\S+)/, 60_000))[1] ?? '';
    await demo.waitFor(/everything keeps running/, 180_000);
    // Up after the summary: the endpoint processes run, in their node's folder.
    if (process.platform === 'linux') assert.equal(processesMentioning(dir).length, 2);
    demo.child.kill('SIGTERM');
    assert.equal(await demo.exited, 0, demo.stdout());
    assert.equal(
      demo.stdout().trimEnd().split('\n').at(-1),
      '20 popped, 20 delivered, 0 lost, 0 duplicates',
    );
    assert.ok(existsSync(`${dir}/hub/aes.config.json`), 'the folder is kept');
    if (process.platform === 'linux') assert.deepEqual(processesMentioning(dir), []);
    await rm(dir, { recursive: true, force: true });
  } finally {
    demo.child.kill('SIGKILL');
  }
});

test('SIGINT while records flow: a clean stop, exit 130, folder removed, no process left', async () => {
  const demo = startDemo(['--records', '100000', '--stall-timeout', '120']);
  try {
    const dir = (await demo.waitFor(/folder +(\S+)/, 60_000))[1] ?? '';
    await demo.waitFor(/ [1-9]\d*\/100000 popped/, 180_000);
    demo.child.kill('SIGINT');
    assert.equal(await demo.exited, 130, demo.stdout());
    assert.match(demo.stdout(), /interrupted: stopping/);
    // Records popped but not delivered yet were in the queue: on their way, not lost.
    assert.match(
      demo.stdout().trimEnd().split('\n').at(-1) ?? '',
      /^interrupted after \d+ popped, \d+ delivered, \d+ on their way, 0 duplicates$/,
    );
    assert.equal(existsSync(dir), false, 'the folder is removed');
    if (process.platform === 'linux') assert.deepEqual(processesMentioning(dir), []);
  } finally {
    demo.child.kill('SIGKILL');
  }
});
