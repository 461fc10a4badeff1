/**
 * Setting corrupt records aside at start-up. A record that cannot be decoded — an LMDB value
 * whose bytes are not a record, or a journal entry in the middle of a segment whose CRC or
 * framing is wrong — must not keep the broker from serving everything else, and must not be
 * thrown away either: its raw bytes are copied (and fsynced) into `quarantine/` in the data
 * directory before the store forgets it, and it is reported (the broker handle's
 * `quarantined()`, the node's log, `aes_broker_quarantined_records_total`, `aes status`).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { debuglog } from 'node:util';
import type { SegmentCorruption } from './journal.js';
import { makeDirSync } from '../util/index.js';

const debug = debuglog('aes-broker');

/** The folder of the data directory that holds the set-aside records. */
export const QUARANTINE_DIR = 'quarantine';

/** A record set aside at start-up. */
export interface QuarantinedRecord {
  /** `lmdb`: a stored message value; `journal`: an entry of a journal segment being replayed. */
  readonly source: 'lmdb' | 'journal';
  /** The file it was read from: `data.mdb`, or the segment's name (`journal-<n>.log`). */
  readonly file: string;
  /** Byte offset of a journal entry in its segment; `undefined` for LMDB. */
  readonly offset: number | undefined;
  /**
   * The messages concerned (destination and sequence), as far as they can be read: an LMDB
   * record's key; a journal entry's operations when its framing still parses (its content is
   * not trusted, so it is not applied), else none.
   */
  readonly messages: readonly { readonly destination: string; readonly seq: number }[];
  /** What is wrong with it. */
  readonly reason: string;
  /** The copy of its raw bytes. */
  readonly savedAs: string;
  /** When it was set aside (ISO 8601). */
  readonly at: string;
}

/**
 * Writes `bytes` to `quarantine/<name>-<time>.bin` in `dataDir`, durably (file and folder
 * fsynced); returns its path. Called before the store drops the record.
 */
export function saveQuarantined(dataDir: string, name: string, bytes: Buffer): string {
  const dir = join(dataDir, QUARANTINE_DIR);
  makeDirSync(dir);
  // A restart can meet the same bad bytes again (a crash before the store forgot them), and a
  // sequence number can be used again later: the time keeps every copy.
  const path = join(dir, `${safeName(name)}-${Date.now()}.bin`);
  const fd = openSync(path, 'wx');
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return path;
}

/** Keeps an undecodable LMDB value's bytes (the caller then deletes it) and describes it. */
export function quarantineValue(
  dataDir: string,
  destination: string,
  seq: number,
  value: Buffer,
  err: unknown,
): QuarantinedRecord {
  // decodeRecord's error wraps the decoder's: the inner one says what is wrong.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return described({
    source: 'lmdb',
    file: 'data.mdb',
    offset: undefined,
    messages: [{ destination, seq }],
    reason: cause instanceof Error ? cause.message : String(cause),
    savedAs: saveQuarantined(dataDir, `lmdb-${destination}-${seq}`, value),
    at: new Date().toISOString(),
  });
}

/** Keeps a corrupt journal span's bytes (before its segment is deleted) and describes it. */
export function quarantineSpan(
  dataDir: string,
  { file, span }: SegmentCorruption,
): QuarantinedRecord {
  return described({
    source: 'journal',
    file,
    offset: span.offset,
    messages: (span.ops ?? []).map((op) => ({ destination: op.destination, seq: op.seq })),
    reason: span.reason,
    savedAs: saveQuarantined(dataDir, `${file}@${span.offset}`, span.bytes),
    at: new Date().toISOString(),
  });
}

function described(q: QuarantinedRecord): QuarantinedRecord {
  debug('store: set aside %s', describeQuarantined(q));
  return q;
}

/** One line for a log: what was set aside, from where, and where it is kept. */
export function describeQuarantined(q: QuarantinedRecord): string {
  const what =
    q.messages.length === 0
      ? 'an unreadable entry'
      : q.messages
          .slice(0, 5)
          .map((m) => `${m.destination}#${m.seq}`)
          .join(', ') + (q.messages.length > 5 ? `, … (${q.messages.length})` : '');
  const where = q.offset === undefined ? q.file : `${q.file} at byte ${q.offset}`;
  return `${what} in ${where}: ${q.reason}; kept in ${q.savedAs}`;
}

/** A file-name-safe form of a destination and sequence (`/queue/a` → `_queue_a`). */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 160);
}
