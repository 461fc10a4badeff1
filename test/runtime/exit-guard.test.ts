/**
 * An endpoint process always exits (runtime/node/exit-guard.ts). Without the guard, a process
 * whose output broke (its node killed) or that hit an uncaught error while lmdb-js commits were
 * in flight hung in exit about one time in three here — the orphaned endpoint of issue 17, which
 * kept its data folder's lock. Each case runs several times, since the hang was a race.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DeliveredStore } from '../../runtime/store/delivered-store.js';
import { tempDir } from './support/helpers.js';

const CHILD = new URL('fixtures/exit-guard-child.ts', import.meta.url).pathname;
/** Far above what an exit takes (tens of ms), far below the guard's SIGKILL (15 s). */
const EXIT_WITHIN_MS = 10_000;

async function runOnce(dataDir: string, fault: 'node-gone' | 'throw'): Promise<number | string> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, fault], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) =>
    code === null ? String(signal) : Number(code),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('writing')) resolve();
    });
    child.once('exit', () => reject(new Error(`the child exited before writing: ${stderr}`)));
  });
  if (fault === 'node-gone') {
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(Math.random() * 200)));
    // The node dies: every pipe to it closes at once.
    child.stdout.destroy();
    child.stderr.destroy();
    child.stdin.end();
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS);
  try {
    const outcome = await exited;
    assert.notEqual(outcome, 'SIGKILL', `${fault}: the process hung in exit`);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

for (const fault of ['node-gone', 'throw'] as const) {
  test(`${fault}: the process exits with 1 while its store commits, every time`, async () => {
    for (let round = 0; round < 6; round += 1) {
      await using dir = await tempDir();
      const dataDir = join(dir.path, 'orders-in');
      assert.equal(await runOnce(dataDir, fault), 1, `round ${round}`);
      // The store was closed, not torn: it opens and holds what was committed.
      const store = DeliveredStore.open(dataDir);
      try {
        assert.ok(store.has('id-1'), `round ${round}: id-1 was committed`);
      } finally {
        await store.close();
      }
    }
  });
}
