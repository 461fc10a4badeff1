/**
 * `EngineJournal` (runtime/store/engine-journal.ts), the outbound journal of an endpoint placed by
 * lease, on the machine's PostgreSQL: an entry is on this node at once and in the engine behind;
 * a new process takes the later of the two copies; a node that took the endpoint over reads the
 * engine's; a failed engine write fails the next journal call; a clean close clears the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StaleTokenError, type Coordinator, type Lease } from '../../coordination/index.js';
import { EngineJournal } from '../../runtime/store/engine-journal.js';
import type { EndpointFence } from '../../runtime/store/engine-fence.js';
import type { JournalEntry } from '../../runtime/store/outbound-journal.js';
import { postgresNamespace } from './support/postgres-namespace.js';
import { tempDir } from './support/helpers.js';

const { skip, coordinator } = await postgresNamespace('journal');
const TTL_MS = 5_000;

const entry = (...fifoIds: string[]): JournalEntry => ({
  fifoIds,
  destination: '/queue/orders',
  confirmedAt: 1,
});
const fenceOf = (store: Coordinator, lease: Lease): EndpointFence => ({
  store,
  key: lease.key,
  token: lease.token,
});
/** The engine's copy of the journal entry (`null` when cleared or absent). */
async function inEngine(store: Coordinator, key: string): Promise<unknown> {
  const stored = await store.get(key);
  return stored === undefined ? null : (JSON.parse(stored.value) as { journal: unknown }).journal;
}
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test(
  'an entry is on this node at once and in the engine behind; a clean close clears both',
  { skip },
  async () => {
    await using dir = await tempDir();
    const store = await coordinator();
    const key = `endpoint/out-${randomBytes(3).toString('hex')}`;
    const lease = (await store.acquire(key, 'a', { ttlMs: TTL_MS }))!;
    const journal = await EngineJournal.open(fenceOf(store, lease), dir.path);
    assert.equal(journal.read(), undefined);
    await journal.write(entry('1', '2'));
    assert.deepEqual(journal.read(), entry('1', '2'));
    await until(
      'the entry in the engine',
      async () => JSON.stringify(await inEngine(store, key)) === JSON.stringify(entry('1', '2')),
    );
    // Another process of this node (the endpoint restarted, the node still holds the lease).
    const again = await EngineJournal.open(fenceOf(store, lease), dir.path);
    assert.deepEqual(again.read(), entry('1', '2'));
    await journal.clear();
    assert.deepEqual(
      await inEngine(store, key),
      entry('1', '2'),
      'a clear waits for the next write',
    );
    const cleared = await EngineJournal.open(fenceOf(store, lease), dir.path);
    assert.equal(cleared.read(), undefined, "this node's copy is the later one");
    await journal.close();
    assert.equal(await inEngine(store, key), null, 'a clean close writes the clear');
    await Promise.all([again.close(), cleared.close()]);
    await lease.release();
  },
);

test(
  "an entry that never reached the engine is this node's to resume; a node that took over reads the engine's",
  { skip },
  async () => {
    await using dirA = await tempDir();
    await using dirB = await tempDir();
    const store = await coordinator();
    const key = `endpoint/out-${randomBytes(3).toString('hex')}`;
    const first = (await store.acquire(key, 'a', { ttlMs: TTL_MS }))!;
    const a = await EngineJournal.open(fenceOf(store, first), dirA.path);
    await a.write(entry('1'));
    await until('the entry in the engine', async () => (await inEngine(store, key)) !== null);
    // The lease ends (the engine expired it, say) while the next entry is written: it is on this
    // node, the engine refuses it behind, and the next journal call fails.
    await first.release();
    await a.write(entry('2'));
    await new Promise((resolve) => setTimeout(resolve, 500)); // the engine's refusal comes back
    await assert.rejects(a.clear(), StaleTokenError);
    assert.deepEqual(await inEngine(store, key), entry('1'));
    await a.close();

    // This node holds the lease again: its own copy is later than the engine's (same token in the
    // engine, a larger sequence here), so it resumes at `popped` for record 2.
    const second = (await store.acquire(key, 'a', { ttlMs: TTL_MS }))!;
    const resumed = await EngineJournal.open(fenceOf(store, second), dirA.path);
    assert.deepEqual(resumed.read(), entry('2'));
    await resumed.write(entry('3'));
    await until(
      'entry 3 in the engine',
      async () => JSON.stringify(await inEngine(store, key)) === JSON.stringify(entry('3')),
    );
    await resumed.clear();
    await resumed.write(entry('4'));
    await until(
      'entry 4 in the engine',
      async () => JSON.stringify(await inEngine(store, key)) === JSON.stringify(entry('4')),
    );
    await second.release();

    // Another node takes it over and finishes record 4; then this node again, with its copy of
    // entry 4 from an older lease: the engine's (cleared by the other node) is the later one.
    const other = (await store.acquire(key, 'b', { ttlMs: TTL_MS }))!;
    const b = await EngineJournal.open(fenceOf(store, other), dirB.path);
    assert.deepEqual(b.read(), entry('4'));
    await b.clear();
    await b.close();
    await other.release();
    await resumed.close().catch(() => undefined);
    const third = (await store.acquire(key, 'a', { ttlMs: TTL_MS }))!;
    const back = await EngineJournal.open(fenceOf(store, third), dirA.path);
    assert.equal(
      back.read(),
      undefined,
      "the other node's clear is later than this node's entry 4",
    );
    await back.close();
    await third.release();
  },
);
