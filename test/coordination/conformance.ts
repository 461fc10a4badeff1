/**
 * One conformance suite for every `Coordinator` backend: each engine (a private etcd, the
 * machine's PostgreSQL) is one small `*.test.ts` that declares a `CoordinationTarget` and calls
 * `runCoordinationConformance()`. The cases are the contract's promises (coordination/coordinator.ts):
 * mutual exclusion under contention, fencing tokens that only grow, fenced writes refused with a
 * stale token, expiry by the engine, renewal, release, a lease dropped in the engine, and a holder
 * process killed with SIGKILL.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  campaign,
  CoordinationClosedError,
  LeaseLostError,
  MEMBERS_PER_STEP,
  openCoordinator,
  StaleTokenError,
  type Coordinator,
  type Lease,
} from '../../coordination/index.js';
import { pollUntil, within } from '../support/wait.js';
import { ledgerCases } from './ledger-conformance.js';

export interface CoordinationTarget {
  readonly name: string;
  /** The engine's URL, with a `?namespace=` of this run's own. */
  url(): Promise<string>;
  /** Deletes the key's lease record behind its holder's back, as an operator could. */
  dropLease(key: string): Promise<void>;
  /** Stops what `url()` started and removes what the suite wrote. */
  close(): Promise<void>;
}

/** etcd's smallest lease with its default timing is about 2 s; both engines use the same. */
const TTL_MS = 2000;
/** What the issue allows past the ttl for a standby to take over. */
const MARGIN_MS = 2000;
const CONTENDERS = 10;
const CONTENTION_MS = 4000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (list: readonly string[]): string[] => [...list].sort();
const CHILD = fileURLToPath(new URL('./lease-holder-child.ts', import.meta.url));

