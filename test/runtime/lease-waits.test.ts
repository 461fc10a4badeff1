/**
 * A node's held `lease` calls of warm standbys (runtime/node/lease-waits.ts): answered at once
 * while the node holds the lease, on `wake` once it does, with `null` after the wait; once the
 * node closes, with `null` (held calls at once, later ones after the wait: no tight loop); the take-over hook runs only
 * with a config; and which process is a loaded warm standby.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseWaits } from '../../runtime/node/lease-waits.js';
import type { EndpointLaunchConfig } from '../../runtime/link/protocol.js';

const config = {
  endpoint: 'orders',
  node: 'a',
  fence: { url: 'etcd://h:2379', key: 'endpoint/orders', token: '7' },
} as unknown as EndpointLaunchConfig;

test('lease waits: at once when held, on wake, null after the wait or before the lease', async () => {
  const waits = new LeaseWaits();
  let takeovers = 0;
  const took = () => (takeovers += 1);
  assert.deepEqual(await waits.wait('orders', () => config, 1_000, took), { config });
  assert.equal(takeovers, 1);

  let held = false;
  const started = Date.now();
  const heldNow = () => (held ? config : undefined);
  assert.deepEqual(await waits.wait('orders', heldNow, 50, took), { config: null });
  assert.ok(Date.now() - started >= 45, 'held until the wait ended');
  assert.equal(takeovers, 1, 'no take-over without the config');

  const woken = waits.wait('orders', heldNow, 10_000, took);
  held = true;
  waits.wake('orders');
  assert.deepEqual(await woken, { config });
  assert.equal(takeovers, 2);

  // A wake without the lease held answers null: the standby asks again.
  held = false;
  const early = waits.wait('orders', heldNow, 10_000, took);
  waits.wake('orders');
  assert.deepEqual(await early, { config: null });
  assert.equal(takeovers, 2);
});

test('lease waits: closing answers the held calls; a later call waits, then gets null', async () => {
  const waits = new LeaseWaits();
  const pending = waits.wait('orders', () => undefined, 10_000);
  waits.close();
  assert.deepEqual(await pending, { config: null }, 'a held call is answered at close');
  // The later call's timer does not hold a stopping node up: this one holds the test's loop.
  const alive = setTimeout(() => undefined, 1_000);
  const started = Date.now();
  assert.deepEqual(await waits.wait('orders', () => config, 60), { config: null });
  assert.ok(Date.now() - started >= 55, 'not answered at once: no tight loop');
  clearTimeout(alive);
});

test('lease waits: a warm standby is the process that reported standing by', () => {
  const waits = new LeaseWaits();
  assert.equal(waits.isWarm('orders', 10), false);
  waits.report('orders', 10);
  assert.equal(waits.isWarm('orders', 10), true);
  assert.equal(waits.isWarm('orders', 11), false, 'a later process is not warm by the first');
  assert.equal(waits.isWarm('orders', undefined), false);
  waits.report('orders', 11);
  assert.equal(waits.isWarm('orders', 10), false);
  assert.equal(waits.isWarm('orders', 11), true);
});
