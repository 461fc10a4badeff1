/**
 * One prom-client registry per node, with everything its `/metrics` serves: the node's info,
 * the default process metrics, and the collectors the node wires up as its parts start.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { collectBrokerMetrics, type BrokerStatsSource } from './broker-collector.js';
import {
  collectClusterMetrics,
  type ClusterMetrics,
  type ClusterStatsSource,
} from './cluster-collector.js';
import { EndpointMetricsMerger } from './endpoint-merger.js';
import { createGauge } from './metric-factory.js';
import { SupervisorMetrics } from './supervisor-collector.js';
import { LineageMetrics } from './lineage-metrics.js';

export interface NodeMetricsOptions {
  /** The node's name (label of `aes_node_info`). */
  readonly node: string;
  /** The aes version (label of `aes_node_info`). */
  readonly version: string;
  /** Registers prom-client's default process metrics. @defaultValue true */
  readonly processMetrics?: boolean;
}

export class NodeMetrics {
  readonly registry = new Registry();
  /** Merges what endpoint processes report: call `merger.apply(name, message)`. */
  readonly endpoints: EndpointMetricsMerger;
  /** Pass as (or call from) the supervisor's `EndpointProcessListener`. */
  readonly supervisor: SupervisorMetrics;
  /** Lineage steps lost on their way to the node's index. */
  readonly lineage: LineageMetrics;
  readonly #unwatch: (() => void)[] = [];

  constructor(options: NodeMetricsOptions) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    createGauge(this.registry, 'aes_node_info').set(
      { name: options.node, version: options.version },
      1,
    );
    this.endpoints = new EndpointMetricsMerger(this.registry);
    this.supervisor = new SupervisorMetrics(this.registry);
    this.lineage = new LineageMetrics(this.registry);
  }

  /** Reads the kernel's counters at every scrape; returns what the kernel reports as it goes. */
  watchCluster(source: ClusterStatsSource): ClusterMetrics {
    return collectClusterMetrics(this.registry, source);
  }

  /** Reads the embedded broker at every scrape and observes its fsyncs. */
  watchBroker(broker: BrokerStatsSource): void {
    this.#unwatch.push(collectBrokerMetrics(this.registry, broker));
  }

  /**
   * `aes_node_broker_up` from `up` at every scrape: 1 usable, 0 not, no sample while unknown.
   */
  watchBrokerUp(up: () => boolean | undefined): void {
    createGauge(this.registry, 'aes_node_broker_up', (gauge) => {
      const value = up();
      if (value === undefined) gauge.remove({});
      else gauge.set(value ? 1 : 0);
    });
  }

  /** The content type to send with {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in Prometheus' text format (the body of `/metrics`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops following the broker and the process metrics' event-loop monitor. Idempotent. */
  close(): void {
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    this.registry.clear();
  }
}
