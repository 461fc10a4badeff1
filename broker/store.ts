/**
 * Durable message storage: a write-ahead journal (journal.ts) in front of LMDB (lmdb-js). One
 * LMDB record per queued message, keyed `[destination, seq]` so a range scan returns every
 * queue in order; deleted on ack.
 *
 * Durability: a write resolves once its journal entry is fsynced (group commit, one
 * `fdatasync` for everything queued meanwhile). The same operations go to LMDB in the same
 * order and LMDB commits them in the background, synced (`overlappingSync: false`, no
 * `noSync`); a journal segment is deleted only when LMDB holds all of it durably. After a
 * crash, the remaining segments are replayed into LMDB before the broker starts. A promise
 * returned here resolving means "on disk".
 *
 * Write-behind: an operation reaches LMDB only once it is `commitDelayMs` old (or sooner, when
 * the operations waiting in memory exceed the budget, `LMDB_QUEUE_BYTES`); until then reads are
 * served from memory. A message deleted before its put reaches LMDB is never written there:
 * the put is skipped (its durable delete is applied, harmlessly). Most messages are consumed
 * within moments of arriving, so LMDB mostly holds the backlog, and each such message costs
 * one journal append instead of a journal append plus an LMDB write and delete.
 *
 * A record's bytes are record.ts's; the directory is held by this process through the package's
 * data-folder lock (util/dir-lock.ts, file `broker.pid`).
 */
import { debuglog } from 'node:util';
import { acquireDirLock, type DirLock } from '../util/index.js';
import { BrokerStoreError } from './errors.js';
import { describeStoreFailure, StoreHealth } from './store-health.js';
import { DEFAULT_STORE_COMMIT_DELAY_MS } from './options.js';
import { SeqMap } from './seq-map.js';
import {
  promised,
  type BrokerJournal,
  type JournalDone,
  type JournalOp,
  type Segment,
} from './journal.js';
import { decodeRecord, encodeRecord, type StoredRecord } from './record.js';
import { quarantineValue, type QuarantinedRecord } from './quarantine.js';
import { openStoreFiles, type StoreFiles } from './store-recovery.js';
import { LmdbMap, type ReleaseReason } from './lmdb-map.js';
import { collectHeadroomGarbage } from './heap-headroom.js';
import {
  LMDB_DELETE_BYTES,
  LMDB_QUEUE_BYTES,
  LMDB_QUEUE_OPS,
  LMDB_RETRY_MS,
  type LmdbCommitHook,
  type MessageStoreOptions,
} from './store-options.js';
import type { SeqIndex } from './seq-index.js';
import type { SeqSet } from './seq-set.js';

const debug = debuglog('aes-broker');
/** Names the process holding the store's directory. */
const LOCK_FILE = 'broker.pid';

/** One journal entry on its way: fsync pending, then (once fsynced) waiting for LMDB. */
interface Journaled {
  readonly ops: readonly JournalOp[];
  /** Set as soon as the journal took the entry (before any outcome). */
  segment: Segment | undefined;
  state: 'writing' | 'durable' | 'failed';
  /** When its fsync completed (`performance.now()`); its LMDB commit is due `commitDelayMs` later. */
  durableAt: number;
}

