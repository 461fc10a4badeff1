/**
 * The package's one data-folder lock: a folder is used by one process, and one object in it, at
 * a time (two brokers on one store would deliver every message twice; two instances of one
 * endpoint would pop and mark the same records). The lock is a file in the folder holding the
 * holder's pid and a newline, created exclusively; a file left by a process that is gone (kill -9)
 * is taken over, and so is one naming this very pid but not held here (left by an earlier run in
 * a container, where pids repeat).
 *
 * Its users: the node's and each endpoint's data folder (`<dataDir>/lock`) and the broker's store
 * (`broker.pid`). Each wraps a refusal in an error of its own folder.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { makeDir } from './make-dir.js';
import { join, resolve } from 'node:path';
import { isAlive } from './process-alive.js';

/** The lock file's name inside the folder when none is given. */
export const DEFAULT_LOCK_FILE = 'lock';
/** How a refusal names a live holder when no name is given. */
export const DEFAULT_LOCK_HOLDER = 'another process';
/** Tries to take a lock file left by a dead process before giving up (another keeps recreating it). */
const TAKE_OVER_ATTEMPTS = 3;

/** Lock files held by this process, resolved: a second object on one folder is refused too. */
const heldHere = new Set<string>();

export type DirLockErrorCode =
  /** A live process holds the folder, or this process does already. */
  | 'DIR_LOCKED'
  /** The lock file could not be created or taken over. */
  | 'DIR_LOCK_FAILED';

/** The folder could not be locked: held elsewhere (`DIR_LOCKED`) or not lockable. */
export class DirLockError extends Error {
  override readonly name = 'DirLockError';

  constructor(
    readonly code: DirLockErrorCode,
    /** The lock file. */
    readonly path: string,
    /** What is wrong, without the folder or file: `in use by another broker (pid 12)`. */
    readonly problem: string,
    /** The holder's pid for `DIR_LOCKED` (this process's when it holds the lock itself). */
    readonly holderPid: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How {@link acquireDirLock} names its file and its refusals; every field has a default. */
export interface DirLockOptions {
  /** The lock file's name inside the folder. @defaultValue DEFAULT_LOCK_FILE */
  readonly fileName?: string;
  /**
   * Who a live holder is, in the refusal `<dir> is in use by <holder> (pid N)`, e.g.
   * `another broker`. @defaultValue DEFAULT_LOCK_HOLDER
   */
  readonly holder?: string;
}

/** A folder held by this process until {@link DirLock.release}. */
export interface DirLock {
  /** The lock file. */
  readonly path: string;
  /**
   * Lets the folder go: forgets it here and removes the lock file if it still names this
   * process. Idempotent: every call returns the same promise.
   */
  release(): Promise<void>;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Locks `dir` (created when missing) for this process. Rejects with a `DirLockError`:
 * `DIR_LOCKED` when a live process, or this one, holds it; `DIR_LOCK_FAILED` when the folder or
 * the lock file cannot be created. The folder counts as held here from the call on, so two calls
 * at once in one process cannot both take it.
 */
export async function acquireDirLock(dir: string, options: DirLockOptions = {}): Promise<DirLock> {
  const path = join(dir, options.fileName ?? DEFAULT_LOCK_FILE);
  const key = resolve(path);
  if (heldHere.has(key)) {
    const problem = 'already open in this process';
    throw new DirLockError('DIR_LOCKED', path, problem, process.pid, `${dir} is ${problem}`);
  }
  heldHere.add(key);
  try {
    await makeDir(dir).catch((err: unknown) => {
      const problem = `cannot make the folder: ${(err as Error).message}`;
      throw new DirLockError('DIR_LOCK_FAILED', path, problem, undefined, `${dir}: ${problem}`, {
        cause: err,
      });
    });
    for (let attempt = 0; attempt < TAKE_OVER_ATTEMPTS; attempt += 1) {
      if (await create(path)) return held(path, key);
      const text = await readFile(path, 'utf8').catch(() => '');
      const pid = Number.parseInt(text.trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        const problem = `in use by ${options.holder ?? DEFAULT_LOCK_HOLDER} (pid ${pid})`;
        throw new DirLockError('DIR_LOCKED', path, problem, pid, `${dir} is ${problem}`);
      }
      await rm(path, { force: true });
    }
    const problem = 'could not take the lock file (another process keeps recreating it)';
    throw new DirLockError('DIR_LOCK_FAILED', path, problem, undefined, `${path}: ${problem}`);
  } catch (err) {
    heldHere.delete(key);
    throw err;
  }
}

/** Creates the lock file with this pid; false when it exists already. */
async function create(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    const problem = `cannot create the lock file: ${(err as Error).message}`;
    throw new DirLockError('DIR_LOCK_FAILED', path, problem, undefined, `${path}: ${problem}`, {
      cause: err,
    });
  }
}

function held(path: string, key: string): DirLock {
  let released: Promise<void> | undefined;
  return {
    path,
    release: () =>
      (released ??= (async () => {
        heldHere.delete(key);
        const text = await readFile(path, 'utf8').catch((err: unknown) => {
          if (errnoCode(err) === 'ENOENT') return undefined;
          throw err;
        });
        if (text?.trim() === String(process.pid)) await rm(path, { force: true });
      })()),
  };
}
