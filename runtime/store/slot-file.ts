/**
 * One small value kept durable across kill -9 and power loss at the cost of one write and one
 * fdatasync: two slot files written in turn, each record `magic | length | sequence | crc32 |
 * JSON`. A torn write (power loss mid-write) fails its checksum and the other slot, older, is
 * read: a slot file never yields garbage. A value written with `sync` true is on disk once its
 * write resolves, and stays there until a newer one is; any value survives kill -9 once its write
 * resolves. Write-behind or unsynced values may give way, after a power loss, to an older value
 * or to none, which the callers accept. One pwrite+fdatasync costs well under a millisecond
 * here, an LMDB commit several.
 *
 * The outbound journal (`outbound-journal.ts`) and the inbound put marks (`put-marks.ts`) are
 * slot files of their own values.
 */
import { writeSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { makeDir } from '../../util/index.js';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StoreError } from '../errors.js';

const MAGIC = 0x4145534a; // 'AESJ'
const HEADER_BYTES = 20; // magic u32, length u32, sequence u64, crc32 u32

interface SlotRecord<T> {
  readonly sequence: bigint;
  readonly value: T | null;
}

function encode(sequence: bigint, value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  const buffer = Buffer.alloc(HEADER_BYTES + payload.length);
  buffer.writeUInt32BE(MAGIC, 0);
  buffer.writeUInt32BE(payload.length, 4);
  buffer.writeBigUInt64BE(sequence, 8);
  payload.copy(buffer, HEADER_BYTES);
  buffer.writeUInt32BE(crc32(buffer.subarray(8, 16), crc32(payload)), 16);
  return buffer;
}

/** The record in a slot file, or `undefined` when empty, torn, or not a value of this file. */
function decode<T>(buffer: Buffer, isValue: (v: unknown) => v is T): SlotRecord<T> | undefined {
  if (buffer.length < HEADER_BYTES || buffer.readUInt32BE(0) !== MAGIC) return undefined;
  const length = buffer.readUInt32BE(4);
  if (buffer.length < HEADER_BYTES + length) return undefined;
  const payload = buffer.subarray(HEADER_BYTES, HEADER_BYTES + length);
  if (crc32(buffer.subarray(8, 16), crc32(payload)) !== buffer.readUInt32BE(16)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (value !== null && !isValue(value)) return undefined;
  return { sequence: buffer.readBigUInt64BE(8), value };
}

/** Two slot files holding the newest value of `T` (or none: `null`). */
export class SlotFile<T> {
  private closing: Promise<void> | undefined;
  /** The slot the next write goes to: never the one holding the newest record. */
  private slot: 0 | 1;
  /** The last write, settled: the next one comes after it. */
  private writing: Promise<void> = Promise.resolve();
  /** The background sync under way (write-behind), if any. */
  private syncing: Promise<void> | undefined;
  /** Slots written behind since the sync under way began. */
  private readonly unsynced = new Set<0 | 1>();
  /** A failed background sync, held until the next write, which rejects with it. */
  private syncError: StoreError | undefined;

  private constructor(
    /** The first slot file, named in errors. */
    readonly path: string,
    private readonly what: string,
    private readonly handles: readonly [FileHandle, FileHandle],
    private sequence: bigint,
    private current: T | undefined,
    newestSlot: 0 | 1,
  ) {
    this.slot = newestSlot === 0 ? 1 : 0;
  }

  /**
   * Opens (creating) the slot files `names` in `dir` and reads the newest intact value; `what`
   * names the file in errors (`the journal`). A record that is not a `T` counts as torn.
   */
  static async open<T>(
    dir: string,
    names: readonly [string, string],
    what: string,
    isValue: (v: unknown) => v is T,
  ): Promise<SlotFile<T>> {
    const path = join(dir, names[0]);
    try {
      await makeDir(dir);
      let created = false;
      const records: (SlotRecord<T> | undefined)[] = [];
      const handles: FileHandle[] = [];
      for (const name of names) {
        const file = join(dir, name);
        const content = await readFile(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (content === undefined) created = true;
        records.push(content === undefined ? undefined : decode(content, isValue));
        handles.push(await open(file, content === undefined ? 'w+' : 'r+'));
      }
      if (created) {
        // Make the new files' directory entries durable too.
        const folder = await open(dir, 'r');
        await folder.sync().finally(() => folder.close());
      }
      const [a, b] = records;
      // With no intact record yet, slot b counts as newest so that the first write goes to a.
      const newest: 0 | 1 = a !== undefined && a.sequence >= (b?.sequence ?? -1n) ? 0 : 1;
      const record = records[newest];
      return new SlotFile<T>(
        path,
        what,
        handles as [FileHandle, FileHandle],
        record?.sequence ?? 0n,
        record?.value ?? undefined,
        newest,
      );
    } catch (err) {
      throw new StoreError(path, `cannot open ${what}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** The value left by the previous run (or written since), if any. */
  read(): T | undefined {
    return this.current;
  }

  /**
   * Stores `value` (`null`: none); resolves once written, and with `sync` once on disk. Writes
   * are applied in call order. `'behind'`: resolves once written, and syncs it in the background
   * (write-behind: one fdatasync at a time, which covers every write before it; a failed one fails
   * the next write). The write itself is a synchronous pwrite of a few hundred bytes into the page
   * cache, microseconds, where a pwrite through the thread pool costs a round trip of the event
   * loop: once it returns, the value survives kill -9.
   */
  write(value: T | null, sync: boolean | 'behind'): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(new StoreError(this.path, `${this.what} is closed`));
    }
    const next = this.writing.then(async () => {
      const failed = this.syncError;
      if (failed !== undefined) {
        this.syncError = undefined;
        throw failed;
      }
      const sequence = this.sequence + 1n;
      const buffer = encode(sequence, value);
      const slot = this.slot;
      const handle = this.handles[slot];
      try {
        writeSync(handle.fd, buffer, 0, buffer.length, 0);
        if (sync === true) await handle.datasync();
      } catch (err) {
        throw new StoreError(this.path, `${this.what} write failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      // Only now the other slot is next: after a failed sync the next write goes to this slot
      // again, and the older, synced value in the other one stays intact.
      this.sequence = sequence;
      this.current = value ?? undefined;
      this.slot = slot === 0 ? 1 : 0;
      if (sync === 'behind') this.syncBehind(slot);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Resolves once the background sync under way, if any, is done (whether or not it failed). */
  whenSynced(): Promise<void> {
    return this.syncing ?? Promise.resolve();
  }

  /** Syncs `slot` in the background: now, or after the sync under way (then both slots it needs). */
  private syncBehind(slot: 0 | 1): void {
    this.unsynced.add(slot);
    if (this.syncing !== undefined) return;
    const run = async (): Promise<void> => {
      while (this.unsynced.size > 0) {
        const slots = [...this.unsynced];
        this.unsynced.clear();
        try {
          await Promise.all(slots.map((s) => this.handles[s].datasync()));
        } catch (err) {
          this.syncError ??= new StoreError(
            this.path,
            `${this.what} background sync failed: ${(err as Error).message}`,
            { cause: err },
          );
        }
      }
      this.syncing = undefined;
    };
    this.syncing = run();
  }

  /** Closes the files once pending writes are done. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.writing
      .then(() => this.syncing)
      .then(async () => {
        const results = await Promise.allSettled(this.handles.map((h) => h.close()));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      });
    return this.closing;
  }
}
