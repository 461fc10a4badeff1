/** The demo's counting over what the systems recorded, and its options, without the systems. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MockState } from '../../mock/index.js';
import {
  DemoError,
  formatInterrupted,
  formatSummary,
  resolveDemoOptions,
  tally,
} from '../../demo/index.js';

function source(popped: string[], remaining: string[] = []): MockState {
  return {
    calls: {},
    faults: {},
    fifo: { remaining, popped, poppedUnknown: [], pops: popped.length, builds: 0 },
    put: null,
  };
}

function target(received: string[]): MockState {
  const ids = [...new Set(received)];
  const duplicates = received.filter((id, i) => received.indexOf(id) !== i);
  return {
    calls: {},
    faults: {},
    fifo: null,
    put: {
      received: received.map((id) => ({ id, request: {}, at: '' })),
      ids,
      duplicates,
      failed: 0,
    },
  };
}

test('tally: exactly once', () => {
  const t = tally(source(['1', '2', '3']), target(['out:1', 'out:2', 'out:3']), 'out');
  assert.deepEqual(t, {
    popped: 3,
    delivered: 3,
    lost: 0,
    duplicates: 0,
    remaining: 0,
    unexpected: 0,
  });
  assert.equal(formatSummary(t), '3 popped, 3 delivered, 0 lost, 0 duplicates');
});

test('tally: a served record never delivered is lost; a second delivery is a duplicate', () => {
  const t = tally(
    source(['1', '2', '3'], ['4']),
    target(['out:1', 'out:3', 'out:3', 'out:1', 'out:9']),
    'out',
  );
  assert.equal(t.popped, 3);
  assert.equal(t.delivered, 3);
  assert.equal(t.lost, 1);
  assert.equal(t.duplicates, 2);
  assert.equal(t.remaining, 1);
  assert.equal(t.unexpected, 1);
  assert.equal(formatSummary(t), '3 popped, 3 delivered, 1 lost, 2 duplicates');
  assert.equal(
    formatInterrupted(t),
    'interrupted after 3 popped, 3 delivered, 1 on their way, 2 duplicates',
  );
});

test('demo options: defaults, and a bad one named', () => {
  assert.deepEqual(resolveDemoOptions(), {
    records: 1000,
    keepRunning: false,
    stallTimeoutMs: 30_000,
    portBase: undefined,
    targetFaults: 0,
  });
  assert.throws(
    () => resolveDemoOptions({ records: 0 }),
    (err: unknown) =>
      err instanceof DemoError &&
      err.code === 'DEMO_OPTIONS' &&
      err.exitCode === 2 &&
      /records must be a whole number 1\.\.1000000, got 0/.test(err.message),
  );
  assert.throws(() => resolveDemoOptions({ portBase: 65_530 }), /portBase must be/);
  assert.throws(() => resolveDemoOptions({ stallTimeoutMs: 1.5 }), /stallTimeoutMs must be/);
  assert.throws(
    () => resolveDemoOptions({ targetFaults: 2 }),
    /targetFaults must be a share 0\.\.1/,
  );
});
