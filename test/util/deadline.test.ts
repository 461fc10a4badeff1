/**
 * The package's one deadline (util/deadline.ts) on a fake clock: it times out, aborts, clears its
 * timer and listener on every path, tells the work to stop before rejecting, and drops a late
 * outcome. The folders' own error factories are checked where they are used (transports,
 * cluster, runtime tests); here a recording one stands in.
 */
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, withDeadline, type DeadlineErrors } from '../../util/deadline.js';
import { FakeClock } from '../runtime/support/fake-clock.js';

class Timeout extends Error {}
class Aborted extends Error {}

const ERRORS: DeadlineErrors = {
  timeout: (operation, ms) => new Timeout(`${operation} after ${ms} ms`),
  aborted: (operation, reason) => new Aborted(`${operation} aborted`, { cause: reason }),
};

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('times out at its deadline, telling the work first; a late result is dropped', async () => {
  const clock = new FakeClock();
  const events: string[] = [];
  let finish: ((value: number) => void) | undefined;
  const pending = withDeadline(
    { operation: 'op', timeoutMs: 100, errors: ERRORS, timers: clock },
    (signal) => {
      signal.addEventListener('abort', () => events.push(`work told: ${String(signal.reason)}`));
      return new Promise<number>((resolve) => (finish = resolve));
    },
  );
  pending.catch((err: unknown) => events.push(`rejected: ${String(err)}`));
  clock.advance(99);
  await settle();
  assert.deepEqual(events, []);
  clock.advance(1);
  await settle();
  assert.deepEqual(events, [
    'work told: Error: op after 100 ms',
    'rejected: Error: op after 100 ms',
  ]);
  await assert.rejects(pending, Timeout);
  finish?.(7);
  await settle();
  assert.equal(clock.pending, 0);
});

test('resolves with the work; the timer and the abort listener are removed', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const signal = controller.signal;
  const value = await withDeadline(
    { operation: 'op', timeoutMs: 100, signal, errors: ERRORS, timers: clock },
    () => Promise.resolve('done'),
  );
  assert.equal(value, 'done');
  assert.equal(clock.pending, 0, 'timer cleared');
  assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listener removed');
  const failed = withDeadline(
    { operation: 'op', timeoutMs: 100, errors: ERRORS, timers: clock },
    () => Promise.reject(new Error('no')),
  );
  await assert.rejects(failed, /no/);
  assert.equal(clock.pending, 0, 'timer cleared on failure too');
});

test('aborts when the signal does, and at once when it already has', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let inner: AbortSignal | undefined;
  const pending = withDeadline(
    { operation: 'op', timeoutMs: 1_000, signal: controller.signal, errors: ERRORS, timers: clock },
    (signal) => {
      inner = signal;
      return new Promise(() => {});
    },
  );
  controller.abort('stop');
  await assert.rejects(pending, (err: unknown) => err instanceof Aborted && err.cause === 'stop');
  assert.equal(inner?.aborted, true);
  assert.equal(clock.pending, 0);
  let ran = false;
  await assert.rejects(
    withDeadline({ operation: 'op', signal: controller.signal, errors: ERRORS }, () => {
      ran = true;
      return Promise.resolve(1);
    }),
    Aborted,
  );
  assert.equal(ran, false, 'work does not start on an aborted signal');
});

test('no timeoutMs: no time limit; a bad one is a TypeError; a throwing work rejects', async () => {
  const clock = new FakeClock();
  let finish: (() => void) | undefined;
  const pending = withDeadline({ operation: 'op', errors: ERRORS, timers: clock }, () => {
    return new Promise<void>((resolve) => (finish = resolve));
  });
  assert.equal(clock.pending, 0, 'no timer');
  finish?.();
  await pending;
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    await assert.rejects(
      withDeadline({ operation: 'op', timeoutMs: bad, errors: ERRORS }, () => Promise.resolve(1)),
      (err: unknown) =>
        err instanceof TypeError && /op: timeoutMs must be a positive/.test(err.message),
    );
  }
  await assert.rejects(
    withDeadline({ operation: 'op', timeoutMs: 10, errors: ERRORS, timers: clock }, () => {
      throw new Error('sync');
    }),
    /sync/,
  );
  assert.equal(clock.pending, 0);
});

test('unref: a background deadline does not keep the process up', async () => {
  let unrefed = 0;
  const clock = new FakeClock();
  const timers = {
    setTimeout: (callback: () => void, ms: number) => {
      const handle = clock.setTimeout(callback, ms);
      return Object.assign(handle, { unref: () => (unrefed += 1) });
    },
    clearTimeout: (handle: object) => clock.clearTimeout(handle),
  };
  await withDeadline({ operation: 'op', timeoutMs: 10, errors: ERRORS, timers, unref: true }, () =>
    Promise.resolve(),
  );
  await withDeadline({ operation: 'op', timeoutMs: 10, errors: ERRORS, timers }, () =>
    Promise.resolve(),
  );
  assert.equal(unrefed, 1);
});

test('sleep waits on the given timers and rejects with the abort reason', async () => {
  const clock = new FakeClock();
  let woke = false;
  const nap = sleep(50, undefined, clock).then(() => (woke = true));
  clock.advance(49);
  await settle();
  assert.equal(woke, false);
  clock.advance(1);
  await nap;
  const controller = new AbortController();
  const cut = sleep(50, controller.signal, clock);
  controller.abort(new Error('closing'));
  await assert.rejects(cut, /closing/);
  assert.equal(clock.pending, 0);
  await assert.rejects(sleep(1, controller.signal, clock), /closing/);
});
