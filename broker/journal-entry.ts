/**
 * The journal's entry format: `[u32 length][u32 crc32][payload]`, payload `[u32 op count]` then
 * per op `[u8 kind][u16 destination bytes][destination][f64 seq]` and, for a put,
 * `[u32 value bytes][value]`. Encoding, and decoding of a segment that tells a torn tail (the
 * end of a crash, never receipted) from corruption in the middle (a valid entry follows it).
 */
import { crc32 } from 'node:zlib';

export type JournalOp =
  | {
      readonly kind: 'put';
      readonly destination: string;
      readonly seq: number;
      readonly value: Buffer;
      /**
       * In memory only (not journaled): the key's first put, a new message that nothing in
       * LMDB holds yet (the store then need not delete it there when its put was skipped).
       */
      readonly fresh?: boolean;
    }
  | { readonly kind: 'remove'; readonly destination: string; readonly seq: number };

const KIND_PUT = 1;
const KIND_REMOVE = 2;
const ENTRY_HEADER_BYTES = 8;

/**
 * Encodes one entry (its ops are replayed together or not at all) as one buffer: framing and
 * values copied together, one CRC over the payload. (Writing each value as a chunk of its own
 * saved a 1 KiB copy per message but cost two CRC calls and two iovecs per message: the calls
 * cost more than the copy.)
 */
export function encodeEntry(ops: readonly JournalOp[]): Buffer {
  // Runs for every turn of the broker: plain loops, no intermediate buffers.
  let size = 4;
  for (const op of ops) {
    size += 1 + 2 + Buffer.byteLength(op.destination, 'utf8') + 8;
    if (op.kind === 'put') size += 4 + op.value.length;
  }
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + size);
  out.writeUInt32BE(size, 0);
  let at = out.writeUInt32BE(ops.length, ENTRY_HEADER_BYTES);
  for (const op of ops) {
    at = out.writeUInt8(op.kind === 'put' ? KIND_PUT : KIND_REMOVE, at);
    const nameLength = out.write(op.destination, at + 2, 'utf8');
    out.writeUInt16BE(nameLength, at);
    at = out.writeDoubleBE(op.seq, at + 2 + nameLength);
    if (op.kind === 'put') {
      at = out.writeUInt32BE(op.value.length, at);
      at += op.value.copy(out, at);
    }
  }
  out.writeUInt32BE(crc32(out.subarray(ENTRY_HEADER_BYTES)), 4);
  return out;
}

/**
 * A run of bytes in the middle of a segment that is not a valid entry although a valid entry
 * follows it: corruption (a flipped bit, a bad sector), not a write cut by a crash (that is the
 * tail, where nothing valid follows).
 */
export interface CorruptSpan {
  /** Byte offset in the segment. */
  readonly offset: number;
  /** A copy of the bytes, up to the next valid entry. */
  readonly bytes: Buffer;
  readonly reason: string;
  /** The entry's operations when its framing still parses (not trusted: never applied). */
  readonly ops: JournalOp[] | undefined;
}

/**
 * Decodes a segment's entries. A bad entry followed by valid ones is corruption in the middle:
 * it is skipped, returned in `corrupt`, and decoding goes on with the next valid entry (found
 * at the bad entry's declared end, else by scanning). A bad entry followed by nothing valid is
 * the torn tail of a crash: decoding ends there (`validBytes`, the end of the last valid entry).
 */
export function decodeEntries(buf: Buffer): {
  entries: JournalOp[][];
  validBytes: number;
  corrupt: CorruptSpan[];
} {
  const entries: JournalOp[][] = [];
  const corrupt: CorruptSpan[] = [];
  let at = 0;
  let validBytes = 0;
  while (at + ENTRY_HEADER_BYTES <= buf.length) {
    const read = readEntry(buf, at);
    if (read.ops !== undefined) {
      entries.push(read.ops);
      at = read.end;
      validBytes = at;
      continue;
    }
    const next = nextEntry(buf, at, read.end);
    if (next === undefined) break;
    const size = buf.readUInt32BE(at);
    const end = at + ENTRY_HEADER_BYTES + size;
    corrupt.push({
      offset: at,
      bytes: Buffer.from(buf.subarray(at, next)),
      reason: read.reason,
      ops:
        size >= 4 && end <= next
          ? decodePayload(buf.subarray(at + ENTRY_HEADER_BYTES, end))
          : undefined,
    });
    at = next;
  }
  return { entries, validBytes, corrupt };
}

