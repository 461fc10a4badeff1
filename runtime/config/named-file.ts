/** Reading a file the node config names: a failure is a `ConfigError` naming the field and the path. */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** The bytes of `path`, which the field at `pointer` of config file `file` names. */
export async function readNamedFile(file: string, pointer: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ConfigError(file, [
      { pointer, message: `cannot read ${path}: ${(err as Error).message}` },
    ]);
  }
}
