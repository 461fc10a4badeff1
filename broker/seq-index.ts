/**
 * The persisted index of the stored messages: per destination, which sequence numbers LMDB
 * holds, as bitmap chunks of {@link SEQ_CHUNK_BITS} (a named LMDB database beside the records,
 * key `[destination, chunk]`, value the chunk's 128 bytes). It is written in the same LMDB
 * transactions as the records it describes, so after a crash it agrees with them, and journal
 * replay brings both forward together.
 *
 * Why: a start-up that rebuilt the queues by scanning the records read every body (LMDB keeps a
 * 1 KiB value on the same pages as its key), so its time and the memory it mapped grew with the
 * backlog's bytes. Reading this index costs 128 bytes per 1,024 sequence numbers.
 */
import type { Database, RootDatabase } from 'lmdb';
import { SEQ_CHUNK_BITS, SeqSet } from './seq-set.js';

type Key = [string, number];

/** Name of the LMDB database holding the index. */
const INDEX_DB = 'seq-index';
/** Key of the index's version marker (no destination is empty). */
const MARKER_KEY: Key = ['', 0];
const MARKER = Buffer.from('aes-seq-index/1');
const CHUNK_BYTES = SEQ_CHUNK_BITS / 8;

export class SeqIndex {
  #db: Database<Buffer, Key>;
  readonly #sets = new Map<string, SeqSet>();
  /** Chunks changed since the last {@link flush}, by destination. */
  readonly #dirty = new Map<string, Set<number>>();

  private constructor(db: Database<Buffer, Key>) {
    this.#db = db;
  }

  /**
   * Opens the index in `root`'s environment and reads it. A store written before the index
   * existed (no marker) gets it built once from the records' keys, durably, before it is used.
   */
  static async open(root: RootDatabase<Buffer, Key>): Promise<SeqIndex> {
    const db = openIndexDb(root);
    const index = new SeqIndex(db);
    if (db.getBinary(MARKER_KEY) !== undefined) {
      for (const { key, value } of db.getRange({})) {
        const [destination, chunk] = key;
        if (destination === '' || value.length !== CHUNK_BYTES) continue;
        const bits = new Uint32Array(CHUNK_BYTES / 4);
        for (let w = 0; w < bits.length; w += 1) bits[w] = value.readUInt32LE(w * 4);
        index.#set(destination).setChunk(chunk, bits);
      }
      return index;
    }
    for (const key of root.getKeys({})) {
      // The root database also lists the named ones (this index), under string keys.
      if (Array.isArray(key) && typeof key[0] === 'string' && typeof key[1] === 'number') {
        index.put(key[0], key[1]);
      }
    }
    await root.batch(() => {
      index.flush();
      void db.put(MARKER_KEY, MARKER);
    });
    return index;
  }

  /**
   * The environment was closed and opened again (lmdb-map.ts): chunks are written through
   * `root` from now on. What this index knows is unchanged: LMDB holds the same records.
   */
  reopen(root: RootDatabase<Buffer, Key>): void {
    this.#db = openIndexDb(root);
  }

  /** LMDB now holds the record `destination#seq` (its put is in the transaction being built). */
  put(destination: string, seq: number): void {
    if (this.#set(destination).add(seq)) this.#touch(destination, seq);
  }

  /** LMDB no longer holds `destination#seq`. */
  remove(destination: string, seq: number): void {
    const set = this.#sets.get(destination);
    if (set === undefined || !set.delete(seq)) return;
    this.#touch(destination, seq);
    if (set.size === 0) this.#sets.delete(destination);
  }

  /**
   * Issues the writes of the chunks changed since the last flush — call it in the turn that
   * issued the record writes, so they share one LMDB transaction. Returns what it wrote, for
   * {@link unflushed} should that transaction fail.
   */
  flush(): { writes: Promise<boolean>[]; flushed: Map<string, Set<number>> } {
    const writes: Promise<boolean>[] = [];
    const flushed = new Map(this.#dirty);
    this.#dirty.clear();
    for (const [destination, chunks] of flushed) {
      const set = this.#sets.get(destination);
      for (const chunk of chunks) {
        const bits = set?.chunk(chunk);
        if (bits === undefined) {
          writes.push(this.#db.remove([destination, chunk]));
        } else {
          const value = Buffer.allocUnsafe(CHUNK_BYTES);
          for (let w = 0; w < bits.length; w += 1) value.writeUInt32LE(bits[w] ?? 0, w * 4);
          writes.push(this.#db.put([destination, chunk], value));
        }
      }
    }
    return { writes, flushed };
  }

  /** The transaction of a {@link flush} failed: its chunks are written again by the next. */
  unflushed(flushed: Map<string, Set<number>>): void {
    for (const [destination, chunks] of flushed) {
      for (const chunk of chunks) this.#touchChunk(destination, chunk);
    }
  }

  /** The stored sequence numbers of every destination that has any (live: clone to keep). */
  destinations(): ReadonlyMap<string, SeqSet> {
    return this.#sets;
  }

  /** Highest sequence number stored, or 0. */
  maxSeq(): number {
    let max = 0;
    for (const set of this.#sets.values()) max = Math.max(max, set.max());
    return max;
  }

  #set(destination: string): SeqSet {
    let set = this.#sets.get(destination);
    if (set === undefined) {
      set = new SeqSet();
      this.#sets.set(destination, set);
    }
    return set;
  }

  #touch(destination: string, seq: number): void {
    this.#touchChunk(destination, Math.floor(seq / SEQ_CHUNK_BITS));
  }

  #touchChunk(destination: string, chunk: number): void {
    let chunks = this.#dirty.get(destination);
    if (chunks === undefined) {
      chunks = new Set();
      this.#dirty.set(destination, chunks);
    }
    chunks.add(chunk);
  }
}

function openIndexDb(root: RootDatabase<Buffer, Key>): Database<Buffer, Key> {
  return root.openDB<Buffer, Key>({ name: INDEX_DB, encoding: 'binary' });
}
