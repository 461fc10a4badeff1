/**
 * A node's lineage index: the steps its endpoints reported for each record, in LMDB in the node's
 * data folder (`lineage.lmdb`), looked up by message id or FIFO id, bounded by count and by age
 * (`lineage.maxEntries`, `lineage.maxAgeMs`; the oldest go first). Writes are batched and never
 * awaited by the reporter: a report is a queue push; one transaction takes what queued meanwhile.
 * Its durability is LMDB's (overlapping sync): a crash may lose the last moments' steps, never
 * the index.
 */
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { LINEAGE_STEPS, type LineageEvent } from '../endpoint/lineage.js';
import { StoreError } from '../errors.js';
import { openEnv } from '../store/lmdb-env.js';
import { DEFAULT_LINEAGE_MAX_AGE_MS, DEFAULT_LINEAGE_MAX_ENTRIES } from '../config/defaults.js';
import type { NodeConfig } from '../config/config.js';
import type { LineageMetrics } from '../observability/lineage-metrics.js';
import type { Logger } from './logger.js';

/** Steps one lookup returns at most (the oldest of a record's). */
export const MAX_TRACE_STEPS = 2_000;
/** Longest id looked up or indexed. */
export const MAX_LINEAGE_ID_LENGTH = 400;
/** Most stale entries removed per write, so pruning never holds a write for long. */
const PRUNE_PER_WRITE = 256;

/** A step as a node keeps and answers it: the event and the node it was reported to. */
export interface LineageEntry extends LineageEvent {
  readonly node: string;
}

export interface LineageIndexOptions {
  /** @defaultValue DEFAULT_LINEAGE_MAX_ENTRIES */
  readonly maxEntries?: number;
  /** @defaultValue DEFAULT_LINEAGE_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
  /** Told when a write failed: the steps of that batch (`lost`) are lost; the index goes on. */
  readonly writeFailed?: (error: Error, lost: readonly LineageEntry[]) => void;
}

type EventKey = [number, number];
type IdKey = [string, number, number];

const OPTIONAL_STRINGS = ['fifoId', 'detail', 'traceId'] as const;

/** A well-formed event from the wire, or `undefined`. */
export function parseLineageEvent(value: unknown): LineageEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (typeof e.step !== 'string' || !LINEAGE_STEPS.has(e.step)) return undefined;
  if (typeof e.endpoint !== 'string' || typeof e.messageId !== 'string') return undefined;
  if (e.messageId.length === 0 || e.messageId.length > MAX_LINEAGE_ID_LENGTH) return undefined;
  if (typeof e.atMs !== 'number' || !Number.isFinite(e.atMs)) return undefined;
  for (const field of OPTIONAL_STRINGS) {
    if (e[field] !== undefined && typeof e[field] !== 'string') return undefined;
  }
  if (e.attempt !== undefined && typeof e.attempt !== 'number') return undefined;
  if (e.outcome !== undefined && e.outcome !== 'ok' && e.outcome !== 'failed') return undefined;
  return e as unknown as LineageEvent;
}

