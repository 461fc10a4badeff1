/**
 * Endpoint metrics as the node's supervisor sees them: state, restarts, quarantines, exits and
 * hangs. An `EndpointProcessListener`; pass it (or a listener that calls it) to the `Supervisor`.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import type { EndpointProcessListener } from '../supervisor/endpoint-process.js';
import type { StateChange } from '../supervisor/lifecycle.js';
import type { HangReason } from '../supervisor/hang-detector.js';
import { ENDPOINT_STATES } from './catalogue.js';
import { createCounter, createGauge, setState } from './metric-factory.js';

export class SupervisorMetrics implements EndpointProcessListener {
  readonly #state: Gauge;
  readonly #restarts: Counter;
  readonly #quarantines: Counter;
  readonly #exits: Counter;
  readonly #hangs: Counter;
  readonly #started = new Set<string>();

  constructor(registry: Registry) {
    this.#state = createGauge(registry, 'aes_endpoint_state');
    this.#restarts = createCounter(registry, 'aes_endpoint_restarts_total');
    this.#quarantines = createCounter(registry, 'aes_endpoint_quarantines_total');
    this.#exits = createCounter(registry, 'aes_endpoint_exits_total');
    this.#hangs = createCounter(registry, 'aes_endpoint_hangs_total');
  }

  /** Makes an endpoint's series exist (state `stopped`, zero counts) before it first starts. */
  add(endpoint: string): void {
    if (this.#started.has(endpoint)) return;
    setState(this.#state, { endpoint }, ENDPOINT_STATES, 'stopped');
    this.#restarts.inc({ endpoint }, 0);
    this.#quarantines.inc({ endpoint }, 0);
  }

  /** Drops every series of an endpoint that left the configuration. */
  remove(endpoint: string): void {
    this.#started.delete(endpoint);
    for (const state of ENDPOINT_STATES) this.#state.remove({ endpoint, state });
    this.#restarts.remove({ endpoint });
    this.#quarantines.remove({ endpoint });
    for (const kind of ['clean', 'error', 'signal']) this.#exits.remove({ endpoint, kind });
    for (const kind of ['no-heartbeat', 'no-progress']) this.#hangs.remove({ endpoint, kind });
  }

  stateChange(event: StateChange & { readonly endpoint: string }): void {
    const { endpoint } = event;
    this.add(endpoint);
    setState(this.#state, { endpoint }, ENDPOINT_STATES, event.to);
    if (event.to === 'starting') {
      // The first start is not a restart; every later one is (after a crash, a hang or by hand).
      if (this.#started.has(endpoint)) this.#restarts.inc({ endpoint });
      this.#started.add(endpoint);
    }
    if (event.to === 'failed') this.#quarantines.inc({ endpoint });
  }

  exit(event: {
    readonly endpoint: string;
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
  }): void {
    const kind = event.signal !== null ? 'signal' : event.code === 0 ? 'clean' : 'error';
    this.#exits.inc({ endpoint: event.endpoint, kind });
  }

  hang(event: { readonly endpoint: string; readonly reason: HangReason }): void {
    this.#hangs.inc({ endpoint: event.endpoint, kind: event.reason.kind });
  }
}
