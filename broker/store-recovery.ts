/**
 * Opening a message store's files: the LMDB environment with its records and its sequence
 * index (seq-index.ts), and the journal, whose entries left by a crash are replayed into both,
 * in one synced LMDB transaction, before anything else reads them.
 */
import { open, type RootDatabase } from 'lmdb';
import { BrokerJournal, type JournalOp } from './journal.js';
import { quarantineSpan, type QuarantinedRecord } from './quarantine.js';
import { SeqIndex } from './seq-index.js';

/** A record's LMDB key. */
export type StoreKey = [string, number];

/** What {@link openStoreFiles} opened. */
export interface StoreFiles {
  readonly db: RootDatabase<Buffer, StoreKey>;
  readonly index: SeqIndex;
  readonly journal: BrokerJournal;
  /** Corrupt journal entries set aside during replay. */
  readonly quarantined: QuarantinedRecord[];
}

/** Opens (creating when missing) the store's files in `dir` and replays a crash's journal. */
export async function openStoreFiles(dir: string): Promise<StoreFiles> {
  const db = openLmdb(dir);
  try {
    const index = await SeqIndex.open(db);
    const { journal, segments } = BrokerJournal.openSegments(dir);
    const quarantined: QuarantinedRecord[] = [];
    // One segment at a time, each in its own synced transaction (with overlappingSync off, the
    // batch's promise resolves once it is synced): LMDB then holds a prefix of the history, and
    // a crash during replay replays every segment again, which is harmless (whole-record puts
    // and deletes, in order). The index's chunks go in the same transaction as the records.
    for (const segment of segments) {
      const { entries, corrupt } = segment.read();
      // Kept before the segments holding them are deleted.
      for (const c of corrupt) quarantined.push(quarantineSpan(dir, c));
      if (entries.length === 0) continue;
      await db.batch(() => {
        for (const entry of entries) {
          for (const op of entry) {
            void applyOp(db, op);
            if (op.kind === 'put') index.put(op.destination, op.seq);
            else index.remove(op.destination, op.seq);
          }
        }
        index.flush();
      });
    }
    if (segments.length > 0) journal.retireReplayed();
    return { db, index, journal, quarantined };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Opens the store's LMDB environment in `dir` (at start-up, and again after a release of its map). */
export function openLmdb(dir: string): RootDatabase<Buffer, StoreKey> {
  return open<Buffer, StoreKey>({
    path: dir,
    encoding: 'binary',
    compression: false,
    // Commits are synced (two flushes each): a journal segment is deleted only once LMDB
    // holds its operations durably. See store.ts and docs/broker.md.
    overlappingSync: false,
    noSync: false,
  });
}

function applyOp(db: RootDatabase<Buffer, StoreKey>, op: JournalOp): Promise<boolean> {
  return op.kind === 'put'
    ? db.put([op.destination, op.seq], op.value)
    : db.remove([op.destination, op.seq]);
}
