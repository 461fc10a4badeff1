/** How a message store (store.ts) is set up, its test seam, and its write-behind's limits. */
import type { StoreFailure } from './store-health.js';

/**
 * Bytes of message records waiting in memory for LMDB that trigger a commit of all of them
 * before their delay is up: bounds the memory (and the journal) a backlog takes. The default
 * memory budget.
 */
export const LMDB_QUEUE_BYTES = 64 * 1024 * 1024;
/** Operations waiting for LMDB that trigger a commit before the delay is up (small records). */
export const LMDB_QUEUE_OPS = 200_000;
/**
 * What a delete waiting for LMDB counts toward {@link LMDB_QUEUE_BYTES}: 1 KiB. LMDB copies the
 * page of each record it deletes into memory it allocates for the commit (and keeps for later
 * commits until the environment closes), so a drain's commits are bounded by the budget too,
 * not by {@link LMDB_QUEUE_OPS} deletes. Records queued one after the other share their pages
 * (four 1 KiB messages to a 4 KiB page), so a delete counts as a small record, not a page:
 * counted as a page, a commit every 16,000 deletes ran in the middle of short drains and cost
 * the broker bench's 20,000-message drain a third of its rate (116,000 against 49,000-65,000
 * msg/s), for a lower peak while draining a million (320 MB against 359 MB; the RSS after
 * draining meets its goal either way).
 */
export const LMDB_DELETE_BYTES = 1024;
/** Least delay before a failed LMDB commit is tried again. */
export const LMDB_RETRY_MS = 1_000;

/**
 * A test seam around each background LMDB commit: receives the real commit and returns what it
 * returns (or fails instead, as a full disk would). lmdb-js builds a class per `open()`, so a
 * failure cannot be injected from outside the store.
 */
export type LmdbCommitHook = (commit: () => Promise<void>) => Promise<void>;

/** How `MessageStore.open` (store.ts) sets up the store; every field has a default. */
export interface MessageStoreOptions {
  /** How long a journaled operation waits in memory before LMDB commits it. @defaultValue 5000 */
  readonly commitDelayMs?: number;
  /**
   * The memory budget: record bytes waiting for LMDB that make it commit them all at once, and
   * value bytes read through LMDB's map that make the store release the map (lmdb-map.ts).
   * @defaultValue 64 MiB
   */
  readonly queueBytes?: number;
  /** Test seam: see {@link LmdbCommitHook}. */
  readonly commitHook?: LmdbCommitHook;
  /** Writes began to fail (`failure`) or succeed again (`undefined`). */
  readonly onHealthChange?: (failure: StoreFailure | undefined) => void;
}
