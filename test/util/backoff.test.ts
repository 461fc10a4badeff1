/**
 * The package's one backoff (util/backoff.ts), with a fixed random source: the delays each of its
 * users relies on (the runtime's and the cluster's ±20 %, the transports' [0.5, 1) factor), and
 * the check of options taken from outside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Backoff,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_MAX_MS,
  checkBackoffOptions,
} from '../../util/backoff.js';
import { checkBackoff } from '../../runtime/backoff-option.js';

test('doubles up to its bound, then resets; without jitter the delays are exact', () => {
  const exact = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => exact.next()),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  assert.equal(exact.attempts, 6);
  exact.reset();
  assert.equal(exact.attempts, 0);
  assert.equal(exact.next(), 100);
});

test('symmetric jitter (the default) moves a delay up to 20 % either way', () => {
  const mid = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, random: () => 0.5 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => mid.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  const low = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0.2, random: () => 0 });
  const high = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0.2, random: () => 0.999999 });
  assert.equal(low.next(), 80);
  assert.equal(high.next(), 120);
  assert.equal(low.attempts, 1);
});

test('downward jitter (the transports: jitter 0.5) shrinks by a factor in [0.5, 1)', () => {
  let r = 0;
  const backoff = new Backoff({
    initialMs: 100,
    maxMs: 1000,
    jitter: 0.5,
    jitterKind: 'downward',
    random: () => r,
  });
  assert.deepEqual(
    [backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()],
    [50, 100, 200, 400, 500],
  );
  r = 0.999;
  assert.equal(backoff.next(), 1000);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

test('delayFor(n) gives attempt n without counting it; defaults and a zero first delay', () => {
  const b = new Backoff({ initialMs: 50, maxMs: 400, jitter: 0 });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((n) => b.delayFor(n)),
    [50, 50, 100, 200, 400, 400],
  );
  assert.equal(b.attempts, 0);
  const defaults = new Backoff({ jitter: 0 });
  assert.equal(defaults.next(), DEFAULT_BACKOFF_INITIAL_MS);
  assert.equal(defaults.delayFor(1_000), DEFAULT_BACKOFF_MAX_MS);
  const zero = new Backoff({ initialMs: 0, maxMs: 10, jitter: 0 });
  assert.equal(zero.delayFor(5_000), 0, 'no NaN however many attempts');
});

test('options from outside are checked by field; the class itself clamps jitter only', () => {
  assert.equal(checkBackoffOptions({ initialMs: 100, maxMs: 100 }), undefined);
  assert.deepEqual(checkBackoffOptions({ initialMs: 10, maxMs: 5 }), {
    field: 'maxMs',
    message: 'must be a number >= initialMs, got 5',
  });
  assert.equal(checkBackoffOptions({ initialMs: -1 })?.field, 'initialMs');
  assert.equal(checkBackoffOptions({ jitter: 1.5 })?.field, 'jitter');
  assert.equal(checkBackoffOptions({ multiplier: 0.5 })?.field, 'multiplier');
  // The runtime names the option as its users know it.
  assert.throws(() => checkBackoff({ initialMs: 10, maxMs: 5 }, 'retry'), {
    code: 'RUNTIME_BAD_OPTION',
    option: 'retry.maxMs',
  });
  const wide = new Backoff({ initialMs: 100, jitter: 3, random: () => 0 });
  assert.equal(wide.next(), 0, 'jitter clamped to 1');
});
