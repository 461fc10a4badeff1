/**
 * The claims ledger's promises (coordination/coordinator.ts: `claim`, `complete`, `unclaim`,
 * `trimLedger`), run by the conformance suite against every backend: what each outcome means,
 * fencing, a claim taken over from an ended lease or given up as doubtful, many fences racing
 * for the same ids, and trimming.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  StaleTokenError,
  type ClaimOutcome,
  type Coordinator,
  type Fence,
  type Lease,
} from '../../coordination/index.js';

const TTL_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fenceOf = (lease: Lease): Fence => ({ key: lease.key, token: lease.token });
const outcomes = (m: Map<string, ClaimOutcome>): Record<string, ClaimOutcome> =>
  Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

export function ledgerCases(connect: () => Promise<Coordinator>): void {
  const newKey = (): string => `test/${randomUUID()}`;

  test('a ledger: claimed, held by a current lease, completed, given up', async () => {
    const [a, b] = [await connect(), await connect()];
    const ledger = newKey();
    const la = (await a.acquire(newKey(), 'A', { ttlMs: TTL_MS }))!;
    const lb = (await b.acquire(newKey(), 'B', { ttlMs: TTL_MS }))!;
    assert.deepEqual(outcomes(await a.claim(ledger, ['x', 'y', 'x'], fenceOf(la))), {
      x: 'claimed',
      y: 'claimed',
    });
    assert.deepEqual(
      outcomes(await a.claim(ledger, ['x'], fenceOf(la))),
      { x: 'claimed' },
      'claiming again with the same fence is idempotent',
    );
    assert.deepEqual(outcomes(await b.claim(ledger, ['x', 'y', 'z'], fenceOf(lb))), {
      x: 'held',
      y: 'held',
      z: 'claimed',
    });
    await a.complete(ledger, ['x'], fenceOf(la));
    await a.unclaim(ledger, ['y', 'z'], fenceOf(la));
    assert.deepEqual(
      outcomes(await b.claim(ledger, ['x', 'y', 'z'], fenceOf(lb))),
      { x: 'completed', y: 'claimed', z: 'claimed' },
      'completed stays completed; a clean unclaim frees the id; others’ claims are not A’s to drop',
    );
    assert.deepEqual(outcomes(await a.claim(ledger, ['z'], fenceOf(la))), { z: 'held' });
    await Promise.all([la.release(), lb.release()]);
  });

  test('a ledger’s entries: completed, and open (claimed or given up as doubtful)', async () => {
    const [a, reader] = [await connect(), await connect()];
    const ledger = newKey();
    const la = (await a.acquire(newKey(), 'A', { ttlMs: TTL_MS }))!;
    assert.deepEqual(await reader.ledgerEntries(ledger), { completed: [], open: [] });
    await a.claim(ledger, ['done', 'putting', 'doubtful', 'dropped'], fenceOf(la));
    await a.complete(ledger, ['done'], fenceOf(la));
    await a.unclaim(ledger, ['doubtful'], fenceOf(la), { doubtful: true });
    await a.unclaim(ledger, ['dropped'], fenceOf(la));
    await la.release();
    const entries = await reader.ledgerEntries(ledger);
    assert.deepEqual(
      { completed: [...entries.completed].sort(), open: [...entries.open].sort() },
      { completed: ['done'], open: ['doubtful', 'putting'] },
      'read without a lease, after the writer’s ended',
    );
    assert.deepEqual(await reader.ledgerEntries(`${ledger}/other`), { completed: [], open: [] });
  });

  test('a ledger: an ended lease’s claim is taken over, a doubtful one too, and stale fences are refused', async () => {
    const [a, b] = [await connect(), await connect()];
    const ledger = newKey();
    const la = (await a.acquire(newKey(), 'A', { ttlMs: TTL_MS }))!;
    const lb = (await b.acquire(newKey(), 'B', { ttlMs: TTL_MS }))!;
    await a.claim(ledger, ['w', 'v'], fenceOf(la));
    await a.unclaim(ledger, ['v'], fenceOf(la), { doubtful: true });
    assert.deepEqual(
      outcomes(await b.claim(ledger, ['v'], fenceOf(lb))),
      { v: 'taken-over' },
      'a doubtful claim is taken over while its lease lives',
    );
    await la.release();
    assert.deepEqual(outcomes(await b.claim(ledger, ['w'], fenceOf(lb))), { w: 'taken-over' });
    for (const call of [
      () => a.claim(ledger, ['new'], fenceOf(la)),
      () => a.complete(ledger, ['w'], fenceOf(la)),
      () => a.unclaim(ledger, ['w'], fenceOf(la)),
      () => a.trimLedger(ledger, { maxEntries: 0, maxAgeMs: 0 }, fenceOf(la)),
    ]) {
      await assert.rejects(call(), StaleTokenError);
    }
    assert.deepEqual(
      outcomes(await b.claim(ledger, ['w', 'v', 'new'], fenceOf(lb))),
      { w: 'claimed', v: 'claimed', new: 'claimed' },
      'nothing the stale fence sent was applied',
    );
    await lb.release();
  });

  test('a ledger: many fences race for the same ids, one claims each', async () => {
    const coordinators = await Promise.all(Array.from({ length: 5 }, () => connect()));
    const ledger = newKey();
    const leases = await Promise.all(
      coordinators.map(async (c, i) => (await c.acquire(newKey(), `F${i}`, { ttlMs: TTL_MS }))!),
    );
    const ids = Array.from({ length: 60 }, (_, i) => `id-${i}`);
    const results = await Promise.all(
      coordinators.map((c, i) => c.claim(ledger, ids, fenceOf(leases[i]!))),
    );
    for (const id of ids) {
      const got = results.map((r) => r.get(id));
      assert.equal(got.filter((o) => o === 'claimed').length, 1, `${id}: ${got.join(', ')}`);
      assert.equal(got.filter((o) => o === 'held').length, coordinators.length - 1, id);
    }
    await Promise.all(leases.map((l) => l.release()));
  });

  test('a ledger is trimmed: completed ids beyond the count (oldest first), and entries by age', async () => {
    const c = await connect();
    const ledger = newKey();
    const lease = (await c.acquire(newKey(), 'T', { ttlMs: TTL_MS }))!;
    const fence = fenceOf(lease);
    const old = Array.from({ length: 30 }, (_, i) => `old-${i}`);
    const young = Array.from({ length: 120 }, (_, i) => `young-${i}`);
    await c.complete(ledger, old, fence);
    await sleep(20);
    await c.complete(ledger, young, fence);
    await c.claim(ledger, ['open'], fence);
    assert.equal(await c.trimLedger(ledger, { maxEntries: 120, maxAgeMs: 3_600_000 }, fence), 30);
    const after = await c.claim(ledger, ['old-0', 'young-0', 'open'], fence);
    assert.deepEqual(outcomes(after), {
      'old-0': 'claimed',
      open: 'claimed',
      'young-0': 'completed',
    });
    await sleep(400);
    await c.complete(ledger, ['fresh'], fence);
    // young-* (120) and the two open claims are older than 200 ms; 'fresh' is not.
    assert.equal(await c.trimLedger(ledger, { maxEntries: 1000, maxAgeMs: 200 }, fence), 122);
    assert.deepEqual(outcomes(await c.claim(ledger, ['fresh', 'young-1'], fence)), {
      fresh: 'completed',
      'young-1': 'claimed',
    });
    await lease.release();
  });
}
