/**
 * The write-ahead journal in front of LMDB. A RECEIPT waits for one durable append here (group
 * commit: every entry queued while a write runs goes out in the next one; segments are opened
 * with O_DSYNC, so a write returns once its data is on disk, as write + `fdatasync` would),
 * instead of for an LMDB commit, which costs several page writes and two flushes. LMDB gets
 * the same operations, in the same order, and commits them in the background (less the puts a
 * later durable delete undoes: see store.ts); a journal segment is deleted once every operation
 * written to it has been through an LMDB commit. After a crash the retained segments are
 * replayed into LMDB: operations are idempotent puts and removes of whole keys, so replaying a
 * suffix of the history over LMDB's durable state restores it.
 *
 * On disk: `journal-<n>.log` segment files of entries `[u32 length][u32 crc32][payload]`,
 * payload `[u32 op count]` then per op `[u8 kind][u16 destination bytes][destination][f64 seq]`
 * and, for a put, `[u32 value bytes][value]`. A torn entry at the tail ends its segment's replay;
 * a corrupt one followed by valid entries is set aside and replay goes on (see decodeEntries).
 *
 * Segments are zero-filled ahead of the entries ({@link PREALLOCATE_BYTES} at a time, in the
 * same write + sync as the entry that needs the room): an entry then overwrites blocks the file
 * already has, and its `fdatasync` flushes only data — no file-size change for the file
 * system's own journal to commit, which on ext4 halves the latency of a lone durable SEND.
 * Zeros read as "no entry" (a length under 4), so replay stops where the entries end.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  unlinkSync,
  writev,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { debuglog, inspect } from 'node:util';
import { decodeEntries, encodeEntry, type CorruptSpan, type JournalOp } from './journal-entry.js';

const debug = debuglog('aes-broker');

export type { JournalOp, CorruptSpan } from './journal-entry.js';
export { encodeEntry, decodeEntries } from './journal-entry.js';

/** Size at which a new segment is started. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Zeros written ahead of the entries when a segment runs out of written room. */
export const PREALLOCATE_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(PREALLOCATE_BYTES);

/**
 * A lone entry (nothing else queued) of at most this many bytes is written on this thread when
 * the disk's last write took under {@link SYNC_WRITE_MAX_MS}: see `Journal`'s `#flush`.
 */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;
/** The last write's duration under which a lone entry is written on this thread. */
export const SYNC_WRITE_MAX_MS = 1;

/** Tuning of {@link BrokerJournal.open}; every field has a default. */
export interface JournalOptions {
  /**
   * A lone small entry is written on the calling thread when the last write took less than
   * this many ms; 0 sends every write to the threadpool. @defaultValue {@link SYNC_WRITE_MAX_MS}
   */
  readonly syncWriteMaxMs?: number;
}

const SEGMENT_PATTERN = /^journal-(\d{12})\.log$/;

/** One segment file; deleted once sealed and every op in it is durable in LMDB. */
export class Segment {
  bytes = 0;
  /** Where the next write goes (entries actually written, in order). */
  written = 0;
  /** Bytes of the file written so far, entries and the zeros ahead of them. */
  allocated = 0;
  /** Entries appended whose LMDB operations are not yet durable. */
  outstanding = 0;
  /** Entries queued or being written. */
  unwritten = 0;
  sealed = false;
  failed = false;
  fd: number | undefined;

  constructor(
    readonly number: number,
    readonly path: string,
  ) {}
}

/** A corrupt span found in a segment at open (see {@link decodeEntries}). */
export interface SegmentCorruption {
  /** The segment's file name. */
  readonly file: string;
  readonly span: CorruptSpan;
}

/**
 * A segment found at open, read when its turn to be replayed comes: one segment's entries are
 * in memory at a time, not the whole journal's.
 */
export interface ReplaySegment {
  /** The segment's file name. */
  readonly file: string;
  /** Reads and decodes the segment. Its put values are views of the file's bytes, not copies. */
  read(): { entries: JournalOp[][]; corrupt: SegmentCorruption[] };
}

/** Called once an entry's write + fdatasync settled: `undefined` on success, else the error. */
export type JournalDone = (err: Error | undefined) => void;

interface Queued {
  readonly segment: Segment;
  readonly entry: Buffer;
  readonly done: JournalDone;
}

