/**
 * A queued message the store cannot give back for delivery is reported (the node logs it as an
 * error and counts it in `aes_broker_unreadable_messages_total`) instead of vanishing silently.
 * Here the record is removed behind the router's back, as the journal-order bug of 2e0cf75 made
 * a message unreadable for a moment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MessageStore } from '../../broker/store.js';
import { Router, type UnreadableMessage } from '../../broker/router.js';
import { BrokerSubscription, type SubscriberConnection } from '../../broker/subscription.js';
import { collectBrokerMetrics } from '../../runtime/observability/broker-collector.js';
import type { BrokerListener, BrokerStats } from '../../broker/index.js';
import { sample } from '../observability/support.js';
import { tempDir } from './support.js';

test('a queued message missing from the store is reported, not delivered', async () => {
  const dir = tempDir();
  // Stored and closed first: a router loads what LMDB holds, as at a start.
  const first = await MessageStore.open(dir.path);
  const record = { messageId: 'm-1', deliveries: 0, headers: [], body: Buffer.from('one') };
  await first.append('/queue/a', 1, record);
  await first.append('/queue/a', 2, { ...record, messageId: 'm-2' });
  await first.close();
  const store = await MessageStore.open(dir.path);
  try {
    const events: UnreadableMessage[] = [];
    const router = new Router(store, {
      maxDeliveries: 5,
      deadLetterSuffix: '.dlq',
      onUnreadable: (e) => events.push(e),
    });
    // Gone behind the router's back: its queue still lists it.
    await store.remove('/queue/a', 1);
    const sent: string[] = [];
    const connection: SubscriberConnection = {
      isWritable: () => true,
      sendMessage: (_subscription, message) => sent.push(message.messageId),
      failSlowConsumer: () => assert.fail('not a topic'),
    };
    router.subscribe(new BrokerSubscription('s', '/queue/a', 'client-individual', 10, connection));
    assert.deepEqual(sent, ['m-2'], 'the readable message is still delivered');
    assert.deepEqual(events, [
      // Never delivered: the queue knew it by its sequence number only.
      { destination: '/queue/a', seq: 1, reason: 'is not in the store' },
    ]);
    router.stop();
  } finally {
    await store.close();
    dir.remove();
  }
});

test('the node counts unreadable messages per queue', async () => {
  let listener: BrokerListener | undefined;
  const stats: BrokerStats = {
    connections: 0,
    queues: {},
    storeBytes: 0,
    storeSyncs: 0,
    quarantinedRecords: 0,
    storeFailures: 0,
    storeFailing: false,
    storeMapReleases: 0,
  };
  const registry = new Registry();
  const stop = collectBrokerMetrics(registry, {
    stats: () => stats,
    listen: (l) => {
      listener = l;
      return () => undefined;
    },
  });
  const event = { destination: '/queue/a', seq: 1, messageId: 'm-1', reason: 'x' };
  listener?.unreadable?.(event);
  listener?.unreadable?.(event);
  const text = await registry.metrics();
  stop();
  assert.equal(sample(text, 'aes_broker_unreadable_messages_total{queue="/queue/a"}'), 2);
});
