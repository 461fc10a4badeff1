/**
 * Transport metrics from a transport's typed events (`TransportListener`): connection state,
 * reconnects, errors, warnings and the broker's confirmation latency. One `TransportMetrics` per
 * registry; attach every transport of the process, each under its endpoint's name.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Transport, TransportListener } from '../../transports/index.js';
import { TRANSPORT_STATES } from './catalogue.js';
import { createCounter, createGauge, createHistogram, setState } from './metric-factory.js';

export class TransportMetrics {
  readonly #state: Gauge;
  readonly #reconnects: Counter;
  readonly #errors: Counter;
  readonly #warnings: Counter;
  readonly #confirms: Histogram;

  constructor(registry: Registry) {
    this.#state = createGauge(registry, 'aes_transport_state');
    this.#reconnects = createCounter(registry, 'aes_transport_reconnects_total');
    this.#errors = createCounter(registry, 'aes_transport_errors_total');
    this.#warnings = createCounter(registry, 'aes_transport_warnings_total');
    this.#confirms = createHistogram(registry, 'aes_transport_confirm_duration_seconds');
  }

  /**
   * Follows `transport`'s events under the label `endpoint`. Returns the function that stops
   * following it (its series stay, with their last values).
   */
  attach(transport: Transport, endpoint: string): () => void {
    const labels = { endpoint, transport: transport.scheme };
    setState(this.#state, labels, TRANSPORT_STATES, transport.state);
    // Zero series exist from the start, so rate() works from the first increment.
    this.#reconnects.inc(labels, 0);
    this.#errors.inc(labels, 0);
    const listener: TransportListener = {
      stateChange: (change) => {
        setState(this.#state, labels, TRANSPORT_STATES, change.to);
        if (change.to === 'reconnecting') this.#reconnects.inc(labels);
      },
      confirmed: (event) => this.#confirms.observe(labels, event.latencyMs / 1000),
      error: () => this.#errors.inc(labels),
      warning: (warning) => this.#warnings.inc({ ...labels, code: boundedCode(warning.code) }),
    };
    return transport.listen(listener);
  }
}

/** Warning codes are stable identifiers; anything else is folded so it cannot grow the label set. */
function boundedCode(code: string): string {
  return /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? code : 'OTHER';
}
