/**
 * The package's one data-folder lock (util/dir-lock.ts): one holder per folder, in this process
 * and across processes; a lock file left by a dead process, or naming this pid without being
 * held here, is taken over; release removes only a file that still names this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirLockError, acquireDirLock } from '../../util/dir-lock.js';

function withDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'aes-dir-lock-'));
    try {
      await run(join(root, 'data'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

test(
  'creates the folder and a lock file naming this process; a second holder here is refused',
  withDir(async (dir) => {
    const lock = await acquireDirLock(dir);
    assert.equal(lock.path, join(dir, 'lock'));
    assert.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`);
    await assert.rejects(
      acquireDirLock(`${dir}/./`),
      (err: unknown) =>
        err instanceof DirLockError &&
        err.code === 'DIR_LOCKED' &&
        err.holderPid === process.pid &&
        err.message === `${dir}/./ is already open in this process`,
    );
    const release = lock.release();
    assert.equal(lock.release(), release, 'idempotent');
    await release;
    assert.equal(existsSync(lock.path), false);
    const again = await acquireDirLock(dir);
    await again.release();
  }),
);

test(
  'two calls at once in one process: exactly one takes the folder',
  withDir(async (dir) => {
    const outcomes = await Promise.allSettled([acquireDirLock(dir), acquireDirLock(dir)]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    for (const o of outcomes) if (o.status === 'fulfilled') await o.value.release();
  }),
);

test(
  'a live process holding the file is named; the file name and the holder are options',
  withDir(async (dir) => {
    const first = await acquireDirLock(dir, { fileName: 'broker.pid' });
    await first.release();
    // The parent of this test process is alive and is not this process.
    writeFileSync(join(dir, 'broker.pid'), `${process.ppid}\n`);
    await assert.rejects(
      acquireDirLock(dir, { fileName: 'broker.pid', holder: 'another broker' }),
      (err: unknown) =>
        err instanceof DirLockError &&
        err.code === 'DIR_LOCKED' &&
        err.holderPid === process.ppid &&
        err.problem === `in use by another broker (pid ${process.ppid})` &&
        err.message === `${dir} is in use by another broker (pid ${process.ppid})`,
    );
    assert.equal(readFileSync(join(dir, 'broker.pid'), 'utf8'), `${process.ppid}\n`, 'left alone');
  }),
);

test(
  'a file left by a dead process, by this pid in an earlier run, or unreadable is taken over',
  withDir(async (dir) => {
    const first = await acquireDirLock(dir);
    await first.release();
    for (const left of [`${deadPid()}\n`, `${process.pid}\n`, 'garbage', '']) {
      writeFileSync(join(dir, 'lock'), left);
      const lock = await acquireDirLock(dir);
      assert.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`);
      await lock.release();
    }
  }),
);

test(
  'release leaves a lock file that names another process',
  withDir(async (dir) => {
    const lock = await acquireDirLock(dir);
    writeFileSync(lock.path, `${process.ppid}\n`);
    await lock.release();
    assert.equal(readFileSync(lock.path, 'utf8'), `${process.ppid}\n`);
    rmSync(lock.path);
    const gone = await acquireDirLock(dir);
    rmSync(gone.path);
    await gone.release();
  }),
);

test(
  'a lock file that cannot be created is DIR_LOCK_FAILED, with the cause',
  withDir(async (dir) => {
    // A lock file in a folder that does not exist: open() fails with ENOENT.
    await assert.rejects(
      acquireDirLock(dir, { fileName: join('missing', 'lock') }),
      (err: unknown) =>
        err instanceof DirLockError &&
        err.code === 'DIR_LOCK_FAILED' &&
        err.problem.startsWith('cannot create the lock file: ENOENT') &&
        err.message.startsWith(`${join(dir, 'missing', 'lock')}: cannot create the lock file`) &&
        (err.cause as NodeJS.ErrnoException).code === 'ENOENT',
    );
    // A failed attempt does not count as held here: trying again fails the same way.
    await assert.rejects(acquireDirLock(dir, { fileName: join('missing', 'lock') }), {
      code: 'DIR_LOCK_FAILED',
    });
    // A folder that cannot be made (a file in the way): named, with the cause.
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(
      acquireDirLock(join(file, 'data')),
      (err: unknown) =>
        err instanceof DirLockError &&
        err.code === 'DIR_LOCK_FAILED' &&
        err.message ===
          `${join(file, 'data')}: cannot make the folder: ${(err.cause as Error).message}` &&
        (err.cause as NodeJS.ErrnoException).code === 'ENOTDIR',
    );
  }),
);
