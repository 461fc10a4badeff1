/**
 * Writes a set of files all or nothing: every file goes to a temporary name beside its target first;
 * only when all are written are they renamed into place. A failure removes the temporary files and
 * the folders this call created, so nothing half-written is left.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeDir } from '../util/index.js';
import path from 'node:path';
import { ScaffoldError } from './errors.js';

export interface PlannedFile {
  /** Absolute path. */
  readonly path: string;
  readonly text: string;
}

async function missingParents(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      await stat(cur);
      return missing;
    } catch {
      missing.push(cur);
      const up = path.dirname(cur);
      if (up === cur) return missing;
      cur = up;
    }
  }
}

export async function writeFiles(files: readonly PlannedFile[]): Promise<void> {
  const created: string[] = [];
  const temps: string[] = [];
  const suffix = `.aes-tmp-${process.pid}-${Date.now()}`;
  try {
    for (const f of files) {
      const dir = path.dirname(f.path);
      created.push(...(await missingParents(dir)));
      await makeDir(dir);
      const temp = `${f.path}${suffix}`;
      temps.push(temp);
      await writeFile(temp, f.text);
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    // Deepest first: the folders this call made, if they are empty now.
    for (const dir of created.sort((a, b) => b.length - a.length)) {
      await rm(dir, { recursive: true, force: true });
    }
    throw new ScaffoldError(
      'SCAFFOLD_WRITE',
      `cannot write ${err instanceof Error && 'path' in err ? String(err.path) : 'the files'}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  for (const [i, f] of files.entries()) await rename(temps[i] ?? '', f.path);
}
