/** A supervisor of several real endpoint processes: status, control by name, stop all. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Supervisor, UnknownEndpointError } from '../../runtime/supervisor/supervisor.js';
import type { EndpointState } from '../../runtime/supervisor/lifecycle.js';
import { waitFor } from './support/helpers.js';

const CHILD = new URL('./fixtures/endpoint-child.mjs', import.meta.url).pathname;

test('status lists every endpoint; start, stop and restart by name; a quarantine is visible', async () => {
  const changes: string[] = [];
  const supervisor = new Supervisor({
    listener: {
      stateChange: (c) => changes.push(`${c.endpoint}:${c.to}`),
    },
  });
  const settings = {
    hangLimitMs: 10_000,
    startLimitMs: 15_000,
    restartBackoff: { initialMs: 20, maxMs: 50 },
    quarantine: { restarts: 2, windowMs: 60_000 },
    killGraceMs: 2_000,
  };
  const command = process.execPath;
  supervisor.add({ name: 'orders-out', command, args: [CHILD, 'heartbeat'], settings });
  supervisor.add({ name: 'broken', command, args: [CHILD, 'exit', '4'], settings });
  supervisor.add({ name: 'orders-in', command, args: [CHILD, 'heartbeat'], settings });
  assert.throws(() => supervisor.add({ name: 'broken', command, settings }), /already supervised/);
  try {
    assert.deepEqual(supervisor.names(), ['broken', 'orders-in', 'orders-out']);
    await supervisor.startAll();
    await waitFor('broken quarantined', () => supervisor.get('broken')?.state === 'failed');
    const byName = (): Record<string, EndpointState> =>
      Object.fromEntries(supervisor.status().map((s) => [s.name, s.state]));
    assert.deepEqual(byName(), {
      broken: 'failed',
      'orders-in': 'running',
      'orders-out': 'running',
    });
    const broken = supervisor.status()[0];
    assert.equal(broken?.restarts, 2);
    assert.equal(broken?.lastError, 'exited: exit code 4');

    await supervisor.stop('orders-in');
    assert.equal(supervisor.get('orders-in')?.state, 'stopped');
    const pid = supervisor.get('orders-out')?.snapshot().pid;
    await supervisor.restart('orders-out');
    assert.equal(supervisor.get('orders-out')?.state, 'running');
    assert.notEqual(supervisor.get('orders-out')?.snapshot().pid, pid);
    await supervisor.start('orders-in');
    assert.equal(supervisor.get('orders-in')?.state, 'running');

    assert.throws(() => supervisor.getOrThrow('nope'), UnknownEndpointError);
    await assert.rejects(
      supervisor.restart('nope'),
      /no endpoint 'nope' \(known: broken, orders-in, orders-out\)/,
    );
  } finally {
    await supervisor.close();
  }
  assert.deepEqual(
    supervisor.status().map((s) => s.state),
    ['stopped', 'stopped', 'stopped'],
  );
  assert.ok(changes.includes('broken:failed'));
  assert.equal(supervisor.close(), supervisor.close(), 'close() returns the same promise');
});

test('remove stops an endpoint for good, even against a restart under way, and frees its name', async () => {
  const supervisor = new Supervisor();
  const settings = {
    hangLimitMs: 10_000,
    startLimitMs: 15_000,
    restartBackoff: { initialMs: 20, maxMs: 50 },
    quarantine: { restarts: 2, windowMs: 60_000 },
    killGraceMs: 2_000,
  };
  const command = process.execPath;
  const old = supervisor.add({ name: 'orders-in', command, args: [CHILD, 'heartbeat'], settings });
  try {
    await supervisor.startAll();
    const pid = old.snapshot().pid;
    // A restart asked for just before: its start must not revive the removed process.
    const restarting = supervisor.restart('orders-in');
    const removing = supervisor.remove('orders-in');
    assert.deepEqual(supervisor.names(), ['orders-in'], 'listed until it has stopped');
    await Promise.all([restarting, removing]);
    assert.equal(old.state, 'stopped');
    assert.deepEqual(supervisor.names(), []);
    await old.start();
    assert.equal(old.state, 'stopped', 'a retired process never starts again');
    await assert.rejects(supervisor.remove('orders-in'), UnknownEndpointError);

    const renewed = supervisor.add({
      name: 'orders-in',
      command,
      args: [CHILD, 'heartbeat'],
      settings,
    });
    await supervisor.start('orders-in');
    assert.equal(renewed.state, 'running');
    assert.notEqual(renewed.snapshot().pid, pid);
  } finally {
    await supervisor.close();
  }
});
