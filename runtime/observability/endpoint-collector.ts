/**
 * Prometheus metrics of endpoints (prom-client), kept in the endpoint process: an
 * `EndpointListener` that any number of endpoints attach to. The process's `MetricsReporter`
 * snapshots this registry to its node, which merges it into its `/metrics`
 * (`EndpointMetricsMerger`); every name is in the catalogue and docs/metrics.md.
 */
import { Registry, type Counter, type Gauge, type Histogram } from 'prom-client';
import type {
  CallEvent,
  CounterEvent,
  EndpointListener,
  LatencyEvent,
  EndpointStep,
  StepEvent,
} from '../endpoint/progress.js';
import {
  CALL_BUCKETS_S,
  ENDPOINT_EVENTS,
  MAX_OPERATION_SERIES,
  OTHER_OPERATION,
} from './catalogue.js';
import { createCounter, createGauge, createHistogram } from './metric-factory.js';

/** Buckets of the web-service call histogram, in seconds (5 ms to 60 s). */
export const CALL_DURATION_BUCKETS_S: readonly number[] = CALL_BUCKETS_S;

export interface EndpointMetricsOptions {
  /** Where the metrics are registered. @defaultValue a new `Registry` */
  readonly registry?: Registry;
  /** Clock for the step age, in ms. @defaultValue Date.now */
  readonly now?: () => number;
}

export class EndpointMetrics implements EndpointListener {
  readonly registry: Registry;
  private readonly events: Counter;
  private readonly calls: Histogram;
  private readonly latencies: Histogram;
  private readonly heartbeats: Gauge;
  private readonly steps = new Map<string, { step: EndpointStep; sinceMs: number }>();
  private readonly operations = new Map<string, Set<string>>();

  constructor(options: EndpointMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const now = options.now ?? Date.now;
    // Names, help and buckets come from the catalogue (runtime/observability/catalogue.ts).
    this.events = createCounter(this.registry, 'aes_endpoint_events_total');
    this.calls = createHistogram(this.registry, 'aes_endpoint_call_duration_seconds');
    this.latencies = createHistogram(this.registry, 'aes_endpoint_record_latency_seconds');
    this.heartbeats = createGauge(this.registry, 'aes_endpoint_last_heartbeat_seconds');
    const steps = this.steps;
    createGauge(this.registry, 'aes_endpoint_step_age_seconds', (gauge) => {
      gauge.reset();
      const at = now();
      for (const [endpoint, { step, sinceMs }] of steps) {
        gauge.set({ endpoint, step }, Math.max(0, (at - sinceMs) / 1000));
      }
    });
  }

  /** Makes every event counter of `endpoint` exist at zero, so rate() works from the start. */
  add(endpoint: string): void {
    for (const event of ENDPOINT_EVENTS) this.events.inc({ endpoint, event }, 0);
  }

  step(event: StepEvent): void {
    this.steps.set(event.endpoint, { step: event.step, sinceMs: event.sinceMs });
  }

  counter(event: CounterEvent): void {
    this.events.inc({ endpoint: event.endpoint, event: event.counter }, event.delta);
  }

  latency(event: LatencyEvent): void {
    this.latencies.observe({ endpoint: event.endpoint }, event.latencyMs / 1000);
  }

  call(event: CallEvent): void {
    this.calls.observe(
      {
        endpoint: event.endpoint,
        operation: this.operationLabel(event.endpoint, event.operation),
        outcome: event.outcome,
      },
      event.durationMs / 1000,
    );
  }

  /** The operation as a label: the first `MAX_OPERATION_SERIES` per endpoint, then `_other`. */
  private operationLabel(endpoint: string, operation: string): string {
    let seen = this.operations.get(endpoint);
    if (seen === undefined) this.operations.set(endpoint, (seen = new Set()));
    if (seen.has(operation)) return operation;
    if (seen.size >= MAX_OPERATION_SERIES) return OTHER_OPERATION;
    seen.add(operation);
    return operation;
  }

  heartbeat(event: { readonly endpoint: string; readonly atMs: number }): void {
    this.heartbeats.set({ endpoint: event.endpoint }, event.atMs / 1000);
  }

  /** The metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
