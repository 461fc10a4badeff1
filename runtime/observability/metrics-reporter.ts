/**
 * The endpoint-process side of metric aggregation: snapshots the process's registry on a timer
 * and hands each snapshot to `send` (the endpoint↔node link). `stop()` sends a retract.
 */
import type { Registry } from 'prom-client';
import { debuglog } from 'node:util';
import { snapshotEndpointMetrics, type EndpointMetricsMessage } from './endpoint-report.js';

const trace = debuglog('aes-runtime');

/** How often an endpoint process reports its metrics; below Prometheus' usual 15 s scrape. */
export const DEFAULT_METRICS_REPORT_INTERVAL_MS = 5_000;

export interface MetricsReporterOptions {
  readonly endpoint: string;
  readonly registry: Registry;
  /** Delivers a message to the node; a rejection is traced and the next report tries again. */
  readonly send: (message: EndpointMetricsMessage) => Promise<void> | void;
  /** @defaultValue DEFAULT_METRICS_REPORT_INTERVAL_MS */
  readonly intervalMs?: number;
}

export class MetricsReporter {
  readonly #options: MetricsReporterOptions;
  readonly #timer: NodeJS.Timeout;
  #stopping: Promise<void> | undefined;

  constructor(options: MetricsReporterOptions) {
    this.#options = options;
    this.#timer = setInterval(() => {
      void this.report();
    }, options.intervalMs ?? DEFAULT_METRICS_REPORT_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Sends a snapshot now; never rejects (a failure is traced). */
  async report(): Promise<void> {
    try {
      const { endpoint, registry, send } = this.#options;
      await send(await snapshotEndpointMetrics(endpoint, registry));
    } catch (err) {
      trace('metrics report of %s failed: %O', this.#options.endpoint, err);
    }
  }

  /** Stops the timer and sends a last snapshot, then the retract. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      try {
        await this.#options.send({ kind: 'metrics-retract', endpoint: this.#options.endpoint });
      } catch (err) {
        trace('metrics retract of %s failed: %O', this.#options.endpoint, err);
      }
    })();
    return this.#stopping;
  }
}
