/**
 * Opens the LMDB environment behind a journal or de-duplication store. LMDB (via the `lmdb`
 * package, prebuilt binaries from the npm registry) commits with fsync before a write's promise
 * resolves when `overlappingSync` is off, which is what "durable before proceeding" needs, and it
 * survives kill -9 by design (copy-on-write pages, two meta pages).
 */
import { open, type RootDatabase } from 'lmdb';
import { StoreError } from '../errors.js';

export function openEnv(path: string): RootDatabase<unknown, string> {
  try {
    return open<unknown, string>({
      path,
      // Resolve writes only once they are synced, not merely committed.
      overlappingSync: false,
      noSync: false,
      compression: false,
      maxDbs: 4,
    });
  } catch (err) {
    throw new StoreError(path, `cannot open the store: ${(err as Error).message}`, { cause: err });
  }
}
