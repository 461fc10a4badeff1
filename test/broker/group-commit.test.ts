/** Group commit: receipted SENDs from one burst or from concurrent senders share fsynced transactions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, StompjsClient, testBroker } from './support.js';

test('a burst of 200 receipted SENDs is stored in a handful of transactions', async () => {
  const broker = await testBroker();
  try {
    const raw = await RawClient.connected(broker.port);
    const before = broker.storeTransactions();
    let burst = '';
    for (let i = 0; i < 200; i += 1)
      burst += `SEND\ndestination:/queue/burst\nreceipt:${i}\n\nm${i}\0`;
    raw.write(burst);
    await raw.waitForText('receipt-id:199\n');
    const used = broker.storeTransactions() - before;
    assert.ok(used >= 1 && used <= 10, `200 SENDs took ${used} transactions`);
    assert.equal(broker.queueDepths()['/queue/burst'], 200);
    raw.destroy();
  } finally {
    await broker.stop();
  }
});

test('concurrent one-at-a-time senders share syncs', async () => {
  const broker = await testBroker();
  try {
    const senders = await Promise.all(
      Array.from({ length: 10 }, () => StompjsClient.connect(broker.port)),
    );
    const before = broker.storeTransactions();
    await Promise.all(
      senders.map(async (c, s) => {
        for (let i = 0; i < 20; i += 1) await c.send('/queue/shared', `s${s}-${i}`);
      }),
    );
    const used = broker.storeTransactions() - before;
    assert.ok(used <= 150, `200 receipted SENDs from 10 senders took ${used} transactions`);
    assert.equal(broker.queueDepths()['/queue/shared'], 200);
    await Promise.all(senders.map((c) => c.close()));
  } finally {
    await broker.stop();
  }
});
