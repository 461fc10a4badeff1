/**
 * The outbound endpoint's journal: which FIFO records the broker has confirmed and the source has
 * not yet marked popped. Written (synced) after the confirmation and before `popped`, cleared
 * after `popped` succeeded; a restart that finds an entry resumes at `popped` instead of
 * publishing the records again.
 */
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { StoreError } from '../errors.js';
import { openEnv } from './lmdb-env.js';

export interface JournalEntry {
  /** FIFO ids confirmed by the broker and not yet marked popped, in FIFO order. */
  readonly fifoIds: readonly string[];
  readonly destination: string;
  /** When the confirmation was journaled (ms since the epoch). */
  readonly confirmedAt: number;
}

const KEY = 'in-flight';

export class OutboundJournal {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase<unknown, string>,
  ) {}

  /** Opens (creating) the journal in `dir`. */
  static open(dir: string): OutboundJournal {
    const path = join(dir, 'journal.lmdb');
    return new OutboundJournal(path, openEnv(path));
  }

  /** The entry left by the previous run, if any. */
  read(): JournalEntry | undefined {
    const value = this.env.get(KEY);
    if (value === undefined) return undefined;
    if (!isEntry(value)) throw new StoreError(this.path, `unreadable journal entry`);
    return value;
  }

  /** Stores the entry; resolves once it is synced to disk. */
  async write(entry: JournalEntry): Promise<void> {
    await this.guard('write', this.env.put(KEY, entry));
  }

  /** Removes the entry; resolves once that is synced. */
  async clear(): Promise<void> {
    await this.guard('clear', this.env.remove(KEY));
  }

  close(): Promise<void> {
    this.closing ??= this.env.close();
    return this.closing;
  }

  private async guard(operation: string, write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      throw new StoreError(this.path, `${operation} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
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