export function runCoordinationConformance(
  target: CoordinationTarget,
  skipReason: string | undefined,
): void {
  describe(`coordination conformance: ${target.name}`, { skip: skipReason }, () => {
    const opened: Coordinator[] = [];
    const connect = async (): Promise<Coordinator> => {
      const coordinator = await openCoordinator(await target.url(), { connectTimeoutMs: 10_000 });
      opened.push(coordinator);
      return coordinator;
    };
    const newKey = (): string => `test/${randomUUID()}`;

    after(async () => {
      await Promise.allSettled(opened.map((c) => c.close()));
      await target.close();
    });

    test(`${CONTENDERS} contenders race for one key: one holder at a time, tokens grow, fenced writes agree with the engine`, async () => {
      const key = newKey();
      const coordinators = await Promise.all(Array.from({ length: CONTENDERS }, connect));
      const until = performance.now() + CONTENTION_MS;
      let inside = 0;
      const overlaps: string[] = [];
      const terms: { holder: string; token: bigint; from: number; to: number }[] = [];
      await Promise.all(
        coordinators.map(async (c, i) => {
          const holder = `contender-${i}`;
          while (performance.now() < until) {
            const lease = await c.acquire(key, holder, { ttlMs: TTL_MS });
            if (lease === undefined) {
              await sleep(5 + Math.random() * 25);
              continue;
            }
            const from = performance.now();
            inside += 1;
            if (inside !== 1)
              overlaps.push(`${holder} (token ${lease.token}) with ${inside - 1} other`);
            const seen = await c.holderOf(key);
            assert.deepEqual(
              seen,
              { key, holder, token: lease.token },
              'the engine names the holder',
            );
            await c.put(key, `${holder}@${lease.token}`, lease.token);
            assert.deepEqual(await c.get(key), {
              value: `${holder}@${lease.token}`,
              token: lease.token,
            });
            await sleep(10);
            inside -= 1;
            terms.push({ holder, token: lease.token, from, to: performance.now() });
            await lease.release();
          }
        }),
      );
      assert.deepEqual(overlaps, [], 'never two holders at once');
      assert.ok(terms.length >= CONTENDERS, `only ${terms.length} terms in ${CONTENTION_MS} ms`);
      assert.ok(new Set(terms.map((t) => t.holder)).size >= 2, 'the key changed hands');
      terms.sort((a, b) => a.from - b.from);
      for (let i = 1; i < terms.length; i++) {
        const [before, now] = [terms[i - 1]!, terms[i]!];
        assert.ok(now.token > before.token, `token ${now.token} after ${before.token}`);
        assert.ok(now.from >= before.to, 'terms do not overlap');
      }
      // Every earlier holder's token is stale now, even the latest one's (released).
      const latest = terms[terms.length - 1]!;
      await assert.rejects(coordinators[0]!.put(key, 'late', latest.token), StaleTokenError);
    });

    test('a fenced write with a stale token is refused, the current one is accepted', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const first = (await a.acquire(key, 'A', { ttlMs: TTL_MS }))!;
      await a.put(key, 'from A', first.token);
      await first.release();
      const second = (await b.acquire(key, 'B', { ttlMs: TTL_MS }))!;
      assert.ok(second.token > first.token);
      const refused = await a.put(key, 'late A', first.token).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(refused instanceof StaleTokenError, String(refused));
      assert.equal(refused.code, 'COORDINATION_STALE_TOKEN');
      assert.equal(refused.current, second.token);
      assert.deepEqual(
        await a.get(key),
        { value: 'from A', token: first.token },
        'nothing written',
      );
      await b.put(key, 'from B', second.token);
      assert.deepEqual(await a.get(key), { value: 'from B', token: second.token });
      await assert.rejects(b.put(key, 'made up', second.token + 1000n), StaleTokenError);
      await second.release();
      await assert.rejects(b.put(key, 'released', second.token), StaleTokenError);
    });

    test('a fenced set: the holder adds members, a stale token adds nothing, the successor reads them all', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const first = (await a.acquire(key, 'A', { ttlMs: TTL_MS }))!;
      const many = Array.from({ length: MEMBERS_PER_STEP + 30 }, (_, i) => `id-${i}/x|${i}`);
      await a.addMembers(key, [...many, 'id-0/x|0'], first.token);
      await a.addMembers(key, ['id-1/x|1'], first.token);
      assert.deepEqual(sorted(await b.members(key)), sorted(many), 'every member, each once');
      assert.deepEqual(
        await b.members(`${key}/other`),
        [],
        'a key named like a prefix has its own',
      );
      await first.release();
      const second = (await b.acquire(key, 'B', { ttlMs: TTL_MS }))!;
      const refused = await a.addMembers(key, ['late'], first.token).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(refused instanceof StaleTokenError, String(refused));
      assert.equal(refused.current, second.token);
      await assert.rejects(
        a.trimMembers(key, { maxEntries: 0, maxAgeMs: 0 }, first.token),
        StaleTokenError,
      );
      await b.addMembers(key, ['from B'], second.token);
      assert.deepEqual(
        sorted(await a.members(key)),
        sorted([...many, 'from B']),
        'nothing stale written or dropped',
      );
      await second.release();
    });

    test('a fenced set is trimmed by count (oldest first) and by age', async () => {
      const c = await connect();
      const key = newKey();
      const lease = (await c.acquire(key, 'T', { ttlMs: TTL_MS }))!;
      const old = Array.from({ length: 30 }, (_, i) => `old-${i}`);
      const young = Array.from({ length: 120 }, (_, i) => `young-${i}`);
      await c.addMembers(key, old, lease.token);
      await sleep(20);
      await c.addMembers(key, young, lease.token);
      assert.equal(
        await c.trimMembers(key, { maxEntries: 120, maxAgeMs: 3_600_000 }, lease.token),
        30,
      );
      assert.deepEqual(sorted(await c.members(key)), sorted(young), 'the oldest 30 went');
      await sleep(400);
      await c.addMembers(key, ['fresh'], lease.token);
      assert.equal(await c.trimMembers(key, { maxEntries: 1000, maxAgeMs: 200 }, lease.token), 120);
      assert.deepEqual(
        await c.members(key),
        ['fresh'],
        'only the member younger than 200 ms stays',
      );
      assert.equal(await c.trimMembers(key, { maxEntries: 1000, maxAgeMs: 200 }, lease.token), 0);
      await lease.release();
    });

    test('trimming by count within one add keeps the newest of it, and its place among the others', async () => {
      const c = await connect();
      const key = newKey();
      const lease = (await c.acquire(key, 'T', { ttlMs: TTL_MS }))!;
      const named = (prefix: string, n: number) =>
        Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
      await c.addMembers(key, named('old', 50), lease.token);
      await sleep(5);
      await c.addMembers(key, named('young', 50), lease.token);
      const bounds = { maxEntries: 70, maxAgeMs: 3_600_000 };
      assert.equal(await c.trimMembers(key, bounds, lease.token), 30);
      assert.deepEqual(
        sorted(await c.members(key)),
        sorted([...named('old', 50).slice(30), ...named('young', 50)]),
        'the oldest 30 of the first add went',
      );
      await sleep(5);
      await c.addMembers(key, named('new', 10), lease.token);
      assert.equal(await c.trimMembers(key, bounds, lease.token), 10);
      assert.deepEqual(
        sorted(await c.members(key)),
        sorted([...named('old', 50).slice(40), ...named('young', 50), ...named('new', 10)]),
        'the survivors of the first add were still the oldest',
      );
      await lease.release();
    });

    test('a set of many adds is read whole', async () => {
      const c = await connect();
      const key = newKey();
      const lease = (await c.acquire(key, 'T', { ttlMs: TTL_MS }))!;
      const all: string[] = [];
      for (let i = 0; i < 150; i += 1) {
        const step = [`m-${i}-a`, `m-${i}-b`];
        all.push(...step);
        await c.addMembers(key, step, lease.token);
      }
      assert.deepEqual(sorted(await c.members(key)), sorted(all));
      await lease.release();
    });

    ledgerCases(connect);

    test('a lease not renewed ends after its ttl, and the next holder has a larger token', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const started = performance.now();
      const lapsed = (await a.acquire(key, 'A', { ttlMs: TTL_MS, keepAlive: false }))!;
      assert.equal(await b.acquire(key, 'B', { ttlMs: TTL_MS }), undefined, 'held by A');
      const next = await campaign(b, key, 'B', {
        ttlMs: TTL_MS,
        timeoutMs: TTL_MS + MARGIN_MS + 2000,
      });
      const took = performance.now() - started;
      assert.ok(took >= TTL_MS * 0.95, `taken over after ${took} ms, before the ttl`);
      assert.ok(took <= TTL_MS + MARGIN_MS, `taken over after ${took} ms`);
      assert.ok(next.token > lapsed.token);
      // The holder knew before the engine let B in.
      assert.equal(lapsed.held, false);
      assert.equal((lapsed.signal.reason as LeaseLostError).reason, 'expired');
      await assert.rejects(lapsed.renew(), LeaseLostError);
      await assert.rejects(a.put(key, 'late', lapsed.token), StaleTokenError);
    });

    test('renewal keeps a lease past several ttls (in the background, and by hand)', async () => {
      const [a, b] = [await connect(), await connect()];
      const [kept, byHand] = [newKey(), newKey()];
      const auto = (await a.acquire(kept, 'A', { ttlMs: TTL_MS }))!;
      const manual = (await a.acquire(byHand, 'A', { ttlMs: TTL_MS, keepAlive: false }))!;
      for (let i = 0; i < 6; i++) {
        await sleep(TTL_MS / 2);
        await manual.renew();
      }
      for (const lease of [auto, manual]) {
        assert.equal(lease.held, true);
        assert.deepEqual(await b.holderOf(lease.key), {
          key: lease.key,
          holder: 'A',
          token: lease.token,
        });
        assert.equal(await b.acquire(lease.key, 'B', { ttlMs: TTL_MS }), undefined);
        await a.put(lease.key, 'still A', lease.token);
      }
      await auto.release();
      await manual.release();
    });

    test('release hands the key over at once', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const first = (await a.acquire(key, 'A', { ttlMs: 60_000 }))!;
      await first.release();
      assert.equal((first.signal.reason as LeaseLostError).reason, 'released');
      await first.release(); // idempotent
      assert.equal(await b.holderOf(key), undefined);
      const second = await b.acquire(key, 'B', { ttlMs: TTL_MS });
      assert.ok(second !== undefined, 'free at once, not after the 60 s ttl');
      assert.ok(second.token > first.token);
      await second.release();
    });

    test('a holder learns within its ttl that the engine dropped its lease', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const lease = (await a.acquire(key, 'A', { ttlMs: TTL_MS }))!;
      await target.dropLease(key);
      await pollUntil('the holder to see its lease gone', () => lease.signal.aborted, TTL_MS + 500);
      const reason = lease.signal.reason as LeaseLostError;
      assert.ok(reason instanceof LeaseLostError);
      assert.equal(reason.code, 'COORDINATION_LEASE_LOST');
      assert.equal(reason.reason, 'lost');
      const next = (await b.acquire(key, 'B', { ttlMs: TTL_MS }))!;
      assert.ok(next.token > lease.token);
      await assert.rejects(a.put(key, 'late', lease.token), StaleTokenError);
      await next.release();
    });

    test('kill -9 of a holder process: a contender holds the key within ttl + 2 s', async () => {
      const key = newKey();
      const url = await target.url();
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, key, String(TTL_MS)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const lines = createInterface({ input: child.stdout });
        const first = await within(
          'the child to hold the lease',
          new Promise<string>((resolve) => lines.once('line', resolve)),
          20_000,
        );
        const childToken = BigInt((JSON.parse(first) as { token: string }).token);
        const b = await connect();
        // The child renews: still its own after more than a ttl.
        await sleep(TTL_MS * 1.5);
        assert.equal((await b.holderOf(key))?.token, childToken);
        assert.equal(await b.acquire(key, 'B', { ttlMs: TTL_MS }), undefined);
        child.kill('SIGKILL');
        const killed = performance.now();
        const lease: Lease = await campaign(b, key, 'B', {
          ttlMs: TTL_MS,
          timeoutMs: TTL_MS + MARGIN_MS + 5000,
        });
        const took = performance.now() - killed;
        assert.ok(took <= TTL_MS + MARGIN_MS, `took over ${took} ms after the kill`);
        assert.ok(lease.token > childToken);
        await assert.rejects(b.put(key, 'dead child', childToken), StaleTokenError);
        await lease.release();
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    test('a closed coordinator refuses calls; close() is idempotent and releases its leases', async () => {
      const [a, b] = [await connect(), await connect()];
      const key = newKey();
      const lease = (await a.acquire(key, 'A', { ttlMs: 60_000 }))!;
      const closing = a.close();
      assert.equal(a.close(), closing);
      await closing;
      assert.equal(lease.held, false);
      await assert.rejects(a.acquire(key, 'A'), CoordinationClosedError);
      assert.ok((await b.acquire(key, 'B', { ttlMs: TTL_MS })) !== undefined, 'released on close');
    });
  });
}