export class BrokerJournal {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  #current: Segment;
  #queue: Queued[] = [];
  /** A write + sync runs or is scheduled. */
  #writing = false;
  #syncs = 0;
  /** How long the last write + sync took, in ms (Infinity before the first). */
  #lastWriteMs = Number.POSITIVE_INFINITY;
  readonly #syncWriteMaxMs: number;
  /** Called after every write+fdatasync with its duration (for metrics); must not throw. */
  onSynced: ((durationMs: number) => void) | undefined;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  /** Files found at open, kept until their entries are durably applied to LMDB. */
  #replayed: string[];

  private constructor(
    dir: string,
    segmentBytes: number,
    next: number,
    replayed: string[],
    options: JournalOptions,
  ) {
    this.#dir = dir;
    this.#syncWriteMaxMs = options.syncWriteMaxMs ?? SYNC_WRITE_MAX_MS;
    this.#segmentBytes = segmentBytes;
    this.#replayed = replayed;
    this.#current = this.#openSegment(next);
  }

  /**
   * Opens the journal in `dir`: returns the entries of existing segments, in order, for the
   * caller to apply to LMDB durably before calling {@link retireReplayed}.
   */
  static open(
    dir: string,
    segmentBytes = DEFAULT_SEGMENT_BYTES,
    options: JournalOptions = {},
  ): { journal: BrokerJournal; replay: JournalOp[][]; corrupt: SegmentCorruption[] } {
    const { journal, segments } = BrokerJournal.openSegments(dir, segmentBytes, options);
    const replay: JournalOp[][] = [];
    const corrupt: SegmentCorruption[] = [];
    for (const segment of segments) {
      const decoded = segment.read();
      for (const c of decoded.corrupt) corrupt.push(c);
      for (const entry of decoded.entries) replay.push(entry);
    }
    return { journal, replay, corrupt };
  }

  /**
   * {@link open} with the existing segments returned unread, in order, for the caller to replay
   * one at a time (the store does: a crash's journal can hold 128 MiB).
   */
  static openSegments(
    dir: string,
    segmentBytes = DEFAULT_SEGMENT_BYTES,
    options: JournalOptions = {},
  ): { journal: BrokerJournal; segments: ReplaySegment[] } {
    const files = readdirSync(dir)
      .map((name) => ({ name, match: SEGMENT_PATTERN.exec(name) }))
      .filter((f) => f.match !== null)
      .map((f) => ({ name: f.name, number: Number(f.match?.[1]) }))
      .sort((a, b) => a.number - b.number);
    const segments = files.map((f): ReplaySegment => ({
      file: f.name,
      read: () => {
        const buf = readFileSync(join(dir, f.name));
        const decoded = decodeEntries(buf);
        if (decoded.validBytes < buf.length) {
          // The torn tail of a crash (never receipted) and the zeros ahead of the entries.
          debug(
            'journal: %s: %d bytes after the last whole entry ignored',
            f.name,
            buf.length - decoded.validBytes,
          );
        }
        return {
          entries: decoded.entries,
          corrupt: decoded.corrupt.map((span) => ({ file: f.name, span })),
        };
      },
    }));
    const next = (files[files.length - 1]?.number ?? 0) + 1;
    const journal = new BrokerJournal(
      dir,
      segmentBytes,
      next,
      files.map((f) => join(dir, f.name)),
      options,
    );
    return { journal, segments };
  }

  /** fdatasync calls so far (group commit: many entries share one). */
  get syncs(): number {
    return this.#syncs;
  }

