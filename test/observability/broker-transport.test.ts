/**
 * Broker and transport metrics against a real embedded broker with real STOMP traffic: the node
 * watches the broker, two "endpoint processes" (each its own registry) follow their transports
 * and report to the node, and the node's exposition passes `promtool check metrics`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createTransport, type Destination } from '../../transports/index.js';
import { startBroker } from '../../broker/index.js';
import {
  NodeMetrics,
  TransportMetrics,
  collectBrokerMetrics,
  snapshotEndpointMetrics,
} from '../../runtime/observability/index.js';
import { waitFor } from '../runtime/support/helpers.js';
import { assertPromtoolClean, checkMetrics, promtoolSkipReason } from './promtool.js';
import { sample } from './support.js';

test('embedded broker and STOMP transport metrics, merged into one node scrape', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aes-observe-broker-'));
  const broker = await startBroker({ dataDir, port: 0, host: '127.0.0.1' });
  const node = new NodeMetrics({ node: 'n1', version: '0.0.0-test' });
  node.watchBroker(broker);
  const queue: Destination = `/queue/observe-${randomUUID()}`;
  const outRegistry = new Registry();
  const inRegistry = new Registry();
  const producer = createTransport(broker.url, { redeliveryDelayMs: 10 });
  const consumer = createTransport(broker.url, { redeliveryDelayMs: 10 });
  new TransportMetrics(outRegistry).attach(producer, 'orders-out');
  new TransportMetrics(inRegistry).attach(consumer, 'orders-in');
  try {
    await producer.connect({ timeoutMs: 10_000 });
    await consumer.connect({ timeoutMs: 10_000 });
    for (let i = 1; i <= 5; i += 1) {
      await producer.publish(queue, `record ${i}`, { messageId: `orders-out:${i}` });
    }
    let acked = 0;
    let failedOnce = false;
    await consumer.subscribe(queue, (message) => {
      if (message.messageId === 'orders-out:2' && !failedOnce) {
        failedOnce = true;
        return Promise.reject(new Error('target down'));
      }
      acked += 1;
      return Promise.resolve();
    });
    await waitFor('5 acked', () => acked === 5);
    const q = queue.slice('/queue/'.length);
    const name = broker.stats().queues[queue] !== undefined ? queue : q;
    await waitFor('acks applied', () => broker.stats().queues[name]?.dequeued === 5);

    for (const [endpoint, registry] of [
      ['orders-out', outRegistry],
      ['orders-in', inRegistry],
    ] as const) {
      // As over the link: JSON there and back.
      const message: unknown = JSON.parse(
        JSON.stringify(await snapshotEndpointMetrics(endpoint, registry)),
      );
      node.endpoints.apply(endpoint, message);
    }
    const text = await node.text();
    const label = `queue="${name}"`;
    assert.equal(sample(text, `aes_broker_enqueued_total{${label}}`), 5);
    assert.equal(sample(text, `aes_broker_dequeued_total{${label}}`), 5);
    assert.equal(sample(text, `aes_broker_redeliveries_total{${label}}`), 1);
    assert.equal(sample(text, `aes_broker_dead_lettered_total{${label}}`), 0);
    assert.equal(sample(text, `aes_broker_queue_depth{${label}}`), 0);
    assert.equal(sample(text, `aes_broker_queue_consumers{${label}}`), 1);
    assert.equal(sample(text, 'aes_broker_connections'), 2);
    assert.ok(sample(text, 'aes_broker_store_bytes') > 0);
    // Every publish and ack is journaled: at least one fsync, each observed.
    assert.ok(sample(text, 'aes_broker_fsync_duration_seconds_count') >= 1);
    assert.equal(
      sample(text, 'aes_broker_fsync_duration_seconds_count'),
      broker.stats().storeSyncs,
    );
    const out = 'endpoint="orders-out",transport="stomp"';
    assert.equal(sample(text, `aes_transport_confirm_duration_seconds_count{${out}}`), 5);
    assert.equal(sample(text, `aes_transport_state{${out},state="connected"}`), 1);
    assert.equal(sample(text, `aes_transport_state{${out},state="reconnecting"}`), 0);
    assert.equal(sample(text, `aes_transport_reconnects_total{${out}}`), 0);
    assert.equal(
      sample(text, 'aes_transport_state{endpoint="orders-in",transport="stomp",state="connected"}'),
      1,
    );
    assert.equal(sample(text, 'aes_node_info{name="n1",version="0.0.0-test"}'), 1);
    assert.ok(sample(text, 'process_cpu_user_seconds_total') > 0);

    // More queues than series allowed: the rest are summed under `_other`.
    const folded = new Registry();
    const other: Destination = `/queue/observe-other-${randomUUID()}`;
    await producer.publish(other, 'x');
    const stop = collectBrokerMetrics(folded, broker, { maxQueues: 1 });
    const foldedText = await folded.metrics();
    stop();
    assert.equal(sample(foldedText, 'aes_broker_queue_depth{queue="_other"}'), 0);
    assert.equal(sample(foldedText, 'aes_broker_enqueued_total{queue="_other"}'), 5);
    assert.equal(sample(foldedText, 'aes_broker_queues'), 2);

    const skip = promtoolSkipReason();
    if (skip !== false) {
      t.skip(skip);
      return;
    }
    assertPromtoolClean(text);
    // And a parse error is caught: the check can fail.
    assert.equal(checkMetrics('aes_broken{queue="x" 1\n').ok, false);
  } finally {
    await consumer.close();
    await producer.close();
    node.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
