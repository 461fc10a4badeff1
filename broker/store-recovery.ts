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

/** Bytes of records (a delete counts as a 4 KiB page) replayed in one LMDB transaction. */
const REPLAY_BATCH_BYTES = 8 * 1024 * 1024;

/** Opens (creating when missing) the store's files in `dir` and replays a crash's journal. */
export async function openStoreFiles(dir: string): Promise<StoreFiles> {
  const db = openLmdb(dir);
  try {
    const index = await SeqIndex.open(db);
    const { journal, segments } = BrokerJournal.openSegments(dir);
    const quarantined: QuarantinedRecord[] = [];
    // One segment at a time, in synced transactions (with overlappingSync off, the batch's
    // promise resolves once it is synced) of at most REPLAY_BATCH_BYTES: LMDB then holds a prefix
    // of the history, and a crash during replay replays every segment again, which is harmless
    // (whole-record puts and deletes, in order). The index's chunks go in the same transaction
    // as the records. Small transactions because LMDB copies every page a transaction changes
    // into memory it allocates (and keeps): a 64 MiB segment in one took 64 MB that stayed.
    for (const segment of segments) {
      const { entries, corrupt } = segment.read();
      // Kept before the segments holding them are deleted.
      for (const c of corrupt) quarantined.push(quarantineSpan(dir, c));
      for (let from = 0; from < entries.length;) {
        let to = from;
        let bytes = 0;
        while (to < entries.length && bytes < REPLAY_BATCH_BYTES) {
          for (const op of entries[to] ?? []) bytes += op.kind === 'put' ? op.value.length : 4096;
          to += 1;
        }
        const batch = entries.slice(from, to);
        from = to;
        await db.batch(() => {
          for (const entry of batch) {
            for (const op of entry) {
              void applyOp(db, op);
              if (op.kind === 'put') index.put(op.destination, op.seq);
              else index.remove(op.destination, op.seq);
            }
          }
          index.flush();
        });
      }
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
