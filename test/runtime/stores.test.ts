/** The journal and the de-duplication store: bounds, reopening, and kill -9 durability. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveredStore } from '../../runtime/store/delivered-store.js';
import { OutboundJournal } from '../../runtime/store/outbound-journal.js';
import { SlotFile } from '../../runtime/store/slot-file.js';
import { DeliveryRecords } from '../../runtime/store/delivery-records.js';
import { PutMarks } from '../../runtime/store/put-marks.js';
import { StoreError } from '../../runtime/errors.js';
import { FakeClock } from './support/fake-clock.js';
import { tempDir } from './support/helpers.js';
import { runFixture } from './support/child.js';

test('the journal keeps its entry across reopening until cleared', async () => {
  await using dir = await tempDir();
  const journal = await OutboundJournal.open(dir.path);
  assert.equal(journal.read(), undefined);
  await journal.write({ fifoIds: ['7', '8'], destination: '/queue/x', confirmedAt: 5 });
  await journal.close();
  const again = await OutboundJournal.open(dir.path);
  assert.deepEqual(again.read(), { fifoIds: ['7', '8'], destination: '/queue/x', confirmedAt: 5 });
  await again.clear();
  assert.equal(again.read(), undefined);
  await again.close();
  await again.close(); // idempotent
  const third = await OutboundJournal.open(dir.path);
  assert.equal(third.read(), undefined, 'the clear was durable too');
  await third.close();
});

test('write-behind: a write resolves once written, syncs follow in the background, and a failed sync fails the next write', async () => {
  await using dir = await tempDir();
  const isText = (v: unknown): v is string => typeof v === 'string';
  const file = await SlotFile.open(dir.path, ['s.a', 's.b'], 'the test slots', isText);
  const synced: string[] = [];
  // Watch (then hold, then break) the files' fdatasync: the handles are the slot file's own.
  const handles = (file as unknown as { handles: { datasync(): Promise<void> }[] }).handles;
  let failNext = false;
  let held: Promise<void> | undefined;
  for (const [i, handle] of handles.entries()) {
    const real = handle.datasync.bind(handle);
    handle.datasync = async () => {
      synced.push(`slot ${i}`);
      if (held !== undefined) await held;
      if (failNext) throw new Error('EIO: input/output error');
      return real();
    };
  }
  await file.write('one', 'behind');
  assert.equal(file.read(), 'one');
  await file.write('two', 'behind');
  await file.whenSynced();
  assert.deepEqual(synced.sort(), ['slot 0', 'slot 1'], 'each slot written behind was synced');
  // A write does not wait for the sync under way: with the disk stalled, writes still resolve.
  let release = (): void => undefined;
  held = new Promise((resolve) => (release = resolve));
  await file.write('three', 'behind');
  await file.write('four', 'behind');
  await file.write('five', 'behind');
  assert.equal(file.read(), 'five');
  assert.equal(synced.length, 3, 'one sync at a time: the later writes wait for the next one');
  held = undefined;
  release();
  await file.whenSynced();
  assert.equal(synced.length, 5, 'the next sync covered both slots written meanwhile');
  failNext = true;
  await file.write('six', 'behind');
  await file.whenSynced();
  await assert.rejects(file.write('seven', 'behind'), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /background sync failed: EIO/);
    return true;
  });
  assert.equal(file.read(), 'six', 'the refused write changed nothing');
  failNext = false;
  await file.write('eight', true); // the failure was reported once; writing goes on
  await file.close();
  const again = await SlotFile.open(dir.path, ['s.a', 's.b'], 'the test slots', isText);
  assert.equal(again.read(), 'eight');
  await again.close();
});

test('a write whose sync fails leaves the older synced value in place: the next write takes its slot', async () => {
  await using dir = await tempDir();
  const isText = (v: unknown): v is string => typeof v === 'string';
  const file = await SlotFile.open(dir.path, ['s.a', 's.b'], 'the test slots', isText);
  const handles = (file as unknown as { handles: { datasync(): Promise<void> }[] }).handles;
  let failNext = false;
  for (const handle of handles) {
    const real = handle.datasync.bind(handle);
    handle.datasync = () => {
      if (!failNext) return real();
      failNext = false;
      return Promise.reject(new Error('EIO: input/output error'));
    };
  }
  await file.write('synced', true); // slot a
  failNext = true;
  await assert.rejects(file.write('unsynced', true), /write failed: EIO/); // slot b
  await file.write('next', true); // slot b again, not a
  await file.close();
  assert.match(await readFile(join(dir.path, 's.a'), 'utf8'), /"synced"/);
  assert.match(await readFile(join(dir.path, 's.b'), 'utf8'), /"next"/);
});

test('a torn journal write falls back to the previous record', async () => {
  await using dir = await tempDir();
  const journal = await OutboundJournal.open(dir.path);
  await journal.write({ fifoIds: ['1'], destination: '/queue/x', confirmedAt: 1 });
  await journal.clear();
  await journal.write({ fifoIds: ['2'], destination: '/queue/x', confirmedAt: 2 });
  await journal.close();
  // The newest record is in slot a (writes alternate a, b, a); tear its last bytes.
  const slotA = join(dir.path, 'journal.a');
  const bytes = await readFile(slotA);
  await writeFile(slotA, bytes.subarray(0, bytes.length - 3));
  const reopened = await OutboundJournal.open(dir.path);
  assert.equal(reopened.read(), undefined, 'slot b: the clear before the torn write');
  await reopened.write({ fifoIds: ['3'], destination: '/queue/x', confirmedAt: 3 });
  await reopened.close();
  const last = await OutboundJournal.open(dir.path);
  assert.deepEqual(last.read()?.fifoIds, ['3']);
  await last.close();
  // Flip one payload byte of the newest record: its checksum fails, the older one is used.
  const newest = join(dir.path, 'journal.a');
  const flipped = await readFile(newest);
  const at = flipped.length - 5;
  flipped.writeUInt8(flipped.readUInt8(at) ^ 0x01, at);
  await writeFile(newest, flipped);
  const afterFlip = await OutboundJournal.open(dir.path);
  assert.equal(afterFlip.read(), undefined);
  await afterFlip.close();
});

test('the de-duplication store is bounded by count, oldest first', async () => {
  await using dir = await tempDir();
  const clock = new FakeClock();
  const store = DeliveredStore.open(dir.path, { maxEntries: 5, clock });
  for (let i = 0; i < 8; i += 1) {
    await store.add(`m:${i}`);
    clock.advance(1);
  }
  assert.equal(store.size, 5);
  assert.deepEqual(
    Array.from({ length: 8 }, (_, i) => store.has(`m:${i}`)),
    [false, false, false, true, true, true, true, true],
  );
  // Recording an id again refreshes it rather than adding a second entry.
  await store.add('m:3');
  await store.add('m:8');
  assert.equal(store.has('m:3'), true);
  assert.equal(store.has('m:4'), false);
  assert.equal(store.size, 5);
  await store.close();
});

test('the de-duplication store forgets ids older than its age bound', async () => {
  await using dir = await tempDir();
  const clock = new FakeClock();
  const store = DeliveredStore.open(dir.path, { maxAgeMs: 1_000, clock });
  await store.add('old');
  clock.advance(600);
  await store.add('young');
  clock.advance(600);
  assert.equal(store.has('old'), false, 'aged out on read');
  assert.equal(store.has('young'), true);
  assert.equal(store.size, 2, 'not yet pruned');
  await store.prune();
  assert.equal(store.size, 1);
  await store.close();
  const reopened = DeliveredStore.open(dir.path, { maxAgeMs: 1_000, clock });
  assert.equal(reopened.size, 1);
  assert.equal(reopened.has('young'), true);
  await reopened.close();
});

test('every id whose add() resolved survives kill -9', async () => {
  await using dir = await tempDir();
  {
    await using child = runFixture('delivered-child.ts', [dir.path]);
    await child.line(/^200$/);
    child.process.kill('SIGKILL');
    assert.equal(await child.exited, 'SIGKILL');
  }
  const last = 200; // at least this many were confirmed before the kill
  const store = DeliveredStore.open(dir.path);
  for (let i = 0; i <= last; i += 1) assert.equal(store.has(`id:${i}`), true, `id:${i}`);
  await store.close();
});

test('the journal holds the last confirmed write (or a later one) after kill -9', async () => {
  await using dir = await tempDir();
  let last = 0;
  {
    await using child = runFixture('journal-child.ts', [dir.path]);
    const line = await child.line(/^301$/);
    last = Number(line);
    child.process.kill('SIGKILL');
    assert.equal(await child.exited, 'SIGKILL');
    // Every line it printed (exited waits for its stdout's end); not a spread: they may be many.
    last = child.lines.reduce((max, l) => Math.max(max, Number(l)), last);
  }
  const journal = await OutboundJournal.open(dir.path);
  const entry = journal.read();
  await journal.close();
  // Odd ids stay journaled; even ones are cleared right after. Whatever the kill interrupted,
  // the journal shows a state at or after the last write the child saw resolve.
  if (entry === undefined) {
    assert.equal(last % 2, 0, `cleared after ${last}`);
  } else {
    const id = Number(entry.fifoIds[0]);
    assert.ok(id >= last, `journal holds ${id}, the child saw ${last} written`);
    assert.ok(id <= last + 1);
  }
});

test('group commit: marks and records asked for together share writes, and each caller is covered', async () => {
  await using dir = await tempDir();
  const marks = await PutMarks.open(dir.path);
  const putting = new Set<string>();
  const datasyncs = (marks as unknown as { file: { handles: { datasync(): Promise<void> }[] } })
    .file.handles;
  let syncs = 0;
  for (const handle of datasyncs) {
    const real = handle.datasync.bind(handle);
    handle.datasync = () => {
      syncs += 1;
      return real();
    };
  }
  // 16 puts begin at once: each mark resolves once a write holding its id is synced.
  await Promise.all(
    Array.from({ length: 16 }, (_, i) => {
      putting.add(`m:${i}`);
      return marks.mark(() => ({ putting, delivered: [] }));
    }),
  );
  assert.ok(syncs <= 2, `16 marks asked for together took ${syncs} fdatasyncs`);
  await marks.close();
  const again = await PutMarks.open(dir.path);
  assert.deepEqual([...again.left].sort(), [...putting].sort(), 'every id in flight is marked');
  await again.close();

  const store = DeliveredStore.open(join(dir.path, 'dedup'));
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.add(`d:${i}`)));
  assert.equal(store.size, 50);
  for (let i = 0; i < 50; i += 1) assert.ok(store.has(`d:${i}`), `d:${i}`);
  await store.close();
  await assert.rejects(store.add('late'), /closed/);
});

test('delivery records: a recorded id is durable in the marks at once and reaches the de-duplication store behind', async () => {
  await using dir = await tempDir();
  const failures: Error[] = [];
  const hooks = { storeFailed: (error: Error) => failures.push(error) };
  // A store that holds every commit back (LMDB slower than the marks, or about to crash).
  const store = DeliveredStore.open(join(dir.path, 'dedup'));
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const addMany = store.addMany.bind(store);
  store.addMany = (ids) => held.then(() => addMany(ids));
  const records = await DeliveryRecords.open(store, await PutMarks.open(dir.path), hooks);
  await records.markPutting(['a', 'b']);
  await records.record(['a']);
  assert.ok(records.has('a'), 'recorded: a copy is dropped from now on');
  assert.ok(!store.has('a'), 'the store does not hold it yet');
  // What a crash now would leave: the marks say a was delivered and b is being put.
  const marks = await PutMarks.open(dir.path);
  assert.deepEqual([...marks.left], ['b']);
  assert.deepEqual(marks.delivered, ['a']);
  await marks.close();
  release();
  await records.close();
  assert.deepEqual(failures, []);

  // The next start puts what the marks delivered into the store before anything else.
  const reopened = DeliveredStore.open(join(dir.path, 'dedup'));
  const next = await DeliveryRecords.open(reopened, await PutMarks.open(dir.path), hooks);
  assert.ok(reopened.has('a'), 'a is in the de-duplication store');
  assert.deepEqual(next.leftUnrecorded(), ['b'], 'b may have reached the target: a suspect');
  await next.close();
});

test('delivery records: a failed store commit is reported, kept in the marks and retried with the next', async () => {
  await using dir = await tempDir();
  const failures: Error[] = [];
  const store = DeliveredStore.open(join(dir.path, 'dedup'));
  const addMany = store.addMany.bind(store);
  let fail = true;
  const asked: string[][] = [];
  store.addMany = (ids) => {
    asked.push([...ids]);
    return fail ? Promise.reject(new Error('MDB_MAP_FULL')) : addMany(ids);
  };
  const records = await DeliveryRecords.open(store, await PutMarks.open(dir.path), {
    storeFailed: (error) => failures.push(error),
  });
  await records.record(['x']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(failures[0]?.message ?? '', /MDB_MAP_FULL/);
  assert.ok(records.has('x'), 'still delivered');
  fail = false;
  await records.record(['y']);
  assert.deepEqual(asked[1], ['y', 'x'], 'x joins the next commit');
  await records.close();
  const reopened = DeliveredStore.open(join(dir.path, 'dedup'));
  assert.ok(reopened.has('x') && reopened.has('y'));
  await reopened.close();
});

/** Put marks in `dir` that count their writes. */
async function countingMarks(dir: string): Promise<{ marks: PutMarks; writes: () => number }> {
  const marks = await PutMarks.open(dir);
  let writes = 0;
  const mark = marks.mark.bind(marks);
  marks.mark = (snapshot) => {
    writes += 1;
    return mark(snapshot);
  };
  return { marks, writes: () => writes };
}

