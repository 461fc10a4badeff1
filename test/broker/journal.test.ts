/**
 * The journal alone and its replay into LMDB: entries survive when LMDB never saw them (a crash
 * between the journal's fsync and LMDB's commit), in order, and a torn or corrupt tail is ignored.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  BrokerJournal,
  PREALLOCATE_BYTES,
  decodeEntries,
  encodeEntry,
  type JournalOp,
} from '../../broker/journal.js';
import { MessageStore } from '../../broker/store.js';
import { encodeRecord } from '../../broker/record.js';
import { storedMessages, tempDir } from './support.js';

const record = (id: string, body: string): Buffer =>
  encodeRecord({ messageId: id, deliveries: 0, headers: [['k', id]], body: Buffer.from(body) });

const put = (destination: string, seq: number, body: string): JournalOp => ({
  kind: 'put',
  destination,
  seq,
  value: record(`m${seq}`, body),
});

/** Writes entries to a journal in `dir` without LMDB, as if the broker died right after. */
async function journalOnly(dir: string, entries: JournalOp[][]): Promise<void> {
  const { journal } = BrokerJournal.open(dir);
  await Promise.all(entries.map((ops) => journal.append(ops).durable));
  await journal.close(false);
}

describe('journal', () => {
  test('entries round-trip; decoding stops at a torn or corrupt entry', () => {
    const a = encodeEntry([put('/queue/a', 1, 'one')]);
    const b = encodeEntry([
      put('/queue/a', 2, 'two'),
      { kind: 'remove', destination: '/queue/a', seq: 1 },
    ]);
    const whole = decodeEntries(Buffer.concat([a, b]));
    assert.equal(whole.entries.length, 2);
    assert.equal(whole.entries[1]?.[1]?.kind, 'remove');
    const torn = decodeEntries(Buffer.concat([a, b.subarray(0, b.length - 3)]));
    assert.equal(torn.entries.length, 1);
    assert.equal(torn.validBytes, a.length);
    const corrupt = Buffer.concat([a, b]);
    corrupt[a.length + 12] = (corrupt[a.length + 12] ?? 0) ^ 0xff;
    assert.equal(decodeEntries(corrupt).entries.length, 1);
    // A COMMIT may hold more than 65,535 operations.
    const many: JournalOp[] = Array.from({ length: 70_000 }, (_, i) => ({
      kind: 'remove',
      destination: '/queue/big',
      seq: i,
    }));
    assert.equal(decodeEntries(encodeEntry(many)).entries[0]?.length, 70_000);
    // Any order of ops, non-ASCII destinations, empty values.
    const mixed: JournalOp[] = [
      { kind: 'remove', destination: '/queue/ü', seq: 7 },
      put('/queue/a', 8, 'eight'),
      put('/topic/b', 9, ''),
      { kind: 'remove', destination: '/queue/a', seq: 8 },
    ];
    assert.deepEqual(decodeEntries(encodeEntry(mixed)).entries, [mixed]);
  });

  test('a store replays journaled operations LMDB never committed, in order', async () => {
    const dir = tempDir('aes-journal-');
    try {
      await journalOnly(dir.path, [
        [put('/queue/a', 1, 'one')],
        [put('/queue/a', 2, 'two')],
        [put('/queue/b', 3, 'three')],
        // An acked message: put then remove, replayed in order, is gone.
        [{ kind: 'remove', destination: '/queue/a', seq: 1 }],
        // A dead-letter move: one entry, atomic.
        [{ kind: 'remove', destination: '/queue/b', seq: 3 }, put('/queue/b.dlq', 4, 'three')],
      ]);
      const store = await MessageStore.open(dir.path);
      const loaded = storedMessages(store).map(
        (m) => `${m.destination}#${m.seq}:${m.record.body.toString()}`,
      );
      assert.deepEqual(loaded, ['/queue/a#2:two', '/queue/b.dlq#4:three']);
      assert.equal(store.maxSeq(), 4);
      await store.close();
      assert.deepEqual(
        readdirSync(dir.path).filter((f) => f.startsWith('journal-')),
        [],
        'a clean close leaves no journal behind',
      );
      const again = await MessageStore.open(dir.path);
      assert.equal(storedMessages(again).length, 2, 'replayed operations are in LMDB for good');
      await again.close();
    } finally {
      dir.remove();
    }
  });

  test('garbage after the last whole entry is ignored, later segments still replay', async () => {
    const dir = tempDir('aes-journal-');
    try {
      await journalOnly(dir.path, [[put('/queue/a', 1, 'one')]]);
      const [first] = readdirSync(dir.path).filter((f) => f.startsWith('journal-'));
      assert.ok(first);
      appendFileSync(join(dir.path, first), Buffer.from([0, 0, 0, 40, 1, 2, 3]));
      writeFileSync(
        join(dir.path, 'journal-999999999999.log'),
        encodeEntry([put('/queue/a', 2, 'two')]),
      );
      const store = await MessageStore.open(dir.path);
      assert.deepEqual(
        storedMessages(store).map((m) => m.seq),
        [1, 2],
      );
      await store.close();
    } finally {
      dir.remove();
    }
  });

  test('writes are served from memory until LMDB commits them, and removes hide them', async () => {
    const dir = tempDir('aes-journal-');
    try {
      const store = await MessageStore.open(dir.path);
      await store.append('/queue/a', 1, {
        messageId: 'x',
        deliveries: 0,
        headers: [],
        body: Buffer.from('b'),
      });
      assert.equal(store.read('/queue/a', 1)?.body.toString(), 'b');
      await store.remove('/queue/a', 1);
      assert.equal(store.read('/queue/a', 1), undefined);
      await store.close();
    } finally {
      dir.remove();
    }
  });

  // Lone entries are written on the calling thread after a fast write (syncWriteMaxMs), on the
  // threadpool otherwise: a failure must be handled alike on both paths.
  for (const [path, syncWriteMaxMs] of [
    ['on the calling thread', Number.POSITIVE_INFINITY],
    ['on the threadpool', 0],
  ] as const) {
    test(`a failed write ${path} rejects its entries, and the journal carries on in a new segment`, async () => {
      const dir = tempDir('aes-journal-');
      try {
        const { journal } = BrokerJournal.open(dir.path, undefined, { syncWriteMaxMs });
        await journal.append([put('/queue/a', 1, 'one')]).durable;
        const broken = journal.append([put('/queue/a', 2, 'two')]);
        // Pull the file out from under the write, as an I/O error would.
        closeSync(broken.segment.fd ?? -1);
        await assert.rejects(broken.durable, /EBADF|bad file/i);
        broken.segment.fd = undefined;
        const next = journal.append([put('/queue/a', 3, 'three')]);
        assert.notEqual(next.segment, broken.segment);
        await next.durable;
        await journal.close(false);
        const { replay, journal: reopened } = BrokerJournal.open(dir.path);
        // Entry 2 was never confirmed: depending on whether the write or only the sync failed, it
        // may or may not be there. The confirmed ones must be, in order.
        const seqs = replay.map((ops) => ops[0]?.seq);
        assert.deepEqual(
          seqs.filter((seq) => seq !== 2),
          [1, 3],
          'the confirmed entries replay, in order',
        );
        await reopened.close(true);
      } finally {
        dir.remove();
      }
    });
  }

  test("an entry queued behind a write completes after that write's entries, never before", async () => {
    // A lone entry may be written on the calling thread (syncWriteMaxMs: Infinity makes that
    // always allowed), but not from inside the completion of the write before it: its callback
    // then ran before those of the earlier entries, and the store made its message visible to
    // consumers before the message was readable ("vanished from the store before delivery").
    const dir = tempDir('aes-journal-');
    try {
      const { journal } = BrokerJournal.open(dir.path, undefined, {
        syncWriteMaxMs: Number.POSITIVE_INFINITY,
      });
      await journal.append([put('/queue/a', 1, 'warm-up')]).durable;
      const order: number[] = [];
      const entry = (seq: number): Promise<void> =>
        journal.append([put('/queue/a', seq, `entry ${seq}`)]).durable.then(() => {
          order.push(seq);
        });
      // Two entries of one turn: one write on the threadpool.
      const first = [entry(2), entry(3)];
      // Queued once that write is under way (this immediate runs after the journal's own).
      const late = await new Promise<{ done: Promise<void> }>((resolve) =>
        setImmediate(() => resolve({ done: entry(4) })),
      );
      await Promise.all([...first, late.done]);
      assert.deepEqual(order, [2, 3, 4]);
      await journal.close(true);
    } finally {
      dir.remove();
    }
  });

  test('entries land in zero-filled room the file already has, and replay stops at the zeros', async () => {
    const dir = tempDir('aes-journal-');
    try {
      const { journal } = BrokerJournal.open(dir.path);
      const first = journal.append([put('/queue/a', 1, 'one')]);
      await first.durable;
      const file = join(
        dir.path,
        readdirSync(dir.path).find((f) => f.startsWith('journal-')) ?? '',
      );
      const size = statSync(file).size;
      assert.ok(size >= PREALLOCATE_BYTES, `the segment was zero-filled ahead (${size} bytes)`);
      await Promise.all(
        [2, 3, 4].map((seq) => journal.append([put('/queue/a', seq, 'more')]).durable),
      );
      assert.equal(statSync(file).size, size, 'later entries overwrite the zeros, not append');
      assert.equal(
        first.segment.written,
        encodeEntry([put('/queue/a', 1, 'one')]).length * 1 +
          3 * encodeEntry([put('/queue/a', 2, 'more')]).length,
      );
      await journal.close(false);
      const { replay, journal: reopened } = BrokerJournal.open(dir.path);
      assert.deepEqual(
        replay.map((ops) => ops[0]?.seq),
        [1, 2, 3, 4],
      );
      await reopened.close(true);
    } finally {
      dir.remove();
    }
  });

  test('segments rotate at the size limit and are deleted once LMDB holds them', async () => {
    const dir = tempDir('aes-journal-');
    try {
      const { journal } = BrokerJournal.open(dir.path, 200);
      const appended = [1, 2, 3, 4].map((seq) =>
        journal.append([put('/queue/a', seq, 'x'.repeat(150))]),
      );
      await Promise.all(appended.map((a) => a.durable));
      const segments = (): string[] =>
        readdirSync(dir.path).filter((f) => f.startsWith('journal-'));
      assert.equal(segments().length, 4);
      for (const a of appended.slice(0, 2)) journal.applied(a.segment);
      assert.equal(segments().length, 2, 'the two sealed, applied segments are gone');
      for (const a of appended.slice(2)) journal.applied(a.segment);
      assert.equal(segments().length, 1, 'the current segment stays');
      await journal.close(true);
      assert.equal(segments().length, 0);
    } finally {
      dir.remove();
    }
  });

  test("one turn's writes are one journal entry, in call order", async () => {
    const dir = tempDir('aes-journal-');
    try {
      const store = await MessageStore.open(dir.path);
      const stored = (seq: number) => ({
        messageId: `m${seq}`,
        deliveries: 0,
        headers: [],
        body: Buffer.from(`body ${seq}`),
      });
      for (const seq of [1, 2, 3]) await store.append('/queue/a', seq, stored(seq));
      // Three ACKs read from one chunk, then a SEND in the same turn.
      const acked = [1, 2, 3].map((seq) => store.remove('/queue/a', seq));
      const sent = store.append('/queue/a', 4, stored(4));
      const removedLater = store.remove('/queue/a', 4);
      await Promise.all([...acked, sent, removedLater]);
      const [segment] = readdirSync(dir.path).filter((f) => f.startsWith('journal-'));
      assert.ok(segment);
      const { entries } = decodeEntries(readFileSync(join(dir.path, segment)));
      const shape = entries.map((ops) => ops.map((op) => `${op.kind} ${op.seq}`).join(', '));
      assert.deepEqual(shape, [
        'put 1',
        'put 2',
        'put 3',
        'remove 1, remove 2, remove 3, put 4, remove 4',
      ]);
      await store.close();
      const again = await MessageStore.open(dir.path);
      assert.deepEqual(storedMessages(again), [], 'every delete reached LMDB');
      await again.close();
    } finally {
      dir.remove();
    }
  });
});
