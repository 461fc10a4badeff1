/**
 * The console's parts kept by the node: the rate history ring, counters summed over an
 * endpoint's processes, the last error and its recovery, the record in flight, and the embedded
 * broker's per-destination depths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProgressTracker,
  zeroCounters,
  type EndpointCounters,
} from '../../runtime/endpoint/progress.js';
import { systemClock } from '../../runtime/clock.js';
import { RateHistory } from '../../runtime/node/rate-history.js';
import { LifetimeCounters } from '../../runtime/node/lifetime-counters.js';
import { EndpointActivity } from '../../runtime/node/endpoint-activity.js';
import { embeddedBrokerDepths, externalBrokerDepths } from '../../runtime/node/broker-depths.js';
import type { BrokerStats, QueueStats } from '../../broker/index.js';
import { parseReport } from '../../runtime/link/protocol.js';

function counters(values: Partial<EndpointCounters>): EndpointCounters {
  return { ...zeroCounters(), ...values };
}

test('rate history: buckets by time, zeros between, the oldest dropped after a whole ring', () => {
  const h = new RateHistory({ bucketMs: 1_000, buckets: 4 });
  h.add(10_100, 3, 0);
  h.add(10_900, 2, 1);
  h.add(12_500, 7, 0);
  assert.deepEqual(h.samples(13_000), [
    { atMs: 10_000, done: 5, errors: 1 },
    { atMs: 11_000, done: 0, errors: 0 },
    { atMs: 12_000, done: 7, errors: 0 },
    { atMs: 13_000, done: 0, errors: 0 },
  ]);
  // 14 s reuses the slot of 10 s: that bucket is gone, not added to.
  h.add(14_200, 1, 0);
  assert.deepEqual(
    h.samples(14_500).map((s) => [s.atMs, s.done]),
    [
      [11_000, 0],
      [12_000, 7],
      [13_000, 0],
      [14_000, 1],
    ],
  );
  assert.deepEqual(h.sum(14_500, 2_000), { done: 1, errors: 0, windowMs: 1_500 });
  // Long after: everything has aged out.
  assert.equal(
    h.samples(100_000).reduce((n, s) => n + s.done, 0),
    0,
  );
  assert.throws(() => new RateHistory({ bucketMs: 0 }), RangeError);
});

test('lifetime counters add a new process (new pid, or counters going down) to the old ones', () => {
  const c = new LifetimeCounters();
  assert.deepEqual(
    c.update(counters({ delivered: 5, errors: 1 }), 100),
    counters({ delivered: 5, errors: 1 }),
  );
  assert.deepEqual(
    c.update(counters({ delivered: 8, errors: 1 }), 100),
    counters({ delivered: 3 }),
  );
  // A restarted process reports from zero: the node adds.
  assert.deepEqual(c.update(counters({ delivered: 2 }), 200), counters({ delivered: 2 }));
  assert.deepEqual(c.totals(), counters({ delivered: 10, errors: 1 }));
  assert.equal(c.processes, 2);
  // A late report of the earlier process changes nothing.
  assert.deepEqual(c.update(counters({ delivered: 9, errors: 1 }), 100), zeroCounters());
  assert.deepEqual(c.totals(), counters({ delivered: 10, errors: 1 }));
  // Without pids (an older endpoint), a counter going down is a new process.
  const old = new LifetimeCounters();
  old.update(counters({ completed: 4 }));
  old.update(counters({ completed: 1 }));
  assert.deepEqual(old.totals(), counters({ completed: 5 }));
  assert.equal(old.processes, 2);
});

test('endpoint activity: last error until records are done again, rates, in-flight age', () => {
  const a = new EndpointActivity({ bucketMs: 10_000, buckets: 90 });
  const t0 = 1_000_000;
  a.heartbeat({ counters: counters({ delivered: 4 }), lastError: null, pid: 1 }, t0);
  assert.equal(a.view(t0).lastError, null);
  a.heartbeat(
    { counters: counters({ delivered: 4, errors: 2 }), lastError: 'refused', pid: 1 },
    t0 + 1_000,
  );
  assert.deepEqual(a.view(t0 + 1_000).lastError, {
    message: 'refused',
    at: new Date(t0 + 1_000).toISOString(),
    recoveredAt: null,
  });
  // Records done while errors still come: not recovered yet.
  a.heartbeat(
    { counters: counters({ delivered: 5, errors: 3 }), lastError: 'refused again', pid: 1 },
    t0 + 2_000,
  );
  assert.equal(a.view(t0 + 2_000).lastError?.recoveredAt, null);
  assert.equal(a.view(t0 + 2_000).lastError?.message, 'refused again');
  // Nothing done: still failing.
  a.heartbeat(
    { counters: counters({ delivered: 5, errors: 3 }), lastError: 'refused again', pid: 1 },
    t0 + 3_000,
  );
  assert.equal(a.view(t0 + 3_000).lastError?.recoveredAt, null);
  a.heartbeat(
    { counters: counters({ delivered: 6, errors: 3 }), lastError: 'refused again', pid: 1 },
    t0 + 4_000,
  );
  assert.equal(a.view(t0 + 4_000).lastError?.recoveredAt, new Date(t0 + 4_000).toISOString());
  // A crash is an error; the next process recovers from it by delivering.
  a.exited('exited: killed by SIGKILL', t0 + 5_000);
  assert.equal(a.view(t0 + 5_000).lastError?.message, 'exited: killed by SIGKILL');
  a.heartbeat({ counters: counters({ delivered: 1 }), lastError: null, pid: 2 }, t0 + 6_000);
  const view = a.view(t0 + 6_000);
  assert.equal(view.lastError?.recoveredAt, new Date(t0 + 6_000).toISOString());
  assert.equal(view.totals.delivered, 7);
  assert.equal(view.processes, 2);
  assert.equal(view.history.samples.length, 90);
  assert.equal(
    view.history.samples.reduce((n, s) => n + s.done, 0),
    7,
  );
  assert.equal(view.recent.done, 7);
  assert.equal(view.recent.errors, 3);
  assert.equal(view.recent.errorRatio, 0.3);

  // In flight: from the first step of a record until the endpoint waits again.
  a.progress({ step: 'lookup', sinceMs: t0 + 6_100, ids: ['m:1'] });
  a.progress({ step: 'put', sinceMs: t0 + 6_300, ids: ['m:1'] });
  assert.deepEqual(a.view(t0 + 7_000).inFlight, { ids: ['m:1'], ageMs: 900 });
  a.progress({ step: 'retry-delay', sinceMs: t0 + 7_100, ids: null });
  assert.deepEqual(a.view(t0 + 7_200).inFlight, { ids: ['m:1'], ageMs: 1_100 });
  a.progress({ step: 'put', sinceMs: t0 + 7_300, ids: ['m:2'] });
  assert.deepEqual(a.view(t0 + 7_400).inFlight, { ids: ['m:2'], ageMs: 100 });
  a.progress({ step: 'waiting', sinceMs: t0 + 7_500, ids: null });
  assert.equal(a.view(t0 + 7_600).inFlight, null);
});

function queue(depth: number, unacked: number, consumers: number): QueueStats {
  return { depth, unacked, consumers, enqueued: 0, dequeued: 0, redelivered: 0, deadLettered: 0 };
}

test('broker depths: ready, unacked and the dead letters of the consuming endpoints', () => {
  const stats: BrokerStats = {
    connections: 2,
    queues: {
      '/queue/orders': queue(5, 2, 1),
      '/queue/dead-letter.orders-in': queue(3, 0, 0),
      '/queue/idle': queue(0, 0, 0),
    },
    storeBytes: 0,
    storeSyncs: 0,
    storeMapReleases: 0,
    quarantinedRecords: 0,
    storeFailures: 0,
    storeFailing: false,
  };
  const depths = embeddedBrokerDepths(stats, [
    { endpoint: 'orders-out', queues: { publishes: '/queue/orders' } },
    {
      endpoint: 'orders-in',
      queues: { consumes: '/queue/orders', deadLetter: '/queue/dead-letter.orders-in' },
    },
    { endpoint: 'new-in', queues: { consumes: '/queue/none-yet' } },
  ]);
  assert.deepEqual(depths, {
    kind: 'embedded',
    destinations: [
      {
        destination: '/queue/dead-letter.orders-in',
        ready: 3,
        unacked: 0,
        consumers: 0,
        deadLetter: null,
        deadLetterOf: ['orders-in'],
      },
      {
        destination: '/queue/idle',
        ready: 0,
        unacked: 0,
        consumers: 0,
        deadLetter: null,
        deadLetterOf: [],
      },
      {
        destination: '/queue/none-yet',
        ready: 0,
        unacked: 0,
        consumers: 0,
        deadLetter: null,
        deadLetterOf: [],
      },
      {
        destination: '/queue/orders',
        ready: 5,
        unacked: 2,
        consumers: 1,
        deadLetter: { queues: ['/queue/dead-letter.orders-in'], depth: 3 },
        deadLetterOf: [],
      },
    ],
  });
  // An external broker: no numbers, its URLs without credentials.
  const external = externalBrokerDepths(['stomp://app:secret@mq.example:61613']);
  assert.equal(external.kind, 'external');
  assert.doesNotMatch(JSON.stringify(external), /secret/);
});

test('endpoint activity: errors and records done in one heartbeat, in either order', () => {
  const a = new EndpointActivity({ bucketMs: 10_000, buckets: 90 });
  const t0 = 1_000_000;
  a.heartbeat({ counters: counters({ delivered: 4 }), lastError: null, pid: 1 }, t0);
  // The last error came after the records of this beat: still failing, even if nothing follows.
  a.heartbeat(
    {
      counters: counters({ delivered: 6, errors: 1 }),
      lastError: 'refused',
      doneAtLastError: 6,
      pid: 1,
    },
    t0 + 1_000,
  );
  assert.equal(a.view(t0 + 1_000).lastError?.recoveredAt, null);
  // Records were done after the last error of this beat: recovered at this beat, though no
  // record is done after it (an endpoint that then goes idle is not failing).
  a.heartbeat(
    {
      counters: counters({ delivered: 9, errors: 2 }),
      lastError: 'refused again',
      doneAtLastError: 7,
      pid: 1,
    },
    t0 + 2_000,
  );
  assert.deepEqual(a.view(t0 + 2_000).lastError, {
    message: 'refused again',
    at: new Date(t0 + 2_000).toISOString(),
    recoveredAt: new Date(t0 + 2_000).toISOString(),
  });
});

test('the progress tracker says how many records were done at its last error', () => {
  const tracker = new ProgressTracker('ep', systemClock);
  assert.equal(tracker.snapshot().doneAtLastError, 0);
  tracker.count('delivered', 3);
  tracker.error('put', new Error('refused'), 1);
  tracker.count('delivered', 2);
  assert.equal(tracker.snapshot().doneAtLastError, 3);
  assert.equal(tracker.snapshot().counters.delivered, 5);
});

test('a heartbeat whose pid or queues are not well-formed is dropped', () => {
  const base = { kind: 'heartbeat', atMs: 1, counters: zeroCounters(), lastError: null };
  assert.ok(parseReport({ ...base, pid: 7, queues: { consumes: '/queue/a' } }) !== undefined);
  assert.ok(parseReport(base) !== undefined, 'an endpoint of an earlier release sends neither');
  assert.equal(parseReport({ ...base, pid: '7' }), undefined);
  assert.ok(parseReport({ ...base, doneAtLastError: 3 }) !== undefined);
  assert.equal(parseReport({ ...base, doneAtLastError: '3' }), undefined);
  assert.equal(parseReport({ ...base, queues: { consumes: 5 } }), undefined);
  assert.equal(parseReport({ ...base, queues: ['/queue/a'] }), undefined);
});
