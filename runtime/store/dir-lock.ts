/**
 * An endpoint's data folder is held by one instance at a time: two instances of one endpoint
 * sharing a journal would pop and mark the same records. The lock is a file holding the pid;
 * a lock left by a dead process (kill -9) is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LockedError, StoreError } from '../errors.js';

const heldInProcess = new Set<string>();

export interface DirLock {
  readonly path: string;
  /** Removes the lock file. Idempotent. */
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireDirLock(dir: string): Promise<DirLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'lock');
  if (heldInProcess.has(path)) throw new LockedError(path, process.pid);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      heldInProcess.add(path);
      let released: Promise<void> | undefined;
      return {
        path,
        release: () =>
          (released ??= (async () => {
            heldInProcess.delete(path);
            await rm(path, { force: true });
          })()),
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(path, `cannot create the lock file: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const text = await readFile(path, 'utf8').catch(() => '');
      const pid = Number.parseInt(text.trim(), 10);
      // Our own pid in a lock we do not hold in this process: left by an earlier run.
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new LockedError(path, pid);
      }
      await rm(path, { force: true });
    }
  }
  throw new StoreError(path, 'could not take the lock file (another process keeps recreating it)');
}
