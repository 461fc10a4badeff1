/**
 * `SharedRecords` (runtime/store/shared-records.ts), the delivery records of a `shared` inbound
 * endpoint, on the machine's PostgreSQL: two instances, each under a lease of its own, share one
 * claims ledger. What an arriving id is admitted as — fresh, a copy the other delivered, held
 * while the other's lease is current and then a suspect once it ended, a suspect when the other
 * gave its put up with the outcome unknown — and what a settled message leaves behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Coordinator, Lease } from '../../coordination/index.js';
import { systemClock } from '../../runtime/clock.js';
import { SharedRecords } from '../../runtime/store/shared-records.js';
import { openDeliveryRecords } from '../../runtime/store/open-delivery-records.js';
import type { InboundRecords } from '../../runtime/store/inbound-records.js';
import { postgresNamespace } from './support/postgres-namespace.js';

const { skip, coordinator } = await postgresNamespace('shared');
const LEDGER = 'endpoint/orders-in';
/** The ledger of the mode-switch test's endpoint (its own: the first test leaves claims open). */
const SWITCHED = 'endpoint/switched';
const bounds = { maxEntries: 1000, maxAgeMs: 3_600_000, clock: systemClock };
const failures: Error[] = [];
const hooks = { storeFailed: (error: Error) => failures.push(error) };

/** The endpoint run by one node (no `shared` mode): its records under its own lease. */
async function owner(): Promise<{ lease: Lease; records: InboundRecords; store: Coordinator }> {
  const store = await coordinator();
  const lease = (await store.acquire(SWITCHED, 'owner', { ttlMs: 2000 }))!;
  const records = await openDeliveryRecords(
    {
      dataDir: join(tmpdir(), 'unused'),
      fence: { store, key: lease.key, token: lease.token },
      ...bounds,
    },
    hooks,
  );
  return { lease, records, store };
}

async function instance(
  node: string,
  ledger = LEDGER,
): Promise<{ lease: Lease; records: SharedRecords }> {
  const store = await coordinator();
  const lease = (await store.acquire(`instance/orders-in/${node}`, node, { ttlMs: 2000 }))!;
  const fence = { store, key: lease.key, token: lease.token, ledger };
  return { lease, records: await SharedRecords.open(fence, bounds, hooks) };
}

test(
  'two instances share one ledger: fresh, a copy dropped, held then a suspect, a doubtful put',
  { skip },
  async () => {
    const a = await instance('a');
    const b = await instance('b');

    // A puts m1 and records it: a copy arriving at B is a copy.
    a.records.markAhead('m1');
    assert.equal(await a.records.admit('m1'), 'fresh');
    await a.records.markPutting(['m1']);
    await a.records.record(['m1']);
    assert.equal(await b.records.admit('m1'), 'fresh');
    assert.equal(b.records.has('m1'), true, 'B drops the copy A delivered');
    b.records.withdraw('m1');

    // A received m2 and never began its put: settled (given back), the claim goes; B puts it.
    assert.equal(await a.records.admit('m2'), 'fresh');
    a.records.withdraw('m2');
    await a.records.close(); // waits for the claim to be dropped
    assert.equal(await b.records.admit('m2'), 'fresh');
    assert.equal(b.records.has('m2'), false);

    // A third instance C begins m3's put and its node dies (no withdraw): B waits while C's lease
    // is current, then looks first.
    const c = await instance('c');
    assert.equal(await c.records.admit('m3'), 'fresh');
    await c.records.markPutting(['m3']);
    const started = Date.now();
    const admitted = b.records.admit('m3');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await c.lease.release(); // C's lease ends: as at its expiry after a crash, sooner
    assert.equal(await admitted, 'suspect');
    assert.ok(Date.now() - started >= 500, 'B waited while C held m3');

    // B's put of m4 fails with its outcome unknown, and its message goes back: whoever gets m4
    // next looks first (here a fourth instance D).
    assert.equal(await b.records.admit('m4'), 'fresh');
    await b.records.markPutting(['m4']);
    b.records.withdraw('m4');
    const d = await instance('d');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the give-up is written behind
    assert.equal(await d.records.admit('m4'), 'suspect');

    // A refused put (unmark) frees the id at once for anyone.
    assert.equal(await d.records.admit('m5'), 'fresh');
    d.records.unmark('m5');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await b.records.admit('m5'), 'fresh');
    assert.equal(b.records.has('m5'), false);

    await Promise.all([b.records.close(), c.records.close(), d.records.close()]);
    await Promise.all([a.lease.release(), b.lease.release(), d.lease.release()]);
    assert.deepEqual(failures, []);
  },
);

test(
  'an endpoint switched to shared mode and back carries what it delivered and what it was putting',
  { skip },
  async () => {
    // One node runs it: m1 delivered, p1's put begun when it stopped.
    const first = await owner();
    for (const id of ['m1', 'p1']) first.records.markAhead(id);
    await first.records.markPutting(['m1', 'p1']);
    await first.records.record(['m1']);
    await first.records.close();
    await first.lease.release();

    // Switched to shared mode: a copy of m1 is dropped unclaimed; p1 is looked up before a put.
    const a = await instance('a', SWITCHED);
    assert.equal(await a.records.admit('m1'), 'fresh');
    assert.equal(a.records.has('m1'), true, 'the copy of m1 is dropped');
    assert.deepEqual(a.records.leftUnrecorded(), ['p1']);
    // The instance delivers s1 and its node dies while putting s2.
    assert.equal(await a.records.admit('s1'), 'fresh');
    assert.equal(await a.records.admit('s2'), 'fresh');
    await a.records.markPutting(['s1', 's2']);
    await a.records.record(['s1']);
    await a.lease.release();

    // Switched back to one node: s1 is a copy (and now in its set), s2 and p1 are looked up.
    const second = await owner();
    assert.equal(second.records.has('s1'), true);
    assert.equal(second.records.has('m1'), true);
    assert.deepEqual([...second.records.leftUnrecorded()].sort(), ['p1', 's2']);
    assert.ok((await second.store.members(SWITCHED)).includes('s1'), 's1 was added to the set');
    await second.records.close();
    await second.lease.release();
    await a.records.close();
    assert.deepEqual(failures, []);
  },
);
