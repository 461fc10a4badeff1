/**
 * The endpoints folder of a project: one folder per endpoint, named after it, holding an entry
 * module (`index.ts`, `index.mts`, `index.js` or `index.mjs`) whose default export builds the
 * endpoint (see `endpoint-module.ts`).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ENDPOINT_NAME_PATTERN } from '../endpoint/endpoint.js';
import { ConfigError } from '../errors.js';

/** Entry module names, in the order they are looked for. */
export const ENTRY_MODULES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'] as const;

/** An endpoint found in the endpoints folder. */
export interface EndpointEntry {
  /** Its name: the folder's name. */
  readonly name: string;
  /** Its folder (absolute). */
  readonly dir: string;
  /** Absolute path of the entry module. */
  readonly module: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The endpoints in `folder`, sorted by name; none when it does not exist. Throws `ConfigError`
 * (naming the folder) for a folder name that is not an endpoint name or has no entry module.
 * Folders starting with `.` or `_` are skipped (shared code lives there).
 */
export async function findEndpoints(folder: string, configFile: string): Promise<EndpointEntry[]> {
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !d.name.startsWith('_'))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: EndpointEntry[] = [];
  const issues: { pointer: string; message: string }[] = [];
  for (const name of names) {
    const dir = join(folder, name);
    if (!ENDPOINT_NAME_PATTERN.test(name)) {
      issues.push({
        pointer: '/endpoints/folder',
        message: `${dir}: '${name}' is not an endpoint name ([A-Za-z0-9][A-Za-z0-9_.-]*)`,
      });
      continue;
    }
    let module: string | undefined;
    for (const entry of ENTRY_MODULES) {
      if (await isFile(join(dir, entry))) {
        module = join(dir, entry);
        break;
      }
    }
    if (module === undefined) {
      issues.push({
        pointer: '/endpoints/folder',
        message: `${dir} has no entry module (${ENTRY_MODULES.join(', ')})`,
      });
      continue;
    }
    out.push({ name, dir, module });
  }
  if (issues.length > 0) throw new ConfigError(configFile, issues);
  return out;
}
