/**
 * The process runner with real child processes: crash loops, hangs (busy loop, no headway),
 * SIGTERM ignored, graceful stop. The fixture reports over stdout (test-only stand-in for the
 * cluster link).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EndpointProcess,
  type EndpointProcessSettings,
} from '../../runtime/supervisor/endpoint-process.js';
import type { EndpointState } from '../../runtime/supervisor/lifecycle.js';
import { waitFor } from './support/helpers.js';

const CHILD = new URL('./fixtures/endpoint-child.mjs', import.meta.url).pathname;

const SETTINGS: EndpointProcessSettings = {
  hangLimitMs: 1_000,
  // Node's start-up on a loaded machine can take longer than the hang limit.
  startLimitMs: 15_000,
  restartBackoff: { initialMs: 20, maxMs: 100 },
  quarantine: { restarts: 3, windowMs: 60_000 },
  killGraceMs: 400,
};

interface Observed {
  readonly states: EndpointState[];
  readonly lines: string[];
  readonly exits: string[];
}

function run(
  mode: readonly string[],
  settings: Partial<EndpointProcessSettings> = {},
): EndpointProcess & Observed {
  const states: EndpointState[] = [];
  const lines: string[] = [];
  const exits: string[] = [];
  const proc: EndpointProcess = new EndpointProcess({
    name: 'ep',
    command: process.execPath,
    args: [CHILD, ...mode],
    settings: { ...SETTINGS, ...settings },
    listener: {
      stateChange: (c) => states.push(c.to),
      output: ({ line }) => {
        lines.push(line);
        if (line === 'HB') proc.reports.heartbeat();
        const step = /^STEP (\S+) (\d+)$/.exec(line);
        if (step !== null) proc.reports.progress(step[1] as string, Number(step[2]));
      },
      exit: ({ code, signal }) => exits.push(signal ?? String(code)),
    },
  });
  return Object.assign(proc, { states, lines, exits });
}

test('a crash-looping endpoint is restarted with backoff, then quarantined as failed', async () => {
  await using proc = run(['exit', '3']);
  await proc.start();
  await waitFor('quarantine', () => proc.state === 'failed', 20_000);
  const snapshot = proc.snapshot();
  assert.equal(snapshot.restarts, 3);
  assert.equal(snapshot.lastError, 'exited: exit code 3');
  assert.deepEqual(proc.exits, ['3', '3', '3', '3']);
  assert.deepEqual(proc.states.slice(0, 3), ['starting', 'running', 'backoff']);
  assert.equal(proc.states.at(-1), 'failed');
  // It stays failed: nothing restarts it by itself.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(proc.state, 'failed');
  assert.equal(proc.exits.length, 4);
  // Started by hand, it gets a fresh history (and crash-loops again here).
  await proc.start();
  assert.equal(proc.snapshot().restarts, 0);
  await waitFor('quarantine again', () => proc.state === 'failed', 20_000);
  assert.equal(proc.exits.length, 8);
});

test('a busy-looping endpoint is killed and restarted within its hang limit plus 2 s', async () => {
  await using proc = run(['busy', '200']);
  await proc.start();
  const firstPid = proc.snapshot().pid;
  await waitFor('the spin', () => proc.lines.includes('SPIN'), 10_000);
  const spinAt = Date.now();
  await waitFor(
    'a restart',
    () => proc.state === 'running' && proc.snapshot().pid !== firstPid,
    SETTINGS.hangLimitMs + 5_000,
  );
  const tookMs = Date.now() - spinAt;
  assert.ok(tookMs <= SETTINGS.hangLimitMs + 2_000, `restarted after ${tookMs} ms`);
  // The handler for SIGTERM cannot run in a busy loop: SIGKILL after the grace period ended it.
  assert.deepEqual(proc.exits, ['SIGKILL']);
  assert.match(proc.snapshot().lastError ?? '', /^hung: no heartbeat for \d+ ms$/);
  assert.deepEqual(proc.states.slice(0, 5), [
    'starting',
    'running',
    'stopping',
    'backoff',
    'starting',
  ]);
});

test('an endpoint stuck in one working step is killed and restarted', async () => {
  await using proc = run(['stuck']);
  await proc.start();
  await waitFor('a restart', () => proc.snapshot().restarts === 1, 10_000);
  assert.match(proc.snapshot().lastError ?? '', /^hung: no headway in step 'put' for \d+ ms$/);
  assert.deepEqual(proc.exits, ['SIGTERM'], 'SIGTERM ended it, no SIGKILL needed');
});

test('stop(): SIGTERM drains and the state ends stopped; a process ignoring it gets SIGKILL', async () => {
  {
    await using proc = run(['heartbeat']);
    await proc.start();
    await waitFor('a heartbeat', () => proc.lines.includes('HB'));
    const snapshot = proc.snapshot();
    assert.equal(snapshot.state, 'running');
    assert.ok(snapshot.pid !== undefined);
    await proc.stop();
    assert.equal(proc.state, 'stopped');
    assert.ok(proc.lines.includes('TERM'));
    assert.deepEqual(proc.exits, ['0']);
    assert.deepEqual(proc.states, ['starting', 'running', 'stopping', 'stopped']);
  }
  {
    await using proc = run(['ignore-term']);
    await proc.start();
    await waitFor('a heartbeat', () => proc.lines.includes('HB'));
    const started = Date.now();
    await proc.stop();
    assert.ok(Date.now() - started >= (SETTINGS.killGraceMs ?? 0) - 50);
    assert.ok(proc.lines.includes('TERM ignored'));
    assert.deepEqual(proc.exits, ['SIGKILL']);
    assert.equal(proc.state, 'stopped');
  }
});

test('an endpoint exiting on its own is restarted; a missing program is reported', async () => {
  {
    await using proc = run(['exit', '0'], { quarantine: { restarts: 2, windowMs: 60_000 } });
    await proc.start();
    await waitFor('quarantine', () => proc.state === 'failed', 10_000);
    assert.deepEqual(proc.exits, ['0', '0', '0']);
    await proc.stop();
    assert.equal(proc.state, 'stopped');
  }
  {
    await using proc = new EndpointProcess({
      name: 'missing',
      command: '/nonexistent/aes-endpoint',
      settings: { ...SETTINGS, quarantine: { restarts: 1, windowMs: 60_000 } },
    });
    await proc.start();
    await waitFor('quarantine', () => proc.state === 'failed', 10_000);
    assert.match(proc.snapshot().lastError ?? '', /^cannot start missing: .*ENOENT/);
  }
});

test('stoppedOnRequest: a stop by hand, while it drains and after; not a restart, not after a start', async () => {
  await using proc = run(['ignore-term']);
  await proc.start();
  await waitFor('a heartbeat', () => proc.lines.includes('HB'));
  assert.equal(proc.stoppedOnRequest, false);
  const stopped = proc.stop();
  // SIGTERM is ignored: it drains for the kill grace (400 ms).
  assert.equal(proc.state, 'stopping');
  assert.equal(proc.stoppedOnRequest, true);
  await stopped;
  assert.equal(proc.state, 'stopped');
  assert.equal(proc.stoppedOnRequest, true);
  await proc.start();
  await waitFor('a heartbeat again', () => proc.lines.filter((l) => l === 'HB').length >= 2);
  assert.equal(proc.stoppedOnRequest, false);
  const restarted = proc.restart();
  assert.equal(proc.state, 'stopping');
  assert.equal(proc.stoppedOnRequest, false, 'a restart stops it only to start it again');
  await restarted;
  assert.equal(proc.state, 'running');
  assert.equal(proc.stoppedOnRequest, false);
});
