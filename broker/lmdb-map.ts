/**
 * The LMDB environment a message store reads through, and the release of the memory its map
 * holds.
 *
 * Why: LMDB reads through a memory map of its file. Every page a read touches stays in the
 * process's resident set (`RssFile`) for as long as the map exists: draining a backlog of
 * 1,000,000 messages of 1 KiB left 1.6 GB resident, though those pages then held nothing the
 * broker needed. Node cannot `madvise` a map it does not own, and LMDB's own dynamic mapping
 * (`remapChunks`) keeps up to 1 GiB mapped. Closing the environment unmaps the file; opening
 * it again maps it afresh, with nothing resident.
 *
 * When: once the values read since the map was opened — and those its commits touched: LMDB's
 * writer reads the page of each record it deletes through the same map — reach a set number of
 * bytes (the memory budget: a long drain releases as it goes), and once reads and commits stop
 * for {@link MAP_IDLE_MS} (the drained queue's last pages). The store runs the release between
 * two of its LMDB commits, so no write is under way; reads are refused while it lasts
 * ({@link readable} is false, and the broker pauses dispatch), for the few milliseconds that
 * closing and opening take.
 */
import { debuglog } from 'node:util';
import type { RootDatabase } from 'lmdb';
import { openLmdb, type StoreKey } from './store-recovery.js';
import type { SeqIndex } from './seq-index.js';
import { BrokerStoreError } from './errors.js';

const debug = debuglog('aes-broker');

/** Reads and commits pausing this long (ms) with pages of the map touched release them. */
export const MAP_IDLE_MS = 1_000;
/** Fewer bytes touched than this are not worth an idle release (a trickle of messages). */
const IDLE_RELEASE_MIN_BYTES = 1024 * 1024;
/** What a record's value is taken to be before any was read (for the pages a delete touches). */
const DEFAULT_VALUE_BYTES = 1024;

/** Why a release is due: the budget of bytes touched is reached, or the map went idle. */
export type ReleaseReason = 'budget' | 'idle';
/** Least delay (ms) before opening the environment is tried again after it failed. */
const REOPEN_RETRY_MS = 1_000;

/** What {@link LmdbMap} is told and asks of its store. */
export interface LmdbMapHost {
  /** Value bytes read through the map that make it due for a release. */
  readonly releaseBytes: number;
  /** The map is due for a release: run {@link LmdbMap.release} between two commits. */
  releaseDue(reason: ReleaseReason): void;
  /** Opening the environment again failed (tried again until the store closes). */
  reopenFailed(err: unknown): void;
  /** Reopened (after a failure): the store writes again. */
  reopened(): void;
}

export class LmdbMap {
  readonly #dir: string;
  readonly #index: SeqIndex;
  readonly #host: LmdbMapHost;
  #db: RootDatabase<Buffer, StoreKey>;
  /** False while the environment is closed for a release (or for good). */
  #readable = true;
  #closed = false;
  /** The store is closing: a failed reopen is not tried again. */
  #stopping = false;
  /** Value bytes read through the map since it was opened. */
  #mappedBytes = 0;
  /** Reads and commits through the map since it was opened, and at the idle timer's last tick. */
  #reads = 0;
  #readsAtTick = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** {@link LmdbMapHost.releaseDue} was called and the release has not run yet. */
  #due = false;
  /** The store's LMDB size as last read (served while the environment is closed). */
  #sizeBytes = 0;
  #releases = 0;
  /** Values read in this run, and their bytes: their mean sizes a delete's page. */
  #valuesRead = 0;
  #valueBytesRead = 0;

  constructor(dir: string, db: RootDatabase<Buffer, StoreKey>, index: SeqIndex, host: LmdbMapHost) {
    this.#dir = dir;
    this.#db = db;
    this.#index = index;
    this.#host = host;
  }

  /** The environment's root database, for writes (only between releases: the store's commit chain). */
  get db(): RootDatabase<Buffer, StoreKey> {
    return this.#db;
  }

  /** Whether reads are served: false while the map is being released. */
  get readable(): boolean {
    return this.#readable;
  }

  /** Releases so far (for tests and the bench). */
  get releases(): number {
    return this.#releases;
  }