export class LineageIndex {
  private pending: LineageEntry[] = [];
  /** The batch being written: not in LMDB until its transaction commits. */
  private inFlight: readonly LineageEntry[] = [];
  private writing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private entries: number;
  private seq: number;
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase<unknown, string>,
    private readonly events: Database<LineageEntry, EventKey>,
    private readonly ids: Database<number, IdKey>,
    private readonly options: LineageIndexOptions,
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_LINEAGE_MAX_ENTRIES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_LINEAGE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    this.entries = events.getCount();
    // Keys are [atMs, seq]: seq goes on from the largest one kept, so no two steps share a key.
    let last = 0;
    for (const { key } of events.getRange({ reverse: true, limit: 1 })) last = key[1];
    this.seq = last;
  }

  /** Opens (or creates) `<dir>/lineage.lmdb` and drops what is over the bounds. */
  static async open(dir: string, options: LineageIndexOptions = {}): Promise<LineageIndex> {
    const path = join(dir, 'lineage.lmdb');
    const env = openEnv(path);
    const index = new LineageIndex(
      path,
      env,
      env.openDB<LineageEntry, EventKey>({ name: 'events' }),
      env.openDB<number, IdKey>({ name: 'ids' }),
      options,
    );
    await index.prune();
    return index;
  }

  /** True once `close()` was called: `add` takes nothing more. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** How many steps the index holds (written so far). */
  get size(): number {
    return this.entries;
  }

  /** Queues the well-formed events of one report for the next write; returns how many. */
  add(node: string, endpoint: string, events: readonly unknown[]): number {
    if (this.closing !== undefined) return 0;
    let taken = 0;
    for (const raw of events) {
      const event = parseLineageEvent(raw);
      // An endpoint reports its own steps only.
      if (event === undefined || event.endpoint !== endpoint) continue;
      this.pending.push({ ...event, node });
      taken += 1;
    }
    if (taken > 0) this.writeSoon();
    return taken;
  }

  /** Resolves once every step queued so far is written. */
  async flushed(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /**
   * The steps of the records whose message id or FIFO id is `id`, oldest first (at most
   * MAX_TRACE_STEPS); steps still queued are included.
   */
  find(id: string): LineageEntry[] {
    if (id.length === 0 || id.length > MAX_LINEAGE_ID_LENGTH) return [];
    const found: LineageEntry[] = [];
    for (const { key } of this.ids.getRange({ start: [id] })) {
      if (key[0] !== id || found.length >= MAX_TRACE_STEPS) break;
      const entry = this.events.get([key[1], key[2]]);
      if (entry !== undefined) found.push(entry);
    }
    for (const e of [...this.inFlight, ...this.pending]) {
      if (found.length >= MAX_TRACE_STEPS) break;
      if (e.messageId === id || e.fifoId === id) found.push(e);
    }
    return found.sort((a, b) => a.atMs - b.atMs);
  }

  /** Removes every step over the count or age bound. */
  async prune(): Promise<void> {
    await this.flushed();
    const now = this.now();
    await this.env.transaction(() => this.pruneInTransaction(now, Number.POSITIVE_INFINITY));
  }

  /** Writes what is queued, then closes. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.flushed().then(() => this.env.close());
    return this.closing;
  }

  private writeSoon(): void {
    if (this.writing !== undefined) return;
    this.writing = (async () => {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        this.inFlight = batch;
        try {
          await this.write(batch);
        } catch (err) {
          this.options.writeFailed?.(
            new StoreError(this.path, `writing lineage failed: ${(err as Error).message}`, {
              cause: err,
            }),
            batch,
          );
        } finally {
          this.inFlight = [];
        }
      }
    })().finally(() => (this.writing = undefined));
  }

  private async write(batch: readonly LineageEntry[]): Promise<void> {
    const now = this.now();
    await this.env.transaction(() => {
      for (const entry of batch) {
        this.seq += 1;
        const at = entry.atMs;
        void this.events.put([at, this.seq], entry);
        void this.ids.put([entry.messageId, at, this.seq], 1);
        if (entry.fifoId !== undefined && entry.fifoId !== entry.messageId) {
          if (entry.fifoId.length <= MAX_LINEAGE_ID_LENGTH) {
            void this.ids.put([entry.fifoId, at, this.seq], 1);
          }
        }
        this.entries += 1;
      }
      this.pruneInTransaction(now, PRUNE_PER_WRITE + batch.length);
    });
  }

  private pruneInTransaction(now: number, limit: number): void {
    let removed = 0;
    for (const { key, value } of this.events.getRange({})) {
      if (removed >= limit) break;
      if (this.entries <= this.maxEntries && now - key[0] <= this.maxAgeMs) break;
      void this.events.remove(key);
      void this.ids.remove([value.messageId, key[0], key[1]]);
      if (value.fifoId !== undefined) void this.ids.remove([value.fifoId, key[0], key[1]]);
      this.entries -= 1;
      removed += 1;
    }
  }
}

/**
 * The node's index in its data folder, with `config.lineage`'s bounds; a failed write is logged
 * and its steps counted in `drops`. Lineage is a view on records, never in their way: when the
 * index cannot open, that is logged and the node runs on without it (undefined).
 */
export async function openNodeLineage(
  config: Pick<NodeConfig, 'dataDir' | 'lineage'>,
  log: Pick<Logger, 'warn' | 'error'>,
  drops: Pick<LineageMetrics, 'writeFailed'>,
): Promise<LineageIndex | undefined> {
  try {
    return await LineageIndex.open(config.dataDir, {
      ...config.lineage,
      writeFailed: (error, lost) => {
        log.warn(error.message);
        drops.writeFailed(lost);
      },
    });
  } catch (err) {
    log.error(`no lineage: ${(err as Error).message}`);
    return undefined;
  }
}
