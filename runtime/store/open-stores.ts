/**
 * The stores this process has open, so that an exit on an error path can close them first.
 *
 * Why: lmdb-js commits on a write thread that calls back into the main thread. A process that
 * exits (an uncaught error, `process.exit()`) while a commit waits for that callback deadlocks in
 * exit: the main thread joins the write thread, which waits for the main thread. An orphaned
 * endpoint hung so, holding its data folder's lock, until killed by hand. Closing the store first
 * lets its pending commits finish or fail; then exit is safe.
 */
import { withDeadline } from '../../util/index.js';
import { RUNTIME_DEADLINE_ERRORS } from '../delay.js';

const open = new Set<OpenStore>();

/** What an open store registers: its location (for messages) and its idempotent close. */
export interface OpenStore {
  readonly path: string;
  close(): Promise<void>;
}

/** Registers an open store; returns the function that forgets it (call it from `close()`). */
export function trackOpenStore(store: OpenStore): () => void {
  open.add(store);
  return () => {
    open.delete(store);
  };
}

/** How many stores are open in this process now. */
export function openStoreCount(): number {
  return open.size;
}

/**
 * Closes every open store, each given at most `timeoutMs`; never rejects. Returns the paths of the
 * stores that failed to close or did not close in time.
 */
export async function closeOpenStores(timeoutMs: number): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    [...open].map(async (store) => {
      try {
        await withDeadline(
          { operation: `closing ${store.path}`, timeoutMs, errors: RUNTIME_DEADLINE_ERRORS },
          () => store.close(),
        );
      } catch {
        failed.push(store.path);
      }
    }),
  );
  return failed;
}
