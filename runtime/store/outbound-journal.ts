/**
 * The outbound endpoint's journal: which FIFO records the broker has confirmed and the source has
 * not yet marked popped. Written (synced) after the confirmation and before `popped`, cleared
 * after `popped` succeeded; a restart that finds an entry resumes at `popped` instead of
 * publishing the records again. The clear is written but not synced: losing it (power loss)
 * only brings back an entry whose ids are all marked popped already, and `popped` accepts those
 * (it is idempotent by contract). That saves one fdatasync per record (per batch in batch mode).
 *
 * It is a slot file (`slot-file.ts`: two files written in turn, checksummed, fdatasync before a
 * write resolves): a torn write brings back the older slot, which is an unsynced clear or an entry
 * already popped. One pwrite+fdatasync costs well under a millisecond here, an LMDB commit
 * several, and this file is on every record's path.
 */
import { SlotFile } from './slot-file.js';

export interface JournalEntry {
  /** FIFO ids confirmed by the broker and not yet marked popped, in FIFO order. */
  readonly fifoIds: readonly string[];
  readonly destination: string;
  /** When the confirmation was journaled (ms since the epoch). */
  readonly confirmedAt: number;
}

const SLOTS = ['journal.a', 'journal.b'] as const;

/** What the outbound endpoint asks of its journal, on disk or in the coordination engine. */
export interface Journal {
  /** The entry left by the previous run (or written since), if any. */
  read(): JournalEntry | undefined;
  /** Stores the entry; resolves once it survives this process. */
  write(entry: JournalEntry): Promise<void>;
  /** Removes the entry. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class OutboundJournal implements Journal {
  private constructor(private readonly file: SlotFile<JournalEntry>) {}

  /** The first slot file, named in errors. */
  get path(): string {
    return this.file.path;
  }

  /** Opens (creating) the journal in `dir` and reads the newest intact record. */
  static async open(dir: string): Promise<OutboundJournal> {
    return new OutboundJournal(await SlotFile.open(dir, SLOTS, 'the journal', isEntry));
  }

  /** The entry left by the previous run (or written since), if any. */
  read(): JournalEntry | undefined {
    return this.file.read();
  }

  /**
   * Stores the entry; resolves once written (it then survives kill -9: the page cache is the
   * kernel's) and syncs it to disk in the background (write-behind). A power loss before that
   * sync may lose it, which only means the records are published again under their stable ids
   * and dropped by the inbound de-duplication, or an older entry comes back, whose ids are
   * popped already (`popped` accepts those).
   */
  write(entry: JournalEntry): Promise<void> {
    return this.file.write(entry, 'behind');
  }

  /**
   * Removes the entry; resolves once written, without waiting for the disk. After a power loss
   * the removed entry (or an older one) may come back: its ids were marked popped already.
   */
  clear(): Promise<void> {
    return this.file.write(null, false);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** True for a well-formed journal entry. */
export function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.fifoIds) &&
    v.fifoIds.every((id) => typeof id === 'string') &&
    typeof v.destination === 'string' &&
    typeof v.confirmedAt === 'number'
  );
}
