/**
 * `mkdir -p` that always ends. Node's own `mkdir(dir, { recursive: true })` spins forever, at full
 * CPU and without an error, when the kernel answers ENOENT for a folder whose parent exists: any
 * new path under /proc does (the synchronous form freezes the whole process). These walk up
 * to the first folder that exists, then make each missing one in turn; a folder that still
 * cannot be made fails with its own error (ENOENT, EACCES, ENOTDIR, …) naming it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Makes `dir` and its missing parents; resolves when it exists as a folder. */
export async function makeDir(dir: string): Promise<void> {
  const full = path.resolve(dir);
  const missing = await missingFolders(full);
  // Something other than a folder there already: mkdir's own EEXIST says so.
  if (missing.length === 0 && (await stat(full)).isDirectory() !== true) await mkdir(full);
  for (const folder of missing) {
    await mkdir(folder).catch((err: unknown) => existsAnyway(folder, err));
  }
}

/** {@link makeDir}, synchronously. */
export function makeDirSync(dir: string): void {
  const full = path.resolve(dir);
  const missing = missingFoldersSync(full);
  if (missing.length === 0 && !statSync(full).isDirectory()) mkdirSync(full);
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (err) {
      existsAnywaySync(folder, err);
    }
  }
}

/** The folders to make, outermost first: `dir` and its ancestors up to one that exists. */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    if (await exists(at)) break;
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  return missing;
}

function missingFoldersSync(dir: string): string[] {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(at)) break;
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  return missing;
}

/** True when something is at `at` (following links); a dangling link counts as nothing. */
async function exists(at: string): Promise<boolean> {
  return stat(at).then(
    () => true,
    () => false,
  );
}

function existsSync(at: string): boolean {
  try {
    statSync(at);
    return true;
  } catch {
    return false;
  }
}

/** EEXIST from a folder another process made meanwhile is success; anything else is the error. */
async function existsAnyway(dir: string, err: unknown): Promise<void> {
  if (!isExists(err)) throw err;
  const found = await stat(dir).catch(() => undefined);
  if (found?.isDirectory() !== true) throw err;
}

function existsAnywaySync(dir: string, err: unknown): void {
  if (!isExists(err)) throw err;
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) throw err;
}

function isExists(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EEXIST';
}