  /**
   * A record's value: lmdb-js's own buffer, valid until the next read (no copy per delivery).
   * Throws while the map is being released: the broker does not read then.
   */
  get(destination: string, seq: number): Buffer | undefined {
    if (!this.#readable) {
      throw new BrokerStoreError(
        `message store in ${this.#dir}: ${destination}#${seq} read while LMDB is closed`,
        undefined,
      );
    }
    const value = this.#db.getBinaryFast([destination, seq]);
    if (value === undefined) return undefined;
    this.#valuesRead += 1;
    this.#valueBytesRead += value.length;
    this.#touched(value.length);
    return value;
  }

  /**
   * An LMDB commit wrote `putBytes` of values and deleted `removes` records: LMDB's writer read
   * their pages through the map (a deleted record's taken to be as large as those read).
   */
  committed(putBytes: number, removes: number): void {
    this.#touched(putBytes + removes * this.#meanValueBytes());
  }

  /** The mean size of the values read in this run (1 KiB before any). */
  #meanValueBytes(): number {
    return this.#valuesRead === 0 ? DEFAULT_VALUE_BYTES : this.#valueBytesRead / this.#valuesRead;
  }

  #touched(bytes: number): void {
    this.#reads += 1;
    this.#mappedBytes += bytes;
    if (this.#mappedBytes >= this.#host.releaseBytes) this.#releaseDue('budget');
    else if (this.#idleTimer === undefined && !this.#due) this.#armIdle();
  }

  /** Bytes of LMDB pages up to the last one in use (as last read, while closed). */
  sizeBytes(): number {
    if (!this.#readable) return this.#sizeBytes;
    try {
      const stats = this.#db.getStats() as { pageSize?: unknown; lastPageNumber?: unknown };
      if (typeof stats.pageSize === 'number' && typeof stats.lastPageNumber === 'number') {
        this.#sizeBytes = stats.pageSize * (stats.lastPageNumber + 1);
      }
    } catch {
      // Closed meanwhile: the last figure stands.
    }
    return this.#sizeBytes;
  }

  /**
   * Closes the environment and opens it again, so that the pages of the map that reads touched
   * leave the resident set. Call with no LMDB write under way (the store's commit chain). Reads
   * are refused until it resolves; a failure to open again is retried until {@link close}.
   */
  async release(): Promise<void> {
    this.#due = false;
    this.#clearIdle();
    if (this.#closed || this.#mappedBytes === 0) return;
    this.sizeBytes();
    this.#readable = false;
    const mapped = this.#mappedBytes;
    const started = performance.now();
    try {
      await this.#db.close();
    } catch (err) {
      // lmdb-js closes the environment whatever its pending work did; opening it again tells.
      debug('store: closing LMDB to release its map: %O', err);
    }
    this.#mappedBytes = 0;
    this.#reads = 0;
    this.#readsAtTick = 0;
    for (let failed = false; !(failed && this.#stopping);) {
      try {
        const db = openLmdb(this.#dir);
        this.#index.reopen(db);
        this.#db = db;
        this.#releases += 1;
        this.#readable = true;
        if (failed) this.#host.reopened();
        debug(
          'store: released LMDB map (%d value bytes read) in %d ms',
          mapped,
          Math.round(performance.now() - started),
        );
        return;
      } catch (err) {
        failed = true;
        debug('store: cannot open LMDB again: %O', err);
        this.#host.reopenFailed(err);
        await new Promise((resolve) => setTimeout(resolve, REOPEN_RETRY_MS));
      }
    }
  }

  /** The store is closing: a release that cannot open the environment again gives up. */
  stopping(): void {
    this.#stopping = true;
  }

  /** Closes the environment for good (after the store's last commit). Idempotent. */
  async close(): Promise<void> {
    this.#clearIdle();
    if (this.#closed) return;
    this.#closed = true;
    const wasOpen = this.#readable;
    this.#readable = false;
    if (wasOpen) await this.#db.close();
  }

  #releaseDue(reason: ReleaseReason): void {
    this.#clearIdle();
    if (this.#due || this.#closed) return;
    this.#due = true;
    this.#host.releaseDue(reason);
  }

  #armIdle(): void {
    this.#readsAtTick = this.#reads;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#reads !== this.#readsAtTick) this.#armIdle();
      else if (this.#mappedBytes >= IDLE_RELEASE_MIN_BYTES) this.#releaseDue('idle');
    }, MAP_IDLE_MS);
    this.#idleTimer.unref();
  }

  #clearIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}
