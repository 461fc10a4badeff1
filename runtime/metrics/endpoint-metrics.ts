/**
 * Prometheus metrics of endpoints (prom-client): an `EndpointListener` that any number of
 * endpoints attach to. The node's `/metrics` will serve its registry; every name is listed in
 * docs/endpoints.md.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type {
  CallEvent,
  CounterEvent,
  EndpointListener,
  EndpointStep,
  StepEvent,
} from '../endpoint/progress.js';

/** Buckets of the web-service call histogram, in seconds (5 ms to 60 s). */
export const CALL_DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface EndpointMetricsOptions {
  /** Where the metrics are registered. @defaultValue a new `Registry` */
  readonly registry?: Registry;
  /** Clock for the step age, in ms. @defaultValue Date.now */
  readonly now?: () => number;
}

export class EndpointMetrics implements EndpointListener {
  readonly registry: Registry;
  private readonly events: Counter<'endpoint' | 'event'>;
  private readonly calls: Histogram<'endpoint' | 'operation' | 'outcome'>;
  private readonly heartbeats: Gauge<'endpoint'>;
  private readonly steps = new Map<string, { step: EndpointStep; sinceMs: number }>();

  constructor(options: EndpointMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const now = options.now ?? Date.now;
    const registers = [this.registry];
    this.events = new Counter({
      name: 'aes_endpoint_events_total',
      help: 'Endpoint events by kind: popped, published, confirmed, completed, received, delivered, acked, nacked, deadLettered, deduplicated, errors.',
      labelNames: ['endpoint', 'event'],
      registers,
    });
    this.calls = new Histogram({
      name: 'aes_endpoint_call_duration_seconds',
      help: 'Duration of web-service calls by operation and outcome (ok, error, timeout, aborted).',
      labelNames: ['endpoint', 'operation', 'outcome'],
      buckets: CALL_DURATION_BUCKETS_S,
      registers,
    });
    this.heartbeats = new Gauge({
      name: 'aes_endpoint_last_heartbeat_seconds',
      help: "Unix time of the endpoint's last heartbeat.",
      labelNames: ['endpoint'],
      registers,
    });
    const steps = this.steps;
    new Gauge({
      name: 'aes_endpoint_step_age_seconds',
      help: 'How long the endpoint has been in its current step (the in-flight age while working).',
      labelNames: ['endpoint', 'step'],
      registers,
      collect() {
        this.reset();
        const at = now();
        for (const [endpoint, { step, sinceMs }] of steps) {
          this.set({ endpoint, step }, Math.max(0, (at - sinceMs) / 1000));
        }
      },
    });
  }

  step(event: StepEvent): void {
    this.steps.set(event.endpoint, { step: event.step, sinceMs: event.sinceMs });
  }

  counter(event: CounterEvent): void {
    this.events.inc({ endpoint: event.endpoint, event: event.counter }, event.delta);
  }

  call(event: CallEvent): void {
    this.calls.observe(
      { endpoint: event.endpoint, operation: event.operation, outcome: event.outcome },
      event.durationMs / 1000,
    );
  }

  heartbeat(event: { readonly endpoint: string; readonly atMs: number }): void {
    this.heartbeats.set({ endpoint: event.endpoint }, event.atMs / 1000);
  }

  /** The metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
