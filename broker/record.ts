/**
 * The stored form of a message: one buffer that LMDB holds as the value and the journal writes
 * as is. Three versions are read (records written by older brokers stay readable); version 3 is
 * written. The store (store.ts) decides where records go; this file only what they look like.
 */
import { BrokerStoreError, StompProtocolError } from './errors.js';
import type { HeaderList } from './frame.js';

/** A stored message. `headers` are the sender's headers (minus transport ones). */
export interface StoredRecord {
  readonly messageId: string;
  /** Times the message has been delivered (persisted when it is returned to its queue). */
  readonly deliveries: number;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** The version written now. */
const RECORD_VERSION = 3;

/**
 * A record is `[u8 version][u32 deliveries][u32 meta length][meta][body]`. Version 3 (written
 * now) has as meta the UTF-8 text of the message id and each header's name and value, joined
 * by NULs (none of them can hold one: a SEND header with a NUL is refused). Read still:
 * version 2, a binary meta `[u16 id bytes][id][u32 header count]` then per header
 * `[u32 name bytes][name][u32 value bytes][value]`, and version 1, the JSON text of
 * `[messageId, headers]`. Version 3 encodes a record with one string write and decodes it with
 * one string read (version 2 took two writes or reads per header).
 */
const RECORD_HEADER_BYTES = 9;

/** Encodes a record into one buffer (LMDB's value; the journal writes the same buffer). */
export function encodeRecord(record: StoredRecord): Buffer {
  const { messageId, headers, body } = record;
  let meta = messageId;
  for (const [name, value] of headers) meta += `\u0000${name}\u0000${value}`;
  // Exactly the separators: a NUL inside a field would shift every field after it.
  let nuls = 0;
  for (let at = meta.indexOf('\u0000'); at >= 0; at = meta.indexOf('\u0000', at + 1)) nuls += 1;
  if (nuls !== headers.length * 2) {
    throw new StompProtocolError(
      `message ${messageId.slice(0, 64)}: a header holding NUL cannot be stored`,
    );
  }
  const metaLength = Buffer.byteLength(meta, 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + metaLength + body.length);
  out[0] = RECORD_VERSION;
  out.writeUInt32BE(record.deliveries, 1);
  out.writeUInt32BE(metaLength, 5);
  out.write(meta, RECORD_HEADER_BYTES, 'utf8');
  body.copy(out, RECORD_HEADER_BYTES + metaLength);
  return out;
}

export function decodeRecord(
  value: Buffer,
  destination: string,
  seq: number,
  copyBody: boolean,
): StoredRecord {
  try {
    const version = value.readUInt8(0);
    const deliveries = value.readUInt32BE(1);
    const metaLength = value.readUInt32BE(5);
    const metaEnd = RECORD_HEADER_BYTES + metaLength;
    if (metaEnd > value.length) throw new Error('record metadata runs past its end');
    let meta: { messageId: string; headers: HeaderList };
    if (version === RECORD_VERSION) meta = decodeTextMeta(value, metaEnd);
    else if (version === 2) meta = decodeMeta(value, metaEnd);
    else if (version === 1)
      meta = decodeJsonMeta(value.toString('utf8', RECORD_HEADER_BYTES, metaEnd));
    else throw new Error(`record version ${version}`);
    const view = value.subarray(metaEnd);
    const body = copyBody ? Buffer.from(view) : view;
    return { messageId: meta.messageId, deliveries, headers: meta.headers, body };
  } catch (err) {
    throw new BrokerStoreError(`corrupt record ${destination}#${seq} in message store`, err);
  }
}

/** Version 3 metadata: id and header fields joined by NULs. */
function decodeTextMeta(value: Buffer, end: number): { messageId: string; headers: HeaderList } {
  const fields = value.toString('utf8', RECORD_HEADER_BYTES, end).split('\u0000');
  if (fields.length % 2 !== 1) throw new Error('record metadata has a header without a value');
  const headers: (readonly [string, string])[] = [];
  for (let i = 1; i < fields.length; i += 2) {
    headers.push([fields[i] as string, fields[i + 1] as string]);
  }
  return { messageId: fields[0] as string, headers };
}

/** Version 2 metadata: length-prefixed UTF-8 strings. */
function decodeMeta(value: Buffer, end: number): { messageId: string; headers: HeaderList } {
  let at = RECORD_HEADER_BYTES;
  const read = (width: 2 | 4): string => {
    const length = width === 2 ? value.readUInt16BE(at) : value.readUInt32BE(at);
    const from = at + width;
    if (from + length > end) throw new Error('record metadata string runs past its end');
    at = from + length;
    return value.toString('utf8', from, at);
  };
  const messageId = read(2);
  const count = value.readUInt32BE(at);
  at += 4;
  const headers: (readonly [string, string])[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = read(4);
    headers.push([name, read(4)]);
  }
  if (at !== end) throw new Error('record metadata has trailing bytes');
  return { messageId, headers };
}

/** Version 1 metadata: the JSON text of `[messageId, headers]`. */
function decodeJsonMeta(text: string): { messageId: string; headers: HeaderList } {
  const meta: unknown = JSON.parse(text);
  if (!Array.isArray(meta) || typeof meta[0] !== 'string' || !Array.isArray(meta[1])) {
    throw new Error('bad record metadata');
  }
  const headers = (meta[1] as unknown[]).map((h) => {
    if (!Array.isArray(h) || typeof h[0] !== 'string' || typeof h[1] !== 'string') {
      throw new Error('bad header in record');
    }
    return [h[0], h[1]] as const;
  });
  return { messageId: meta[0], headers };
}
