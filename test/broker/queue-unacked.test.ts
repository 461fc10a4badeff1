/** `stats().queues[q].unacked`: delivered and not yet acknowledged, apart from `depth`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StompjsClient, testBroker, waitFor } from './support.js';

test('a queue counts its unacked messages apart from the ready ones', async () => {
  const broker = await testBroker();
  const producer = await StompjsClient.connect(broker.port);
  const consumer = await StompjsClient.connect(broker.port);
  try {
    for (let i = 0; i < 5; i++) await producer.send('/queue/q', `m${i}`);
    const stats = () => broker.stats().queues['/queue/q'];
    assert.deepEqual([stats()?.depth, stats()?.unacked], [5, 0]);
    const sub = consumer.subscribe('/queue/q', {
      ack: 'client-individual',
      'activemq.prefetchSize': '2',
    });
    await waitFor('two delivered', () => sub.received.length === 2);
    await waitFor('2 unacked, 3 ready', () => stats()?.unacked === 2 && stats()?.depth === 3);
    sub.received[0]?.ack();
    await waitFor('a third delivered', () => sub.received.length === 3);
    await waitFor('still 2 unacked, 2 ready', () => stats()?.unacked === 2 && stats()?.depth === 2);
    // The consumer gone: its unacked messages are ready again.
    await consumer.close();
    await waitFor('4 ready, none unacked', () => stats()?.unacked === 0 && stats()?.depth === 4);
  } finally {
    await producer.close();
    await consumer.close();
    await broker.stop();
  }
});
