/**
 * The outbound endpoint's journal: which FIFO records the broker has confirmed and the source has
 * not yet marked popped. Written (synced) after the confirmation and before `popped`, cleared
 * after `popped` succeeded; a restart that finds an entry resumes at `popped` instead of
 * publishing the records again. The clear is written but not synced: losing it (power loss)
 * only brings back an entry whose ids are all marked popped already, and `popped` accepts those
 * (it is idempotent by contract). That saves one fdatasync per record (per batch in batch mode).
 *
 * Two slot files written in turn, each record `magic | length | sequence | crc32 | JSON`, and
 * fdatasync before a write resolves. A torn write (power loss mid-write) fails its checksum and
 * the other slot, older, is used: the journal never reads garbage and never loses a synced
 * entry (what the other slot brings back is an unsynced clear or an entry already popped). One pwrite+fdatasync costs well under a millisecond here, an LMDB commit
 * several, and this file is on every record's path.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StoreError } from '../errors.js';

export interface JournalEntry {
  /** FIFO ids confirmed by the broker and not yet marked popped, in FIFO order. */
  readonly fifoIds: readonly string[];
  readonly destination: string;
  /** When the confirmation was journaled (ms since the epoch). */
  readonly confirmedAt: number;
}

const MAGIC = 0x4145534a; // 'AESJ'
const HEADER_BYTES = 20; // magic u32, length u32, sequence u64, crc32 u32
const SLOTS = ['journal.a', 'journal.b'] as const;

interface SlotRecord {
  readonly sequence: bigint;
  readonly entry: JournalEntry | null;
}

function encode(sequence: bigint, entry: JournalEntry | null): Buffer {
  const payload = Buffer.from(JSON.stringify(entry), 'utf8');
  const buffer = Buffer.alloc(HEADER_BYTES + payload.length);
  buffer.writeUInt32BE(MAGIC, 0);
  buffer.writeUInt32BE(payload.length, 4);
  buffer.writeBigUInt64BE(sequence, 8);
  payload.copy(buffer, HEADER_BYTES);
  buffer.writeUInt32BE(crc32(buffer.subarray(8, 16), crc32(payload)), 16);
  return buffer;
}

/** The record in a slot file, or `undefined` when empty, torn or not a journal. */
function decode(buffer: Buffer): SlotRecord | undefined {
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
  if (value !== null && !isEntry(value)) return undefined;
  return { sequence: buffer.readBigUInt64BE(8), entry: value };
}

export class OutboundJournal {
  private closing: Promise<void> | undefined;
  /** The slot the next write goes to: never the one holding the newest record. */
  private slot: 0 | 1;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handles: readonly [FileHandle, FileHandle],
    private sequence: bigint,
    private current: JournalEntry | undefined,
    newestSlot: 0 | 1,
  ) {
    this.slot = newestSlot === 0 ? 1 : 0;
  }

  /** Opens (creating) the journal in `dir` and reads the newest intact record. */
  static async open(dir: string): Promise<OutboundJournal> {
    const path = join(dir, SLOTS[0]);
    try {
      await mkdir(dir, { recursive: true });
      let created = false;
      const records: (SlotRecord | undefined)[] = [];
      const handles: FileHandle[] = [];
      for (const name of SLOTS) {
        const file = join(dir, name);
        const content = await readFile(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (content === undefined) created = true;
        records.push(content === undefined ? undefined : decode(content));
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
      return new OutboundJournal(
        path,
        handles as [FileHandle, FileHandle],
        record?.sequence ?? 0n,
        record?.entry ?? undefined,
        newest,
      );
    } catch (err) {
      throw new StoreError(path, `cannot open the journal: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** The entry left by the previous run (or written since), if any. */
  read(): JournalEntry | undefined {
    return this.current;
  }

  /** Stores the entry; resolves once it is synced to disk. */
  write(entry: JournalEntry): Promise<void> {
    return this.append(entry, true);
  }

  /**
   * Removes the entry; resolves once written, without waiting for the disk. After a power loss
   * the removed entry (or an older one) may come back: its ids were marked popped already.
   */
  clear(): Promise<void> {
    return this.append(null, false);
  }

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

  private append(entry: JournalEntry | null, sync: boolean): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(new StoreError(this.path, 'the journal is closed'));
    }
    const next = this.writing.then(async () => {
      const sequence = this.sequence + 1n;
      const buffer = encode(sequence, entry);
      const handle = this.handles[this.slot];
      try {
        await handle.write(buffer, 0, buffer.length, 0);
        if (sync) await handle.datasync();
      } catch (err) {
        throw new StoreError(this.path, `journal write failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.sequence = sequence;
      this.current = entry ?? undefined;
      this.slot = this.slot === 0 ? 1 : 0;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.fifoIds) &&
    v.fifoIds.every((id) => typeof id === 'string') &&
    typeof v.destination === 'string' &&
    typeof v.confirmedAt === 'number'
  );
}
