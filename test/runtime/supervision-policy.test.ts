/** Unit tests of the supervision policies with a fake clock: no processes, no timers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../../runtime/index.js';
import { EndpointLifecycle } from '../../runtime/supervisor/lifecycle.js';
import {
  HangDetector,
  describeHang,
  type HangReason,
} from '../../runtime/supervisor/hang-detector.js';
import { RestartPolicy } from '../../runtime/supervisor/restart-policy.js';
import { FakeClock } from './support/fake-clock.js';

test('restart policy: growing delays, then quarantine after N restarts within the window', () => {
  const clock = new FakeClock();
  const policy = new RestartPolicy({
    backoff: { initialMs: 1_000, maxMs: 8_000 },
    quarantine: { restarts: 3, windowMs: 60_000 },
    clock,
    random: () => 0.5, // no jitter
  });
  const decisions = [];
  for (let i = 0; i < 4; i += 1) {
    decisions.push(policy.onDeath(100));
    clock.advance(5_000);
  }
  assert.deepEqual(decisions, [
    { action: 'restart', delayMs: 1_000, restartsInWindow: 1 },
    { action: 'restart', delayMs: 2_000, restartsInWindow: 2 },
    { action: 'restart', delayMs: 4_000, restartsInWindow: 3 },
    { action: 'quarantine', restartsInWindow: 3, windowMs: 60_000 },
  ]);
  policy.reset();
  assert.equal(policy.restartsInWindow, 0);
  assert.deepEqual(policy.onDeath(100), { action: 'restart', delayMs: 1_000, restartsInWindow: 1 });
});

test('restart policy: restarts age out of the window; a stable run resets the backoff', () => {
  const clock = new FakeClock();
  const policy = new RestartPolicy({
    backoff: { initialMs: 1_000, maxMs: 8_000 },
    quarantine: { restarts: 2, windowMs: 10_000 },
    clock,
    random: () => 0.5,
  });
  assert.equal(policy.onDeath(10).action, 'restart');
  clock.advance(6_000);
  assert.equal(policy.onDeath(10).action, 'restart');
  clock.advance(6_000); // the first restart left the window
  const third = policy.onDeath(10);
  assert.deepEqual(third, { action: 'restart', delayMs: 4_000, restartsInWindow: 2 });
  clock.advance(20_000);
  // Ran 8 s (>= maxMs): the backoff starts over.
  assert.deepEqual(policy.onDeath(8_000), {
    action: 'restart',
    delayMs: 1_000,
    restartsInWindow: 1,
  });
});

test('lifecycle: legal moves pass, illegal ones throw and change nothing', () => {
  const clock = new FakeClock();
  const changes: string[] = [];
  const life = new EndpointLifecycle(
    'ep',
    () => clock.now(),
    (c) => changes.push(`${c.from}>${c.to}`),
  );
  assert.equal(life.state, 'stopped');
  life.transitionTo(['stopped'], 'starting', 'start');
  life.transitionTo(['starting'], 'running', 'spawned');
  life.transitionTo(['running'], 'backoff', 'died');
  assert.throws(() => life.transitionTo(['backoff'], 'running', 'skip starting'), StateError);
  assert.throws(() => life.transitionTo(['running'], 'starting', 'wrong from'), StateError);
  assert.equal(life.state, 'backoff');
  life.transitionTo(['backoff'], 'starting', 'timer');
  life.transitionTo(['starting'], 'failed', 'quarantined');
  assert.throws(() => life.transitionTo(['failed'], 'backoff', 'not by itself'), StateError);
  life.transitionTo(['failed'], 'starting', 'by hand');
  assert.deepEqual(changes, [
    'stopped>starting',
    'starting>running',
    'running>backoff',
    'backoff>starting',
    'starting>failed',
    'failed>starting',
  ]);
});

function detector(clock: FakeClock, hangs: HangReason[]): HangDetector {
  return new HangDetector({
    hangLimitMs: 1_000,
    checkIntervalMs: 100,
    clock,
    onHang: (reason) => hangs.push(reason),
  });
}

test('hang detector: silence beyond the limit is a hang; heartbeats keep it quiet', () => {
  const clock = new FakeClock();
  const hangs: HangReason[] = [];
  const d = detector(clock, hangs);
  d.start();
  for (let i = 0; i < 30; i += 1) {
    clock.advance(200);
    d.heartbeat();
  }
  assert.equal(hangs.length, 0);
  clock.advance(1_000);
  assert.equal(hangs.length, 0, 'exactly at the limit is not yet a hang');
  clock.advance(100);
  assert.equal(hangs.length, 1);
  assert.equal(hangs[0]?.kind, 'no-heartbeat');
  clock.advance(5_000);
  assert.equal(hangs.length, 1, 'fires once, then disarmed');
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('hang detector: a working step without headway is a hang, waiting steps are not', () => {
  const clock = new FakeClock();
  const hangs: HangReason[] = [];
  const d = detector(clock, hangs);
  d.start();
  d.progress('idle', clock.now());
  for (let i = 0; i < 50; i += 1) {
    clock.advance(100);
    d.heartbeat();
  }
  assert.equal(hangs.length, 0, 'idle for 5 s is fine');
  d.progress('popped', clock.now());
  for (let i = 0; i < 5; i += 1) {
    clock.advance(150);
    d.heartbeat();
    d.progress('popped', clock.now()); // each retry attempt is fresh headway
  }
  assert.equal(hangs.length, 0);
  d.progress('put', clock.now());
  for (let i = 0; i < 11; i += 1) {
    clock.advance(100);
    d.heartbeat();
  }
  assert.equal(hangs.length, 1);
  const reason = hangs[0] as HangReason;
  assert.equal(reason.kind, 'no-progress');
  assert.match(describeHang(reason), /^no headway in step 'put' for 1\d{3} ms$/);
  d.stop();
});

test('hang detector: a fresh process gets the start limit for its first report', () => {
  const clock = new FakeClock();
  const hangs: HangReason[] = [];
  const d = new HangDetector({
    hangLimitMs: 1_000,
    startLimitMs: 5_000,
    checkIntervalMs: 100,
    clock,
    onHang: (reason) => hangs.push(reason),
  });
  d.start();
  clock.advance(4_900);
  assert.equal(hangs.length, 0, 'still starting');
  d.heartbeat();
  clock.advance(1_200);
  assert.equal(hangs.length, 1, 'after the first report the hang limit applies');
  d.start(); // a restart: the start limit again
  clock.advance(5_200);
  assert.equal(hangs.length, 2);
});