export class MessageStore {
  /** LMDB, closed and opened again now and then to release its map's pages (lmdb-map.ts). */
  readonly #map: LmdbMap;
  /** Which records LMDB holds, per destination (persisted beside them). */
  readonly #index: SeqIndex;
  readonly #journal: BrokerJournal;
  /** The store's directory, held by this process (`broker.pid`). */
  readonly #lock: DirLock;
  /**
   * Operations fsynced in the journal and not yet committed by LMDB, by key: reads must see them.
   * The op itself marks its entry (a later op on the same key replaces it).
   */
  readonly #pending = new SeqMap<JournalOp>();
  readonly #commitDelayMs: number;
  readonly #queueBytes: number;
  readonly #commitHook: LmdbCommitHook | undefined;
  /** Entries handed to the journal, in journal order, until their fsync has settled. */
  readonly #journaled: Journaled[] = [];
  /**
   * Keys of new messages whose put was skipped because a durable delete followed it: LMDB never
   * holds them, so their delete is skipped too (and the key leaves this set).
   */
  readonly #unwritten = new SeqMap<true>();
  /** Index of the first entry of #journaled still in it (shift() would copy the array). */
  #journaledHead = 0;
  /** Journaled (fsynced) entries waiting to be committed by LMDB, in order. */
  #lmdbQueue: Journaled[] = [];
  #lmdbQueuedOps = 0;
  /** Bytes of the records of the put operations in {@link #lmdbQueue}, and its removes. */
  #lmdbQueuedBytes = 0;
  #lmdbQueuedRemoves = 0;
  #lmdbTimer: NodeJS.Timeout | undefined;
  /** The last LMDB commit started or chained: commits run one at a time, in order. */
  #lmdbCommit: Promise<boolean> = Promise.resolve(true);
  /** A commit chained behind the running one and not started yet. */
  #lmdbNext: Promise<boolean> | undefined;
  /** That chained commit takes the whole queue, not only the entries that are due. */
  #lmdbNextAll = false;
  /** The last LMDB commit failed: its entries are back at the front of the queue. */
  #lmdbFailed = false;
  #closing: Promise<void> | undefined;
  /** Operations asked for in this turn of the event loop, journaled together (see #write). */
  #turnOps: JournalOp[] = [];
  /** Per write of this turn: its completion callback and what it does (for its error). */
  #turnDones: JournalDone[] = [];
  #turnWhats: string[] = [];
  readonly #dir: string;
  /** Whether writes succeed (a full disk, say, makes them fail until space returns). */
  readonly #health: StoreHealth;
  /** Corrupt records set aside at start-up (journal replay, then {@link load}). */
  readonly #quarantined: QuarantinedRecord[];
  #onReadable: (() => void) | undefined;

