/**
 * The node's and each endpoint's data folder is held by one instance at a time: two instances
 * of one endpoint sharing a journal would pop and mark the same records. The package's one lock
 * (util/dir-lock.ts, file `<dataDir>/lock`), its refusals reported as the runtime's errors.
 */
import { DirLockError, acquireDirLock, type DirLock } from '../../util/index.js';
import { LockedError, StoreError } from '../errors.js';

/**
 * Locks `dir` (created when missing). Rejects with `LockedError` (`RUNTIME_LOCKED`) when a live
 * process, or another object of this one, holds it, and with `StoreError` when the lock file
 * cannot be made.
 */
export async function lockDataDir(dir: string): Promise<DirLock> {
  try {
    return await acquireDirLock(dir);
  } catch (err) {
    if (!(err instanceof DirLockError)) throw err;
    if (err.code === 'DIR_LOCKED') throw new LockedError(err.path, err.holderPid ?? process.pid);
    throw new StoreError(
      err.path,
      err.problem,
      err.cause === undefined ? undefined : { cause: err.cause },
    );
  }
}
