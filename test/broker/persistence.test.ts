/**
 * Restart persistence (in-process, clean close): queued and unacked messages survive, unacked
 * ones come back marked redelivered with their delivery count, and order is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StompjsClient, sleep, tempDir, testBroker, waitFor } from './support.js';

test('queued and unacked messages survive a restart, in order, with delivery counts', async () => {
  const dir = tempDir('aes-broker-restart-');
  try {
    const dest = '/queue/restart';
    const a = await testBroker({ dataDir: dir.path });
    const producer = await StompjsClient.connect(a.port);
    for (let i = 0; i < 10; i += 1) await producer.send(dest, `m${i}`);
    const consumer = await StompjsClient.connect(a.port);
    const s = consumer.subscribe(dest, { ack: 'client-individual', 'prefetch-count': '4' });
    await waitFor('four deliveries', () => s.received.length === 4);
    s.received[0]?.ack();
    s.received[1]?.ack();
    // The window reopens: m4 and m5 are delivered too, and left unacked.
    await waitFor('six deliveries', () => s.received.length === 6);
    await sleep(100);
    await a.close();
    await consumer.kill();
    await producer.kill();

    const b = await testBroker({ dataDir: dir.path });
    try {
      assert.deepEqual(b.queueDepths(), { [dest]: 8 });
      const c = await StompjsClient.connect(b.port);
      await c.send(dest, 'after restart');
      const s2 = c.subscribe(dest, { ack: 'client-individual' });
      await waitFor('nine messages', () => s2.received.length === 9);
      assert.deepEqual(
        s2.received.map((m) => m.body),
        ['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'after restart'],
      );
      assert.deepEqual(
        s2.received.map((m) => m.headers['delivery-count']),
        ['2', '2', '2', '2', '1', '1', '1', '1', '1'],
      );
      assert.equal(s2.received[0]?.headers.redelivered, 'true');
      assert.equal(s2.received[4]?.headers.redelivered, 'false');
      for (const m of s2.received) m.ack();
      await sleep(200);
      await c.close();
    } finally {
      await b.close();
    }
    const empty = await testBroker({ dataDir: dir.path });
    assert.deepEqual(empty.queueDepths(), {}, 'acked messages are deleted from the store');
    await empty.close();
  } finally {
    dir.remove();
  }
});