  /** Bytes in the open segments. */
  get bytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.bytes;
    return n;
  }

  /** Deletes the segments found at open; call once their entries are durable in LMDB. */
  retireReplayed(): void {
    const paths = this.#replayed.splice(0);
    for (const path of paths) unlinkSync(path);
    if (paths.length > 0) syncDir(this.#dir);
  }

  /**
   * Appends an entry; `durable` resolves once it is fsynced. The caller applies the same ops to
   * LMDB and calls {@link applied} with `segment` when they are durable there. When `durable`
   * rejects, the entry does not count as journaled: the caller must neither apply it nor call
   * {@link applied}.
   */
  append(ops: readonly JournalOp[]): { durable: Promise<void>; segment: Segment } {
    let segment: Segment | undefined;
    const durable = promised((done) => {
      segment = this.write(ops, done);
    });
    // A promise's executor runs at once: `segment` is set here (the fallback is for the types).
    return { durable, segment: segment ?? this.#current };
  }

  /**
   * {@link append} without a promise per entry (the broker's hot path): `done` is called once
   * the entry is fsynced (`undefined`) or failed (the error), in journal order, never
   * synchronously. Returns the entry's segment.
   */
  write(ops: readonly JournalOp[], done: JournalDone): Segment {
    if (this.#closed) {
      const segment = this.#current;
      queueMicrotask(() => done(new Error('journal is closed')));
      return segment;
    }
    const entry = encodeEntry(ops);
    const bytes = entry.length;
    if (this.#current.failed || this.#current.bytes + bytes > this.#segmentBytes) {
      this.#rotate();
    }
    const segment = this.#current;
    segment.bytes += bytes;
    segment.outstanding += 1;
    segment.unwritten += 1;
    this.#queue.push({ segment, entry, done });
    if (!this.#writing) {
      // Start the group commit once this turn's frames are parsed: a burst of SENDs from one
      // socket read makes one write + fdatasync, not one for its first frame and one for the rest.
      this.#writing = true;
      setImmediate(() => this.#flush(true));
    }
    return segment;
  }

  /** One entry of `segment` is durable in LMDB. */
  applied(segment: Segment): void {
    segment.outstanding -= 1;
    this.#retire();
  }

  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.#writing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Closes the journal. With `discard` (the caller believes LMDB holds everything durably),
   * segments are deleted in order up to the first one with an entry that is unwritten or not
   * yet applied to LMDB: that one and every later one are kept for replay (keeping an older
   * segment without the newer ones could resurrect acknowledged messages).
   */
  async close(discard: boolean): Promise<void> {
    this.#closed = true;
    await this.idle();
    let keep = !discard;
    let removed = false;
    for (const s of this.#segments.splice(0)) {
      if (s.fd !== undefined) closeSync(s.fd);
      s.fd = undefined;
      if (!keep && (s.outstanding > 0 || s.unwritten > 0)) {
        debug('journal: %s holds %d entries not in LMDB; kept', s.path, s.outstanding);
        keep = true;
      }
      if (!keep) {
        unlinkSync(s.path);
        removed = true;
      }
    }
    if (removed) syncDir(this.#dir);
  }

  #openSegment(number: number): Segment {
    const segment = new Segment(
      number,
      join(this.#dir, `journal-${String(number).padStart(12, '0')}.log`),
    );
    // Not 'a': writes are positioned, so that they can land in the zero-filled room. O_DSYNC:
    // a write returns once its data is durable (as write + fdatasync would), so a group commit
    // is one call on the threadpool and this thread does not wait on the disk (except for a
    // lone small entry after a fast write: see #flush). (A write here followed by fdatasync
    // there blocked this thread whenever the page it appended to was still being written back
    // by the previous sync.)
    segment.fd = openSync(
      segment.path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC,
    );
    // The new file's directory entry must be durable too, or a crash could lose the segment.
    syncDir(this.#dir);
    this.#segments.push(segment);
    return segment;
  }

  #rotate(): void {
    this.#current.sealed = true;
    this.#current = this.#openSegment(this.#current.number + 1);
    this.#retire();
  }

  /**
   * Writes and syncs everything queued, batch after batch (group commit). `idle`: called by
   * {@link write} with no write in flight, the only case where a lone entry may be written on
   * this thread. Called from a completion, the completed batch's callbacks have not run yet: an
   * entry written and settled here would complete before them, out of journal order (the store
   * would then make its message visible before the message can be read).
   */
  #flush(idle = false): void {
    const batch = this.#queue.splice(0);
    if (batch.length === 0) {
      this.#writing = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    this.#writing = true;
    // A batch may span a rotation: write each segment's part in order.
    const segment = batch[0]?.segment;
    const mine = batch.filter((q) => q.segment === segment);
    const rest = batch.filter((q) => q.segment !== segment);
    // Not unshift(...rest): a spread of a long array overflows the call stack.
    if (rest.length > 0) this.#queue = rest.concat(this.#queue);
    const done = (err: unknown): void => {
      for (const q of mine) q.segment.unwritten -= 1;
      if (err === null || err === undefined) {
        // The next group commit goes to the disk first: the disk then works while this one's
        // callbacks (receipts, dispatch) run, instead of waiting for them.
        this.#retire();
        this.#flush();
        for (const q of mine) settle(q.done, undefined);
        return;
      } else {
        debug('journal: write to %s failed: %O', segment?.path, err);
        if (segment !== undefined) {
          segment.failed = true;
          // Never written to again: release the file now (it is deleted once retired).
          closeQuietly(segment);
        }
        // Rejected entries are not journaled: their ops never reach LMDB (see append).
        for (const q of mine) q.segment.outstanding -= 1;
        const error =
          err instanceof Error ? err : new Error(`journal write failed: ${inspect(err)}`);
        for (const q of mine) settle(q.done, error);
      }
      this.#retire();
      this.#flush();
    };
    const fd = segment?.fd;
    if (segment === undefined || fd === undefined || segment.failed) {
      // Never write after a failed write: a torn entry ends the segment's replay.
      done(new Error('journal segment failed or closed; entry not written'));
      return;
    }
    const buffers = mine.map((q) => q.entry);
    const started = performance.now();
    const entryBytes = mine.reduce((n, q) => n + q.entry.length, 0);
    const at = segment.written;
    // Room for these entries (and more) is zero-filled first when the file has none left.
    const end = at + entryBytes;
    let zeroBytes = 0;
    if (end > segment.allocated && end < this.#segmentBytes) {
      zeroBytes = Math.min(this.#segmentBytes, end + PREALLOCATE_BYTES) - end;
      buffers.push(ZEROS.subarray(0, zeroBytes));
    }
    const expected = entryBytes + zeroBytes;
    // Claimed now: the next batch is written only after this one settles, and after a failure
    // the segment takes no more writes.
    segment.written = at + entryBytes;
    segment.allocated = Math.max(segment.allocated, at + expected);
    const written = (writeErr: NodeJS.ErrnoException | null, bytes: number): void => {
      this.#syncs += 1;
      const durationMs = performance.now() - started;
      this.#lastWriteMs = durationMs;
      try {
        this.onSynced?.(durationMs);
      } catch {
        // An observer must not break the journal.
      }
      if (writeErr === null && bytes < entryBytes) {
        // On a regular file a short write means the file system ran out of room (or quota).
        done(
          Object.assign(
            new Error(`short journal write: ${bytes} of ${expected} bytes (no space left)`),
            { code: 'ENOSPC' },
          ),
        );
      } else if (writeErr === null && bytes < expected) {
        // The entries are on disk (O_DSYNC); only the zeros ahead of them did not fit: the next
        // write tries to make room again.
        segment.allocated = at + bytes;
        done(null);
      } else {
        done(writeErr);
      }
    };
    // A lone small entry on a fast disk is written here, on this thread: the threadpool's two
    // thread hand-offs cost about as much as the write itself (one at a time, a RECEIPT came
    // 13% sooner: p50 0.222 -> 0.193 ms). Nothing else is waiting to be parsed or written then:
    // whatever arrives meanwhile is read in the next turn and forms the next group commit (a
    // group goes to the threadpool, so the disk works while it is parsed). A slow last write
    // (a busy or slow disk) sends every write to the threadpool until one is fast again, so
    // this thread never stalls for long on the disk.
    if (
      idle &&
      mine.length === 1 &&
      this.#queue.length === 0 &&
      zeroBytes === 0 &&
      entryBytes <= SYNC_WRITE_MAX_BYTES &&
      this.#lastWriteMs < this.#syncWriteMaxMs
    ) {
      let bytes = 0;
      let writeErr: NodeJS.ErrnoException | null = null;
      try {
        bytes = writevSync(fd, buffers, at);
      } catch (err) {
        writeErr = err as NodeJS.ErrnoException;
      }
      written(writeErr, bytes);
      return;
    }
    writev(fd, buffers, at, written);
  }

  /** Deletes sealed segments at the front whose entries are all durable in LMDB. */
  #retire(): void {
    let removed = false;
    while (this.#segments.length > 1) {
      const front = this.#segments[0];
      if (front === undefined || !front.sealed || front.outstanding > 0 || front.unwritten > 0) {
        break;
      }
      this.#segments.shift();
      if (front.fd !== undefined) closeSync(front.fd);
      front.fd = undefined;
      try {
        unlinkSync(front.path);
        removed = true;
      } catch (err) {
        debug('journal: cannot delete %s: %O', front.path, err);
      }
    }
    // Make the deletions durable in order: a retired segment must not come back after a crash
    // without the newer ones (replaying it alone could resurrect acknowledged messages).
    if (removed) syncDir(this.#dir);
  }
}

/** Adapts a callback-style operation (a {@link JournalDone} completion) to a promise. */
export function promised(start: (done: JournalDone) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    start((err) => (err === undefined ? resolve() : reject(err)));
  });
}

/** Runs one entry's callback; a throwing callback must not keep the others from theirs. */
function settle(done: JournalDone, err: Error | undefined): void {
  try {
    done(err);
  } catch (thrown) {
    debug('journal: a completion callback threw: %O', thrown);
  }
}

function closeQuietly(segment: Segment): void {
  if (segment.fd === undefined) return;
  try {
    closeSync(segment.fd);
  } catch (err) {
    debug('journal: cannot close %s: %O', segment.path, err);
  }
  segment.fd = undefined;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
