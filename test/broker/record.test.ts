/**
 * Stored records: version 3 (written now) round-trips, and the versions written by earlier
 * releases (2: binary metadata, 1: JSON metadata) still read, so that a store left by an older
 * broker keeps its messages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StompProtocolError, BrokerStoreError } from '../../broker/errors.js';
import { decodeRecord, encodeRecord, type StoredRecord } from '../../broker/record.js';

/** `[u8 version][u32 deliveries][u32 meta length][meta][body]`, as every version frames it. */
function frame(version: number, deliveries: number, meta: Buffer, body: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head[0] = version;
  head.writeUInt32BE(deliveries, 1);
  head.writeUInt32BE(meta.length, 5);
  return Buffer.concat([head, meta, body]);
}

/** Version 2 metadata: `[u16 id bytes][id][u32 count]` then `[u32 bytes][name][u32 bytes][value]`. */
function v2Meta(messageId: string, headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  const id = Buffer.from(messageId, 'utf8');
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(id.length);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(headers.length);
  parts.push(idLength, id, count);
  for (const field of headers.flat()) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

const plain = (r: StoredRecord): unknown => ({
  messageId: r.messageId,
  deliveries: r.deliveries,
  headers: r.headers.map(([n, v]) => [n, v]),
  body: r.body.toString('hex'),
});

describe('stored records', () => {
  test('version 3 round-trips ids, headers and bodies of every shape', () => {
    const records: StoredRecord[] = [
      {
        messageId: 'run-1',
        deliveries: 0,
        headers: [
          ['persistent', 'true'],
          ['x-ümlaut', 'wert: ÿ € 𝄞'],
          ['empty', ''],
        ],
        body: Buffer.from([0, 1, 0, 255, 10, 13, 0]),
      },
      { messageId: 'run-2', deliveries: 7, headers: [], body: Buffer.alloc(0) },
      { messageId: '', deliveries: 1, headers: [['', '']], body: Buffer.from('x') },
    ];
    for (const record of records) {
      const value = encodeRecord(record);
      assert.equal(value[0], 3, 'written as version 3');
      assert.deepEqual(plain(decodeRecord(value, '/queue/a', 1, true)), plain(record));
    }
  });

  test('records of versions 2 and 1, written by earlier brokers, still read', () => {
    const headers = [
      ['persistent', 'true'],
      ['x-ü', 'ÿ'],
    ] as const;
    const body = Buffer.from([9, 0, 8]);
    const v2 = frame(2, 3, v2Meta('old-2', headers), body);
    const v1 = frame(1, 4, Buffer.from(JSON.stringify(['old-1', headers]), 'utf8'), body);
    const want = (messageId: string, deliveries: number): unknown =>
      plain({ messageId, deliveries, headers, body });
    assert.deepEqual(plain(decodeRecord(v2, '/queue/a', 2, false)), want('old-2', 3));
    assert.deepEqual(plain(decodeRecord(v1, '/queue/a', 1, false)), want('old-1', 4));
  });

  test('a header holding NUL is refused, not stored where it would shift the others', () => {
    for (const headers of [[['a\u0000b', 'v']], [['a', 'v\u0000w']]] as const) {
      assert.throws(
        () => encodeRecord({ messageId: 'm', deliveries: 0, headers, body: Buffer.alloc(0) }),
        StompProtocolError,
      );
    }
  });

  test('a corrupt record is a StoreError naming it', () => {
    const headerWithoutValue = frame(3, 0, Buffer.from('id\u0000name', 'utf8'), Buffer.alloc(0));
    const unknownVersion = frame(9, 0, Buffer.alloc(0), Buffer.alloc(0));
    const truncated = encodeRecord({
      messageId: 'm',
      deliveries: 0,
      headers: [['a', 'b']],
      body: Buffer.alloc(0),
    }).subarray(0, 11);
    for (const value of [headerWithoutValue, unknownVersion, truncated]) {
      assert.throws(
        () => decodeRecord(value, '/queue/q', 42, false),
        (err: unknown) => err instanceof BrokerStoreError && err.message.includes('/queue/q#42'),
      );
    }
  });
});
