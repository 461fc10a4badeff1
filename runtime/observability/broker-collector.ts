/**
 * Metrics of the embedded broker (transports/broker), read from its handle at every scrape,
 * plus the fsync histogram fed by its `synced` events. At most `MAX_QUEUE_SERIES` queues get
 * their own series (the deepest first); the rest are summed under `queue="_other"`.
 */
import type { Registry } from 'prom-client';
import type { BrokerListener, BrokerStats, QueueStats } from '../../broker/index.js';
import { MAX_QUEUE_SERIES, OTHER_QUEUE } from './catalogue.js';
import { createCounter, createGauge, createHistogram } from './metric-factory.js';

/** The part of a `BrokerHandle` these metrics read. */
export interface BrokerStatsSource {
  stats(): BrokerStats;
  listen(listener: BrokerListener): () => void;
}

export interface BrokerCollectorOptions {
  /** Queues with their own series. @defaultValue MAX_QUEUE_SERIES */
  readonly maxQueues?: number;
}

type QueueField = keyof QueueStats;

/**
 * Registers the broker metrics on `registry`. Returns the function that stops listening to the
 * broker (call it when the broker closes; the gauges then read whatever the handle returns).
 */
export function collectBrokerMetrics(
  registry: Registry,
  broker: BrokerStatsSource,
  options: BrokerCollectorOptions = {},
): () => void {
  const maxQueues = options.maxQueues ?? MAX_QUEUE_SERIES;
  const byQueue = (field: QueueField): Map<string, number> => folded(broker.stats(), field);

  // Which queues get their own series is decided per scrape, deepest and busiest first.
  function folded(stats: BrokerStats, field: QueueField): Map<string, number> {
    const entries = Object.entries(stats.queues);
    const out = new Map<string, number>();
    if (entries.length <= maxQueues) {
      for (const [name, q] of entries) out.set(name, q[field]);
      return out;
    }
    const ranked = entries
      .slice()
      .sort((a, b) => b[1].depth - a[1].depth || b[1].enqueued - a[1].enqueued || cmp(a[0], b[0]));
    const own = new Set(ranked.slice(0, maxQueues).map(([name]) => name));
    let other = 0;
    for (const [name, q] of entries) {
      if (own.has(name)) out.set(name, q[field]);
      else other += q[field];
    }
    out.set(OTHER_QUEUE, other);
    return out;
  }

  createGauge(registry, 'aes_broker_connections', (g) => g.set(broker.stats().connections));
  createGauge(registry, 'aes_broker_queues', (g) =>
    g.set(Object.keys(broker.stats().queues).length),
  );
  createGauge(registry, 'aes_broker_store_bytes', (g) => g.set(broker.stats().storeBytes));
  createCounter(registry, 'aes_broker_quarantined_records_total', (c) => {
    c.reset();
    c.inc(broker.stats().quarantinedRecords);
  });
  createCounter(registry, 'aes_broker_store_failures_total', (c) => {
    c.reset();
    c.inc(broker.stats().storeFailures);
  });
  createGauge(registry, 'aes_broker_store_failing', (g) =>
    g.set(broker.stats().storeFailing ? 1 : 0),
  );
  const gauges: [string, QueueField][] = [
    ['aes_broker_queue_depth', 'depth'],
    ['aes_broker_queue_consumers', 'consumers'],
    ['aes_broker_queue_unacked', 'unacked'],
  ];
  for (const [name, field] of gauges) {
    createGauge(registry, name, (g) => {
      g.reset();
      for (const [queue, v] of byQueue(field)) g.set({ queue }, v);
    });
  }
  const counters: [string, QueueField][] = [
    ['aes_broker_enqueued_total', 'enqueued'],
    ['aes_broker_dequeued_total', 'dequeued'],
    ['aes_broker_redeliveries_total', 'redelivered'],
    ['aes_broker_dead_lettered_total', 'deadLettered'],
  ];
  for (const [name, field] of counters) {
    createCounter(registry, name, (c) => {
      c.reset();
      for (const [queue, v] of byQueue(field)) c.inc({ queue }, v);
    });
  }
  const fsync = createHistogram(registry, 'aes_broker_fsync_duration_seconds');
  const unreadable = createCounter(registry, 'aes_broker_unreadable_messages_total');
  return broker.listen({
    synced: ({ durationMs }) => fsync.observe(durationMs / 1000),
    unreadable: ({ destination }) => unreadable.inc({ queue: destination }),
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
