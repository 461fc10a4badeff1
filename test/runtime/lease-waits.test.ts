/**
 * A node's held `lease` calls of warm standbys (runtime/node/lease-waits.ts): answered at once
 * while the node holds the lease, on `wake` once it does, with `null` after the wait or when the
 * node closes; and which process is a loaded warm standby.
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

test('lease waits: at once when held, on wake, null after the wait and on close', async () => {
  const waits = new LeaseWaits();
  assert.deepEqual(await waits.wait('orders', () => config, 1_000), { config });

  let held = false;
  const started = Date.now();
  assert.deepEqual(await waits.wait('orders', () => (held ? config : undefined), 50), {
    config: null,
  });
  assert.ok(Date.now() - started >= 45, 'held until the wait ended');

  const woken = waits.wait('orders', () => (held ? config : undefined), 10_000);
  const other = waits.wait('invoices', () => undefined, 10_000);
  held = true;
  waits.wake('orders');
  assert.deepEqual(await woken, { config });

  // A wake without the lease held answers null: the standby asks again.
  held = false;
  const early = waits.wait('orders', () => (held ? config : undefined), 10_000);
  waits.wake('orders');
  assert.deepEqual(await early, { config: null });

  waits.close();
  assert.deepEqual(await other, { config: null });
  assert.deepEqual(await waits.wait('invoices', () => undefined, 10_000), { config: null });
});

test('lease waits: a warm standby is the process that said it is loaded', () => {
  const waits = new LeaseWaits();
  assert.equal(waits.isWarm('orders', 10), false);
  waits.report('orders', 10, false);
  assert.equal(waits.isWarm('orders', 10), false);
  waits.report('orders', 10, true);
  assert.equal(waits.isWarm('orders', 10), true);
  assert.equal(waits.isWarm('orders', 11), false, 'a later process is not warm by the first');
  assert.equal(waits.isWarm('orders', undefined), false);
  waits.report('orders', 10, false);
  assert.equal(waits.isWarm('orders', 10), false);
});
