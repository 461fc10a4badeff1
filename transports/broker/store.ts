/**
 * Durable message storage over LMDB (lmdb-js). One record per queued message, keyed
 * `[destination, seq]` so a range scan returns every queue in order; deleted on ack.
 *
 * Durability: the database is opened with `overlappingSync: false` and without `noSync`, so
 * each write transaction is committed *and* fsynced before lmdb-js resolves the promises of the
 * writes in it. lmdb-js batches every write issued in one event turn into one transaction
 * running on its writer thread, and writes issued while that transaction syncs go into the
 * next one: that is the group commit. A promise returned here resolving means "on disk".
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { StoreError } from './errors.js';
import type { HeaderList } from './frame.js';

/** A stored message. `headers` are the sender's headers (minus transport ones). */
export interface StoredRecord {
  readonly messageId: string;
  /** Times the message has been delivered (persisted when it is returned to its queue). */
  readonly deliveries: number;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** One stored message as found when opening the store. */
export interface LoadedMessage {
  readonly destination: string;
  readonly seq: number;
  readonly record: StoredRecord;
}

type Key = [string, number];

const RECORD_VERSION = 1;
const LOCK_FILE = 'broker.pid';

/** Directories opened by this process (a second broker on one directory would double-deliver). */
const openDirs = new Set<string>();

/**
 * Claims `dir` for this process: refuses when a live process (or this one) holds it. A pid file
 * left by a killed broker is taken over.
 */
function claimDir(dir: string): void {
  const key = resolve(dir);
  if (openDirs.has(key)) throw new Error(`${dir} is already open in this process`);
  const lock = join(dir, LOCK_FILE);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder !== undefined && Number.isInteger(holder) && holder > 0 && holder !== process.pid) {
    let alive = true;
    try {
      process.kill(holder, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) throw new Error(`${dir} is in use by another broker (pid ${holder})`);
  }
  writeFileSync(lock, `${process.pid}\n`);
  openDirs.add(key);
}

function releaseDir(dir: string): void {
  openDirs.delete(resolve(dir));
  try {
    if (readFileSync(join(dir, LOCK_FILE), 'utf8').trim() === String(process.pid)) {
      rmSync(join(dir, LOCK_FILE), { force: true });
    }
  } catch {
    // already gone
  }
}

export class MessageStore {
  readonly #db: RootDatabase<Buffer, Key>;
  readonly #dir: string;
  #closing: Promise<void> | undefined;

  private constructor(db: RootDatabase<Buffer, Key>, dir: string) {
    this.#db = db;
    this.#dir = dir;
  }

  /** Opens (creating when missing) the store in `dir`. */
  static open(dir: string): MessageStore {
    try {
      mkdirSync(dir, { recursive: true });
      claimDir(dir);
    } catch (err) {
      throw new StoreError(`cannot open message store in ${dir}`, err);
    }
    try {
      const db = open<Buffer, Key>({
        path: dir,
        encoding: 'binary',
        compression: false,
        // The promise of a write must mean fsynced: see the file comment and docs/broker.md.
        overlappingSync: false,
        noSync: false,
        eventTurnBatching: true,
        commitDelay: 0,
      });
      return new MessageStore(db, dir);
    } catch (err) {
      releaseDir(dir);
      throw new StoreError(`cannot open message store in ${dir}`, err);
    }
  }

  /** Every stored message, ordered by destination then sequence. */
  *load(): Generator<LoadedMessage> {
    for (const { key, value } of this.#db.getRange({})) {
      const [destination, seq] = key;
      // Range values may sit in a buffer lmdb-js reuses: copy the body out.
      yield { destination, seq, record: decodeRecord(value, destination, seq, true) };
    }
  }

  /** Reads one message; `undefined` when it is gone. */
  read(destination: string, seq: number): StoredRecord | undefined {
    // getBinary returns a buffer of its own (unlike getBinaryFast): the body can be a view of it.
    const value = this.#db.getBinary([destination, seq]);
    return value === undefined ? undefined : decodeRecord(value, destination, seq, false);
  }