  private constructor(dir: string, files: StoreFiles, lock: DirLock, options: MessageStoreOptions) {
    this.#dir = dir;
    this.#health = new StoreHealth(dir, options.onHealthChange);
    this.#quarantined = files.quarantined;
    this.#index = files.index;
    this.#journal = files.journal;
    this.#lock = lock;
    this.#commitDelayMs = options.commitDelayMs ?? DEFAULT_STORE_COMMIT_DELAY_MS;
    this.#queueBytes = options.queueBytes ?? LMDB_QUEUE_BYTES;
    this.#commitHook = options.commitHook;
    this.#map = new LmdbMap(dir, files.db, files.index, {
      // The memory budget bounds the map's resident pages too.
      releaseBytes: this.#queueBytes,
      releaseDue: (reason) => this.#chainRelease(reason),
      reopenFailed: (err) => this.#health.failed(err),
      reopened: () => this.#health.succeeded(),
    });
  }

  /**
   * Opens (creating when missing) the store in `dir`; replays the journal left by a crash into
   * LMDB, durably, before anything else.
   */
  static async open(dir: string, options: MessageStoreOptions = {}): Promise<MessageStore> {
    let lock: DirLock;
    try {
      // One broker per directory: a second one would deliver every message twice.
      lock = await acquireDirLock(dir, { fileName: LOCK_FILE, holder: 'another broker' });
    } catch (err) {
      throw new BrokerStoreError(`cannot open message store in ${dir}`, err);
    }
    try {
      return new MessageStore(dir, await openStoreFiles(dir), lock, options);
    } catch (err) {
      await releaseQuietly(lock);
      throw new BrokerStoreError(`cannot open message store in ${dir}`, err);
    }
  }

  /**
   * The sequence numbers of every destination's stored messages (call before any write; the
   * sets are copies). Read from the store's index: no record is read, so this takes time and
   * memory by the number of sequence numbers spanned (a bit each), not by the backlog's bytes.
   */
  storedSeqs(): Map<string, SeqSet> {
    const out = new Map<string, SeqSet>();
    for (const [destination, seqs] of this.#index.destinations())
      out.set(destination, seqs.clone());
    return out;
  }

  /** Whether writes succeed: the failure while it lasts (a full disk, say), failures so far. */
  get health(): StoreHealth {
    return this.#health;
  }

  /** Whether {@link read} may be called: not while LMDB's map is released (lmdb-map.ts). */
  get readable(): boolean {
    return this.#map.readable;
  }

  /** Called when reads are served again after a release of LMDB's map (one observer). */
  set onReadable(observer: (() => void) | undefined) {
    this.#onReadable = observer;
  }

  /** Releases of LMDB's map so far. */
  get mapReleases(): number {
    return this.#map.releases;
  }

  /** Corrupt records set aside so far (journal replay at start-up, LMDB values when read). */
  quarantined(): readonly QuarantinedRecord[] {
    return this.#quarantined;
  }

  #quarantineValue(destination: string, seq: number, value: Buffer, err: unknown): void {
    const q = quarantineValue(this.#dir, destination, seq, value, err);
    this.#quarantined.push(q);
    this.delete(destination, seq, (failed) => {
      // Then it is set aside again at the next start (its copy is kept either way).
      if (failed !== undefined) debug('store: cannot delete %s#%d: %O', destination, seq, failed);
    });
  }

  /**
   * Reads one message; `undefined` when it is gone. The body may be a view of a buffer the
   * store reuses for its next read: use it at once (the broker copies it into the frame it
   * writes, or the record it stores), or copy it. A record LMDB holds that cannot be decoded
   * is set aside (copied to `quarantine/`, its deletion journaled, listed by
   * {@link quarantined}) and the error is thrown. Not while {@link readable} is false.
   */
  read(destination: string, seq: number): StoredRecord | undefined {
    const pending = this.#pending.get(destination, seq);
    if (pending !== undefined) {
      return pending.kind === 'remove'
        ? undefined
        : decodeRecord(pending.value, destination, seq, false);
    }
    // lmdb-js's own buffer, no copy per delivery (see above).
    const value = this.#map.get(destination, seq);
    if (value === undefined) return undefined;
    try {
      return decodeRecord(value, destination, seq, false);
    } catch (err) {
      this.#quarantineValue(destination, seq, value, err);
      throw err;
    }
  }

  /** Stores a new message (`seq` never used before); resolves once it is fsynced. */
  append(destination: string, seq: number, record: StoredRecord): Promise<void> {
    return promised((done) => this.put(destination, seq, record, done));
  }

  /**
   * {@link append} without a promise (the broker's hot path): `done` gets `undefined` once the
   * message is fsynced, or a {@link BrokerStoreError}; never synchronously.
   */
  put(destination: string, seq: number, record: StoredRecord, done: JournalDone): void {
    this.#write(
      [{ kind: 'put', destination, seq, value: encodeRecord(record), fresh: true }],
      'store message',
      done,
    );
  }

  /** Replaces a stored message's record (its delivery count); resolves once it is fsynced. */
  update(destination: string, seq: number, record: StoredRecord): Promise<void> {
    return promised((done) =>
      this.#write(
        [{ kind: 'put', destination, seq, value: encodeRecord(record) }],
        'update message',
        done,
      ),
    );
  }

  /** Deletes a message (acked); resolves once the deletion is fsynced. */
  remove(destination: string, seq: number): Promise<void> {
    return promised((done) => this.delete(destination, seq, done));
  }

  /** {@link remove} without a promise; `done` as for {@link put}. */
  delete(destination: string, seq: number, done: JournalDone): void {
    this.#write([{ kind: 'remove', destination, seq }], 'delete message', done);
  }

  /**
   * Applies removes and puts of new messages atomically (COMMIT of a STOMP transaction, moving a
   * message to its dead-letter queue): one journal entry, one LMDB batch; resolves once fsynced.
   */
  batch(
    puts: ReadonlyArray<{ destination: string; seq: number; record: StoredRecord }>,
    removes: ReadonlyArray<{ destination: string; seq: number }>,
  ): Promise<void> {
    const ops: JournalOp[] = [
      ...removes.map((r): JournalOp => ({
        kind: 'remove',
        destination: r.destination,
        seq: r.seq,
      })),
      ...puts.map((p): JournalOp => ({
        kind: 'put',
        destination: p.destination,
        seq: p.seq,
        value: encodeRecord(p.record),
        fresh: true,
      })),
    ];
    if (ops.length === 0) return Promise.resolve();
    return promised((done) => this.#write(ops, 'commit batch', done));
  }

  /** fdatasync calls of the journal so far: group commit makes many writes share one. */
  syncCount(): number {
    return this.#journal.syncs;
  }

  /** Observes the duration of every journal fdatasync, in ms (one observer). */
  set onSynced(observer: ((durationMs: number) => void) | undefined) {
    this.#journal.onSynced = observer;
  }

  /** Bytes the store uses: LMDB pages up to the last one in use, plus journal segments. */
  sizeBytes(): number {
    return this.#map.sizeBytes() + this.#journal.bytes;
  }

  /** Highest sequence number stored, or 0 (from the index; call before any write). */
  maxSeq(): number {
    return this.#index.maxSeq();
  }

  /**
   * Waits for pending writes, makes LMDB hold everything durably, deletes the journal, closes
   * the database. When LMDB could not commit everything journaled (a failed commit, e.g. a full
   * disk), the journal is kept and replayed at the next open. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let durable = false;
      this.#map.stopping();
      try {
        this.#journalTurn();
        await this.#journal.idle();
        const committed = await this.#commitToLmdb(true);
        // A release of the map chained behind that commit.
        await this.#lmdbCommit;
        await this.#map.db.flushed;
        durable =
          committed &&
          this.#map.readable &&
          this.#journaled.length === this.#journaledHead &&
          this.#lmdbQueue.length === 0;
        if (!durable) debug('store: LMDB does not hold every journaled entry; keeping the journal');
      } finally {
        clearTimeout(this.#lmdbTimer);
        this.#lmdbTimer = undefined;
        try {
          await this.#journal.close(durable);
        } finally {
          try {
            await this.#map.close();
          } finally {
            await releaseQuietly(this.#lock);
          }
        }
      }
    })();
    return this.#closing;
  }

  /**
   * Journals `ops` (the RECEIPT waits for that fsync), atomically. Once fsynced — and only then —
   * they are served to reads from memory and handed to LMDB, in journal order, to commit in the
   * background. An entry whose journal write failed is dropped: its sender gets an error, so
   * it must not be stored.
   *
   * The writes of one turn of the event loop (the SENDs and ACKs read from one socket chunk)
   * become one journal entry, in call order, on process.nextTick: before the journal's group
   * commit starts, which they would have shared anyway. That saves an entry's framing, CRC and
   * bookkeeping per message; replay is then all or nothing for the turn, and a torn entry was
   * never receipted.
   */
  #write(ops: readonly JournalOp[], what: string, done: JournalDone): void {
    const turn = this.#turnOps;
    for (const op of ops) turn.push(op);
    this.#turnDones.push(done);
    this.#turnWhats.push(what);
    if (this.#turnDones.length === 1) process.nextTick(this.#journalTurn);
  }

  /** Journals the writes gathered by {@link #write} as one entry. */
  readonly #journalTurn = (): void => {
    const dones = this.#turnDones;
    if (dones.length === 0) return;
    const ops = this.#turnOps;
    const whats = this.#turnWhats;
    this.#turnOps = [];
    this.#turnDones = [];
    this.#turnWhats = [];
    const entry: Journaled = { ops, segment: undefined, state: 'writing', durableAt: 0 };
    this.#journaled.push(entry);
    entry.segment = this.#journal.write(ops, (err) => {
      this.#settled(entry, err === undefined ? 'durable' : 'failed');
      if (err === undefined) this.#health.succeeded();
      else this.#health.failed(err);
      for (let i = 0; i < dones.length; i += 1) {
        const done = dones[i] as JournalDone;
        try {
          done(
            err === undefined
              ? undefined
              : new BrokerStoreError(
                  `message store could not ${whats[i] ?? 'write'}: ${describeStoreFailure(err, this.#dir)}; not stored (nothing receipted is lost; writes succeed again once that is fixed)`,
                  err,
                ),
          );
        } catch (thrown) {
          debug('store: a write callback threw: %O', thrown);
        }
      }
    });
  };

  /**
   * Records the outcome of an entry's fsync and moves the settled entries at the front of the
   * journal order on: fsynced ones to memory and the LMDB queue, failed ones away.
   */
  #settled(entry: Journaled, state: 'durable' | 'failed'): void {
    entry.state = state;
    let queued = false;
    const journaled = this.#journaled;
    let head = this.#journaledHead;
    let now = 0;
    for (let next = journaled[head]; next !== undefined && next.state !== 'writing';) {
      head += 1;
      if (next.state === 'durable') {
        if (!queued) now = performance.now();
        next.durableAt = now;
        for (const op of next.ops) this.#pending.set(op.destination, op.seq, op);
        this.#lmdbQueue.push(next);
        this.#countQueued(next, 1);
        queued = true;
      }
      next = journaled[head];
    }
    if (head === journaled.length) {
      journaled.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > journaled.length) {
      journaled.splice(0, head);
      head = 0;
    }
    this.#journaledHead = head;
    if (!queued) return;
    // A delete costs LMDB's commit a copy of its record's page (see LMDB_DELETE_BYTES).
    const removeBytes = this.#lmdbQueuedRemoves * LMDB_DELETE_BYTES;
    if (
      (this.#lmdbQueuedBytes + removeBytes >= this.#queueBytes ||
        this.#lmdbQueuedOps >= LMDB_QUEUE_OPS) &&
      !this.#lmdbFailed
    ) {
      void this.#commitToLmdb(true);
    } else {
      this.#scheduleCommit(this.#commitDelayMs);
    }
  }

  #scheduleCommit(delayMs: number): void {
    if (this.#lmdbTimer !== undefined || this.#closing !== undefined) return;
    this.#lmdbTimer = setTimeout(() => void this.#commitToLmdb(false), delayMs);
    this.#lmdbTimer.unref();
  }

  /**
   * Commits what is queued for LMDB — everything with `all`, else the entries that are due —
   * after any commit already running; resolves `true` when LMDB then holds every entry it took,
   * `false` when the commit failed.
   */
  #commitToLmdb(all: boolean): Promise<boolean> {
    clearTimeout(this.#lmdbTimer);
    this.#lmdbTimer = undefined;
    this.#lmdbNextAll ||= all;
    if (this.#lmdbNext === undefined) {
      const next = this.#lmdbCommit.then(() => {
        this.#lmdbNext = undefined;
        const takeAll = this.#lmdbNextAll;
        this.#lmdbNextAll = false;
        return this.#commitQueued(takeAll);
      });
      this.#lmdbNext = next;
      this.#lmdbCommit = next;
    }
    return this.#lmdbNext;
  }

  /**
   * Releases LMDB's map (lmdb-map.ts) after the commit running or chained (no write under way).
   * Reads pause until then. Gone idle, V8 also collects the garbage the heap headroom allowed.
   */
  #chainRelease(reason: ReleaseReason): void {
    if (this.#closing !== undefined) return;
    this.#lmdbCommit = this.#lmdbCommit.then(async () => {
      try {
        await this.#map.release();
        if (this.#map.readable) this.#onReadable?.();
        if (reason === 'idle') collectHeadroomGarbage();
      } catch (err) {
        debug('store: releasing the LMDB map: %O', err);
      }
      return true;
    });
  }

  /** Entries at the front of the LMDB queue that are due (all of them with `all`). */
  #takeDue(all: boolean): Journaled[] {
    const queue = this.#lmdbQueue;
    let count = queue.length;
    if (!all) {
      const cutoff = performance.now() - this.#commitDelayMs;
      count = 0;
      while (count < queue.length && (queue[count]?.durableAt ?? Infinity) <= cutoff) count += 1;
    }
    const work = queue.splice(0, count);
    for (const w of work) this.#countQueued(w, -1);
    return work;
  }

  /** Adds an entry's operations and record bytes to the LMDB queue's counts, or (-1) takes them off. */
  #countQueued(entry: Journaled, sign: 1 | -1): void {
    let bytes = 0;
    let removes = 0;
    for (const op of entry.ops) {
      if (op.kind === 'put') bytes += op.value.length;
      else removes += 1;
    }
    this.#lmdbQueuedOps += sign * entry.ops.length;
    this.#lmdbQueuedBytes += sign * bytes;
    this.#lmdbQueuedRemoves += sign * removes;
  }

  /** Arms the timer for the entry now at the front of the LMDB queue, if any. */
  #scheduleNext(): void {
    const head = this.#lmdbQueue[0];
    if (head === undefined) return;
    const wait = head.durableAt + this.#commitDelayMs - performance.now();
    this.#scheduleCommit(Math.max(0, Math.ceil(wait)));
  }

  /**
   * Hands the journaled operations taken from the queue to LMDB (committed and synced together);
   * once durable there, their journal entries may be retired. A put whose message has since
   * been deleted durably (its delete is in memory, so in this batch or a later one) is skipped,
   * and so is the delete of a new message whose put was skipped.
   * On failure the entries go back to the front of the queue, in order, and are tried again
   * later; their journal segments stay.
   */
  async #commitQueued(all: boolean): Promise<boolean> {
    const work = this.#takeDue(all);
    if (work.length === 0) {
      this.#scheduleNext();
      return true;
    }
    const db = this.#map.db;
    const pending = this.#pending;
    const unwritten = this.#unwritten;
    // Issued in one turn, the writes share one lmdb-js transaction on its writer thread (a
    // batch() callback would run them on this thread instead), committed in order. Atomicity is
    // the journal's job: LMDB only ever holds a prefix of the history (less puts that a later,
    // durable delete undoes), which replay completes.
    const index = this.#index;
    let putBytes = 0;
    let removes = 0;
    const commit = async (): Promise<void> => {
      const writes: Promise<boolean>[] = [];
      for (const w of work) {
        for (const op of w.ops) {
          if (op.kind === 'put') {
            if (pending.get(op.destination, op.seq)?.kind === 'remove') {
              if (op.fresh === true) unwritten.set(op.destination, op.seq, true);
              continue;
            }
            writes.push(db.put([op.destination, op.seq], op.value));
            index.put(op.destination, op.seq);
            putBytes += op.value.length;
          } else if (!unwritten.delete(op.destination, op.seq)) {
            writes.push(db.remove([op.destination, op.seq]));
            index.remove(op.destination, op.seq);
            removes += 1;
          }
        }
      }
      // Same turn, same transaction: the index never disagrees with the records it lists.
      const { writes: indexWrites, flushed } = index.flush();
      try {
        await Promise.all([...writes, ...indexWrites]);
      } catch (err) {
        index.unflushed(flushed);
        throw err;
      }
    };
    try {
      await (this.#commitHook === undefined ? commit() : this.#commitHook(commit));
    } catch (err) {
      // Nothing is lost: the entries stay in memory (reads) and in the journal (replay), and
      // go back in front of anything queued since, so LMDB still gets the history in order.
      debug('store: LMDB failed to commit %d journaled entries: %O', work.length, err);
      // Not unshift(...work): a spread of a long array (200,000 entries) overflows the stack.
      this.#lmdbQueue = work.concat(this.#lmdbQueue);
      for (const w of work) this.#countQueued(w, 1);
      this.#lmdbFailed = true;
      this.#health.failed(err);
      this.#scheduleCommit(Math.max(this.#commitDelayMs, LMDB_RETRY_MS));
      return false;
    }
    this.#lmdbFailed = false;
    this.#health.succeeded();
    this.#map.committed(putBytes, removes);
    for (const w of work) {
      for (const op of w.ops) {
        this.#pending.deleteIf(op.destination, op.seq, op);
      }
      try {
        if (w.segment !== undefined) this.#journal.applied(w.segment);
      } catch (err) {
        debug('store: cannot retire journal segment %s: %O', w.segment?.path, err);
      }
    }
    this.#scheduleNext();
    return true;
  }
}

/** Lets the directory go; a lock file that cannot be removed is left for the next start to take. */
async function releaseQuietly(lock: DirLock): Promise<void> {
  await lock.release().catch((err: unknown) => {
    debug('store: cannot remove %s: %s', lock.path, err instanceof Error ? err.message : err);
  });
}