test('delivery records: a mark written on arrival serves the put; one never put is withdrawn', async () => {
  await using dir = await tempDir();
  const { marks, writes } = await countingMarks(dir.path);
  const store = DeliveredStore.open(join(dir.path, 'dedup'));
  const records = await DeliveryRecords.open(store, marks, { storeFailed: () => undefined });
  await records.record(['done']);
  const before = writes();
  records.markAhead('done');
  assert.equal(writes(), before, 'an id already delivered is not marked again');
  for (const id of ['a', 'b', 'c']) records.markAhead(id);
  records.markAhead('a');
  const ahead = writes();
  assert.ok(ahead > before, 'arrivals are written');
  await records.markPutting(['a']);
  await records.markPutting(['c']);
  assert.equal(writes(), ahead, 'a put of a message marked on arrival writes nothing more');
  // b's message was settled without a put (dropped, refused while stopping): its mark goes.
  records.withdraw('b');
  // c's put began: settling its message does not unmark it; only its outcome does.
  records.withdraw('c');
  await records.record(['a']);
  await records.close();
  const left = await PutMarks.open(dir.path);
  assert.deepEqual([...left.left], ['c'], 'only the id whose put began is left marked');
  await left.close();
});

test('delivery records recorded in the store: the ack waits for its add, a failed add is carried by the next marks', async () => {
  await using dir = await tempDir();
  const { marks, writes } = await countingMarks(dir.path);
  const store = DeliveredStore.open(join(dir.path, 'dedup'));
  const addMany = store.addMany.bind(store);
  let fail = false;
  store.addMany = (ids) => (fail ? Promise.reject(new Error('engine unreachable')) : addMany(ids));
  const failures: Error[] = [];
  const records = await DeliveryRecords.open(
    store,
    marks,
    { storeFailed: (error) => failures.push(error) },
    { recordInStore: true },
  );
  await records.markPutting(['a', 'b']);
  const before = writes();
  await records.record(['a']);
  assert.equal(writes(), before, 'recording writes no marks');
  assert.ok(store.has('a'), 'the store holds it once record() resolved');
  fail = true;
  await assert.rejects(records.record(['b']), /engine unreachable/);
  assert.ok(records.has('b'), 'the target has it: a copy is dropped');
  fail = false;
  await records.markPutting(['c']);
  await records.close();
  const left = await PutMarks.open(dir.path);
  assert.deepEqual(left.delivered, ['b'], 'the next marks carry the id the store did not take');
  await left.close();
  assert.equal(failures.length, 1);
});

test('option errors name the option', () => {
  assert.throws(() => DeliveredStore.open(join('/nonexistent', 'x'), { maxEntries: 0 }), {
    code: 'RUNTIME_BAD_OPTION',
    option: 'dedupMaxEntries',
  });
});
