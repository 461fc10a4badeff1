/**
 * A corrupt stored record does not keep the broker from starting: bytes are corrupted on the
 * disk of a stopped broker (an LMDB value; a journal entry in the middle of a segment), the
 * broker starts again, serves the good messages and sets the bad one aside (a journal entry at
 * replay, an LMDB value when it is read for delivery) — kept in
 * `quarantine/`, listed by the handle, counted in a metric, shown by `aes status`. A torn entry
 * at a segment's tail (a crash during a write) stays the normal, silent end of replay.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { MessageStore } from '../../broker/store.js';
import { decodeEntries, encodeEntry, type JournalOp } from '../../broker/journal.js';
import { encodeRecord, type StoredRecord } from '../../broker/record.js';
import { QUARANTINE_DIR } from '../../broker/quarantine.js';
import type { BrokerHandle } from '../../broker/index.js';
import { collectBrokerMetrics } from '../../runtime/observability/broker-collector.js';
import { formatClusterStatus } from '../../runtime/node/status.js';
import { reportEmbeddedBroker } from '../../runtime/node/embedded-broker-reports.js';
import type { Logger } from '../../runtime/node/logger.js';
import { sample } from '../observability/support.js';
import { StompjsClient, tempDir, testBroker, waitFor } from './support.js';

const QUEUE = '/queue/orders';

function record(n: number): StoredRecord {
  return {
    messageId: `m-${n}`,
    deliveries: 0,
    headers: [['x-n', String(n)]],
    body: Buffer.from(`BODY-${n}-${'x'.repeat(40)}`),
  };
}

/** Overwrites bytes of a file in place (the broker is stopped). */
function patch(path: string, at: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

/** Bodies delivered from QUEUE once `count` have arrived. */
async function drain(broker: BrokerHandle, count: number): Promise<string[]> {
  const client = await StompjsClient.connect(broker.port);
  try {
    const sub = client.subscribe(QUEUE);
    await waitFor(`${count} messages`, () => sub.received.length >= count);
    return sub.received.map((m) => m.body.slice(0, 6));
  } finally {
    await client.close();
  }
}

/** Leaves three entries (messages 1, 2, 3) in the journal: LMDB never commits them. */
async function journalOnly(dir: string): Promise<string> {
  const store = await MessageStore.open(dir, {
    commitHook: () => Promise.reject(new Error('disk full (test)')),
  });
  for (const n of [1, 2, 3]) await store.append(QUEUE, n, record(n));
  await store.close();
  const segments = readdirSync(dir).filter((f) => f.startsWith('journal-'));
  assert.equal(segments.length, 1, 'the journal is kept when LMDB could not commit');
  return join(dir, segments[0] ?? '');
}

/** Offset of entry `index` (0-based) of {@link journalOnly}'s segment. */
function entryOffset(index: number): number {
  let at = 0;
  for (let n = 1; n <= index; n += 1) at += entryOf(n).length;
  return at;
}

function entryOf(n: number): Buffer {
  return encodeEntry([{ kind: 'put', destination: QUEUE, seq: n, value: encodeRecord(record(n)) }]);
}

describe('corrupt records', () => {
  test('an undecodable LMDB value is set aside when read; the other messages are served', async () => {
    const dir = tempDir();
    try {
      const store = await MessageStore.open(dir.path);
      for (const n of [1, 2, 3]) await store.append(QUEUE, n, record(n));
      await store.close(); // a clean stop: everything in LMDB, no journal
      const mdb = join(dir.path, 'data.mdb');
      const bytes = readFileSync(mdb);
      const value = encodeRecord(record(2));
      const at = bytes.indexOf(value);
      assert.ok(at >= 0, 'the record is in data.mdb as written');
      patch(mdb, at, Buffer.from([0xee])); // its version byte
      const broker = await testBroker({ dataDir: dir.path });
      try {
        const logged: { msg: string; fields: Readonly<Record<string, unknown>> | undefined }[] = [];
        reportEmbeddedBroker(broker, {
          error: (msg: string, fields?: Readonly<Record<string, unknown>>) =>
            logged.push({ msg, fields }),
        } as unknown as Logger);
        // Start-up reads the index, not the records: the bad one is found when it is read.
        assert.deepEqual(broker.quarantined(), []);
        assert.deepEqual(await drain(broker, 2), ['BODY-1', 'BODY-3']);
        assert.equal(logged.length, 1);
        assert.match(logged[0]?.msg ?? '', /set aside at delivery/);
        const quarantined = broker.quarantined();
        assert.equal(quarantined.length, 1);
        const q = quarantined[0];
        assert.equal(q?.source, 'lmdb');
        assert.equal(q?.file, 'data.mdb');
        assert.deepEqual(q?.messages, [{ destination: QUEUE, seq: 2 }]);
        assert.match(q?.reason ?? '', /record version 238/);
        assert.ok(q !== undefined && existsSync(q.savedAs));
        assert.ok(q.savedAs.startsWith(join(dir.path, QUARANTINE_DIR)));
        const kept = readFileSync(q.savedAs);
        assert.equal(kept[0], 0xee);
        assert.deepEqual(kept.subarray(1), value.subarray(1), 'the bytes are kept as found');
        assert.equal(logged[0]?.fields?.['keptIn'], q.savedAs);
        assert.equal(broker.stats().quarantinedRecords, 1);
        await reported(broker, /\/queue\/orders#2 in data\.mdb: record version 238/);
      } finally {
        await broker.close();
      }
      // Set aside once: its deletion was journaled, so the next start is clean.
      const again = await testBroker({ dataDir: dir.path });
      try {
        assert.deepEqual(again.quarantined(), []);
      } finally {
        await again.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('a corrupt journal entry before valid ones is set aside; replay goes on', async () => {
    const dir = tempDir();
    try {
      const segment = await journalOnly(dir.path);
      const name = segment.slice(segment.lastIndexOf('/') + 1);
      const second = entryOffset(1);
      // A flipped bit in message 2's body: its CRC no longer matches.
      const flipAt = second + entryOf(2).length - 5;
      patch(segment, flipAt, Buffer.from([(readFileSync(segment)[flipAt] ?? 0) ^ 0x01]));
      const broker = await testBroker({ dataDir: dir.path });
      try {
        const [q, ...more] = broker.quarantined();
        assert.equal(more.length, 0);
        assert.equal(q?.source, 'journal');
        assert.equal(q?.file, name);
        assert.equal(q?.offset, second);
        assert.equal(q?.reason, 'CRC mismatch');
        assert.deepEqual(q?.messages, [{ destination: QUEUE, seq: 2 }]);
        assert.equal(readFileSync(q?.savedAs ?? '').length, entryOf(2).length);
        assert.deepEqual(await drain(broker, 2), ['BODY-1', 'BODY-3']);
        await reported(broker, new RegExp(`/queue/orders#2 in ${name} at byte ${second}: CRC`));
        assert.equal(existsSync(segment), false, 'the replayed segment is retired');
      } finally {
        await broker.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('a torn entry at the tail ends replay silently, as after a crash', async () => {
    const dir = tempDir();
    try {
      const segment = await journalOnly(dir.path);
      // The last write cut short: its end never reached the disk (the room ahead is zeros).
      const third = entryOffset(2);
      patch(segment, third + 20, Buffer.alloc(entryOf(3).length - 20));
      const broker = await testBroker({ dataDir: dir.path });
      try {
        assert.deepEqual(broker.quarantined(), []);
        assert.deepEqual(await drain(broker, 2), ['BODY-1', 'BODY-2']);
      } finally {
        await broker.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('decoding resynchronises after a corrupt length field in the middle', () => {
    const put = (seq: number): JournalOp[] => [
      { kind: 'put', destination: QUEUE, seq, value: Buffer.from(`v${seq}`) },
    ];
    const [a, b, c] = [encodeEntry(put(1)), encodeEntry(put(2)), encodeEntry(put(3))];
    const buf = Buffer.concat([a, b, c, Buffer.alloc(4096)]);
    buf.writeUInt32BE(0x7fffffff, a.length); // b's length: runs past the end
    const decoded = decodeEntries(buf);
    assert.deepEqual(
      decoded.entries.map((e) => e[0]?.seq),
      [1, 3],
    );
    assert.equal(decoded.corrupt.length, 1);
    assert.equal(decoded.corrupt[0]?.offset, a.length);
    assert.equal(decoded.corrupt[0]?.bytes.length, b.length);
    assert.equal(decoded.validBytes, a.length + b.length + c.length);
    // Only zeros after a bad entry: a torn tail, not corruption.
    const tail = Buffer.concat([a, b.subarray(0, 10), Buffer.alloc(4096)]);
    assert.deepEqual(decodeEntries(tail).corrupt, []);
    assert.equal(decodeEntries(tail).validBytes, a.length);
  });
});

/** The metric, the node's log and `aes status` report the set-aside record. */
async function reported(broker: BrokerHandle, line: RegExp): Promise<void> {
  const registry = new Registry();
  const stop = collectBrokerMetrics(registry, broker);
  const text = await registry.metrics();
  stop();
  assert.equal(sample(text, 'aes_broker_quarantined_records_total'), 1);
  const errors: { msg: string; fields: Readonly<Record<string, unknown>> | undefined }[] = [];
  const log = {
    error: (msg: string, fields?: Readonly<Record<string, unknown>>) =>
      errors.push({ msg, fields }),
  } as unknown as Logger;
  reportEmbeddedBroker(broker, log);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.msg ?? '', /set aside/);
  assert.equal(errors[0]?.fields?.['keptIn'], broker.quarantined()[0]?.savedAs);
  const table = formatClusterStatus({
    nodes: [
      {
        node: 'n1',
        pid: 1,
        startedAt: new Date().toISOString(),
        endpoints: [],
        quarantined: broker.quarantined(),
      },
    ],
  });
  assert.match(table, /n1 +- +quarantined/);
  assert.match(table, line);
}