  /** Stores a message; resolves once it is fsynced. */
  append(destination: string, seq: number, record: StoredRecord): Promise<void> {
    return this.#guard(this.#db.put([destination, seq], encodeRecord(record)), 'store message');
  }

  /** Deletes a message (acked); resolves once the deletion is fsynced. */
  remove(destination: string, seq: number): Promise<void> {
    return this.#guard(this.#db.remove([destination, seq]), 'delete message');
  }

  /**
   * Applies puts and removes atomically in one transaction (COMMIT of a STOMP transaction,
   * moving a message to its dead-letter queue); resolves once fsynced.
   */
  batch(
    puts: ReadonlyArray<{ destination: string; seq: number; record: StoredRecord }>,
    removes: ReadonlyArray<{ destination: string; seq: number }>,
  ): Promise<void> {
    const db = this.#db;
    return this.#guard(
      db.batch(() => {
        for (const r of removes) void db.remove([r.destination, r.seq]);
        for (const p of puts) void db.put([p.destination, p.seq], encodeRecord(p.record));
      }),
      'commit batch',
    );
  }

  /** Write transactions committed (and synced) in this store's lifetime: LMDB's last txn id. */
  transactionCount(): number {
    const stats = this.#db.getStats() as { lastTxnId?: unknown };
    return typeof stats.lastTxnId === 'number' ? stats.lastTxnId : 0;
  }

  /** Highest sequence number in use, or 0. */
  maxSeq(): number {
    let max = 0;
    for (const key of this.#db.getKeys({})) if (key[1] > max) max = key[1];
    return max;
  }

  /** Waits for pending writes, then closes the database. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#db.flushed;
      } finally {
        try {
          await this.#db.close();
        } finally {
          releaseDir(this.#dir);
        }
      }
    })();
    return this.#closing;
  }

  async #guard(write: Promise<unknown>, what: string): Promise<void> {
    try {
      await write;
    } catch (err) {
      throw new StoreError(`message store failed to ${what}`, err);
    }
  }
}

/** `[u8 version][u32 deliveries][u32 meta length][meta JSON][body]`. */
export function encodeRecord(record: StoredRecord): Buffer {
  const meta = Buffer.from(JSON.stringify([record.messageId, record.headers]), 'utf8');
  const out = Buffer.allocUnsafe(9 + meta.length + record.body.length);
  out.writeUInt8(RECORD_VERSION, 0);
  out.writeUInt32BE(record.deliveries, 1);
  out.writeUInt32BE(meta.length, 5);
  meta.copy(out, 9);
  record.body.copy(out, 9 + meta.length);
  return out;
}

export function decodeRecord(
  value: Buffer,
  destination: string,
  seq: number,
  copyBody: boolean,
): StoredRecord {
  try {
    if (value.readUInt8(0) !== RECORD_VERSION) throw new Error(`record version ${value[0]}`);
    const deliveries = value.readUInt32BE(1);
    const metaLength = value.readUInt32BE(5);
    const meta: unknown = JSON.parse(value.toString('utf8', 9, 9 + metaLength));
    if (!Array.isArray(meta) || typeof meta[0] !== 'string' || !Array.isArray(meta[1])) {
      throw new Error('bad record metadata');
    }
    const headers = (meta[1] as unknown[]).map((h) => {
      if (!Array.isArray(h) || typeof h[0] !== 'string' || typeof h[1] !== 'string') {
        throw new Error('bad header in record');
      }
      return [h[0], h[1]] as const;
    });
    const view = value.subarray(9 + metaLength);
    const body = copyBody ? Buffer.from(view) : view;
    return { messageId: meta[0], deliveries, headers, body };
  } catch (err) {
    throw new StoreError(`corrupt record ${destination}#${seq} in message store`, err);
  }
}
