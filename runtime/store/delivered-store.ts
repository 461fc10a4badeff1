/**
 * The inbound endpoint's de-duplication store: the message ids already delivered to the target,
 * durable across kill -9 and bounded by count and by age (oldest dropped first).
 */
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { OptionError, StoreError } from '../errors.js';
import { durable, openEnv } from './lmdb-env.js';
import { GroupCommit } from './group-commit.js';
import { trackOpenStore } from './open-stores.js';

/** Ids kept at most. */
export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;
/** Ids older than this are forgotten: 7 days. */
export const DEFAULT_DEDUP_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Most stale entries removed per write, so pruning never stalls one delivery for long. */
const PRUNE_PER_WRITE = 64;

export interface DeliveredStoreOptions {
  /** @defaultValue DEFAULT_DEDUP_MAX_ENTRIES */
  readonly maxEntries?: number;
  /** @defaultValue DEFAULT_DEDUP_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  readonly clock?: Clock;
}

export class DeliveredStore {
  private closing: Promise<void> | undefined;
  /**
   * Group commit: ids asked to be recorded while a commit is under way wait in `batch` for the
   * next one, which takes them all (one transaction, one sync) when it begins.
   */
  private readonly batch: string[] = [];
  private readonly commits = new GroupCommit();
  private entries: number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly clock: Clock;
  private readonly untrack: () => void;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase<unknown, string>,
    private readonly ids: Database<number, string>,
    private readonly byTime: Database<number, [number, string]>,
    options: DeliveredStoreOptions,
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_DEDUP_MAX_AGE_MS;
    this.clock = options.clock ?? systemClock;
    this.entries = ids.getCount();
    this.untrack = trackOpenStore(this);
  }

  static open(dir: string, options: DeliveredStoreOptions = {}): DeliveredStore {
    if (
      options.maxEntries !== undefined &&
      !(Number.isInteger(options.maxEntries) && options.maxEntries >= 1)
    ) {
      throw new OptionError(
        'dedupMaxEntries',
        `must be a whole number >= 1, got ${options.maxEntries}`,
      );
    }
    if (options.maxAgeMs !== undefined && !(options.maxAgeMs > 0)) {
      throw new OptionError('dedupMaxAgeMs', `must be > 0, got ${options.maxAgeMs}`);
    }
    const path = join(dir, 'delivered.lmdb');
    const env = openEnv(path);
    const ids = env.openDB<number, string>({ name: 'ids' });
    const byTime = env.openDB<number, [number, string]>({ name: 'by-time' });
    return new DeliveredStore(path, env, ids, byTime, options);
  }

  /** How many ids the store holds now. */
  get size(): number {
    return this.entries;
  }

  /** True when `id` was recorded and has not aged out. */
  has(id: string): boolean {
    const at = this.ids.get(id);
    return at !== undefined && this.clock.now() - at <= this.maxAgeMs;
  }

  /** Records `id` as delivered; resolves once synced. Prunes a few stale entries on the way. */
  add(id: string): Promise<void> {
    return this.addMany([id]);
  }

  /**
   * Records several ids; resolves once synced. Ids asked for while a commit is under way share
   * the next commit with every other such call.
   */
  addMany(ids: readonly string[]): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(new StoreError(this.path, 'the de-duplication store is closed'));
    }
    this.batch.push(...ids);
    return this.commits.join(() => this.commit([...new Set(this.batch.splice(0))]));
  }

  private async commit(ids: readonly string[]): Promise<void> {
    const now = this.clock.now();
    try {
      await this.env.transaction(() => {
        for (const id of ids) {
          const previous = this.ids.get(id);
          if (previous !== undefined) void this.byTime.remove([previous, id]);
          else this.entries += 1;
          void this.ids.put(id, now);
          void this.byTime.put([now, id], 1);
        }
        this.pruneInTransaction(now, PRUNE_PER_WRITE + ids.length);
      });
      await durable(this.env);
    } catch (err) {
      throw new StoreError(
        this.path,
        `recording ${ids.join(', ').slice(0, 200)} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Removes every entry over the count or age bound; resolves once synced. */
  async prune(): Promise<void> {
    const now = this.clock.now();
    await this.env.transaction(() => {
      this.pruneInTransaction(now, Number.POSITIVE_INFINITY);
    });
    await durable(this.env);
  }

  /** Closes the store once its pending commits are done. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.commits
      .settled()
      .then(() => this.env.close())
      .finally(this.untrack);
    return this.closing;
  }

  private pruneInTransaction(now: number, limit: number): void {
    let removed = 0;
    for (const { key } of this.byTime.getRange({})) {
      if (removed >= limit) break;
      const [at, id] = key;
      if (this.entries <= this.maxEntries && now - at <= this.maxAgeMs) break;
      void this.byTime.remove(key);
      void this.ids.remove(id);
      this.entries -= 1;
      removed += 1;
    }
  }
}
