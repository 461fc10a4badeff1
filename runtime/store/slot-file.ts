/**
 * One small value kept durable across kill -9 and power loss at the cost of one write and one
 * fdatasync: two slot files written in turn, each record `magic | length | sequence | crc32 |
 * JSON`. A torn write (power loss mid-write) fails its checksum and the other slot, older, is
 * read: a slot file never yields garbage and never loses a synced value. One pwrite+fdatasync
 * costs well under a millisecond here, an LMDB commit several.
 *
 * The outbound journal (`outbound-journal.ts`) and the inbound put marks (`put-marks.ts`) are
 * slot files of their own values.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
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
  private writing: Promise<void> = Promise.resolve();
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
      await mkdir(dir, { recursive: true });
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
   * right after (write-behind: the next write waits for that sync, the caller does not).
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
      const handle = this.handles[this.slot];
      try {
        await handle.write(buffer, 0, buffer.length, 0);
        if (sync === true) await handle.datasync();
      } catch (err) {
        throw new StoreError(this.path, `${this.what} write failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.sequence = sequence;
      this.current = value ?? undefined;
      this.slot = this.slot === 0 ? 1 : 0;
      return handle;
    });
    const settled = next.catch(() => undefined);
    // A background sync joins the chain: the next write (or close) comes after it. Its failure
    // fails that next write (an I/O error is not ignored, only reported one step late).
    this.writing = (
      sync === 'behind'
        ? settled.then((handle) => handle?.datasync().catch((err: unknown) => this.syncFailed(err)))
        : settled
    ).then(() => undefined);
    return next.then(() => undefined);
  }

  private syncFailed(err: unknown): void {
    this.syncError = new StoreError(
      this.path,
      `${this.what} background sync failed: ${(err as Error).message}`,
      { cause: err },
    );
  }

  /** Closes the files once pending writes are done. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.writing
      .catch(() => undefined)
      .then(async () => {
        const results = await Promise.allSettled(this.handles.map((h) => h.close()));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      });
    return this.closing;
  }
}