/** The entry at `at`: its ops and end, or why it is not valid (and its declared end, if any). */
function readEntry(
  buf: Buffer,
  at: number,
):
  | { ops: JournalOp[]; end: number; reason?: undefined }
  | { ops?: undefined; end: number | undefined; reason: string } {
  const size = buf.readUInt32BE(at);
  const end = at + ENTRY_HEADER_BYTES + size;
  if (size < 4) return { end: undefined, reason: `entry length ${size}` };
  if (end > buf.length) return { end: undefined, reason: `entry length ${size} runs past the end` };
  const payload = buf.subarray(at + ENTRY_HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32BE(at + 4)) return { end, reason: 'CRC mismatch' };
  const ops = decodePayload(payload);
  if (ops === undefined) return { end, reason: 'undecodable entry' };
  return { ops, end };
}

/**
 * Where the next valid entry after a bad one at `at` starts: its declared end when an entry is
 * there, else the first offset holding one; `undefined` when none follows (a torn tail). The
 * scan checks the cheap framing (op count, kind, a destination starting with `/`) before a CRC.
 */
function nextEntry(buf: Buffer, at: number, declaredEnd: number | undefined): number | undefined {
  if (declaredEnd !== undefined && plausible(buf, declaredEnd) && validAt(buf, declaredEnd)) {
    return declaredEnd;
  }
  for (let p = at + 1; p + ENTRY_HEADER_BYTES <= buf.length; p += 1) {
    if (plausible(buf, p) && validAt(buf, p)) return p;
  }
  return undefined;
}

function plausible(buf: Buffer, p: number): boolean {
  // [u32 size][u32 crc][u32 count][u8 kind][u16 name length]['/'...]
  if (p + ENTRY_HEADER_BYTES + 8 > buf.length) return false;
  const size = buf.readUInt32BE(p);
  if (size < 16 || p + ENTRY_HEADER_BYTES + size > buf.length) return false;
  const count = buf.readUInt32BE(p + ENTRY_HEADER_BYTES);
  const kind = buf[p + ENTRY_HEADER_BYTES + 4];
  const nameLength = buf.readUInt16BE(p + ENTRY_HEADER_BYTES + 5);
  return (
    count >= 1 &&
    count <= size &&
    (kind === KIND_PUT || kind === KIND_REMOVE) &&
    nameLength >= 1 &&
    nameLength <= size &&
    buf[p + ENTRY_HEADER_BYTES + 7] === 0x2f
  );
}

function validAt(buf: Buffer, p: number): boolean {
  return readEntry(buf, p).ops !== undefined;
}

function decodePayload(p: Buffer): JournalOp[] | undefined {
  try {
    const count = p.readUInt32BE(0);
    let at = 4;
    const ops: JournalOp[] = [];
    for (let i = 0; i < count; i += 1) {
      const kind = p.readUInt8(at);
      const nameLength = p.readUInt16BE(at + 1);
      const destination = p.toString('utf8', at + 3, at + 3 + nameLength);
      at += 3 + nameLength;
      const seq = p.readDoubleBE(at);
      at += 8;
      if (kind === KIND_PUT) {
        const length = p.readUInt32BE(at);
        at += 4;
        if (at + length > p.length) return undefined;
        // A view: replay holds one segment at a time and applies it before reading the next.
        ops.push({ kind: 'put', destination, seq, value: p.subarray(at, at + length) });
        at += length;
      } else if (kind === KIND_REMOVE) {
        ops.push({ kind: 'remove', destination, seq });
      } else {
        return undefined;
      }
    }
    return at === p.length ? ops : undefined;
  } catch {
    return undefined;
  }
}
