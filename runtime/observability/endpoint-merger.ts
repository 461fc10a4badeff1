/**
 * The node side of endpoint metrics: keeps the latest snapshot of every endpoint process and
 * exposes their series in the node's registry, each with the `endpoint` label set to the
 * process's authenticated name, so one scrape of the node covers its endpoints.
 */
import { Gauge, type Counter, type MetricType as PromMetricType, type Registry } from 'prom-client';
import { METRICS, type MetricSpec } from './catalogue.js';
import {
  parseEndpointMetricsMessage,
  type MetricFamilySnapshot,
  type MetricSample,
} from './endpoint-report.js';
import { MetricsReportError } from './errors.js';
import { createCounter } from './metric-factory.js';

type GaugeResult = Awaited<ReturnType<Gauge['get']>>;

/**
 * A family whose values are the endpoints' samples. prom-client's registry only asks a metric for
 * `get()`; this overrides it. (Its typings declare `type` as an enum, but the registry — like
 * its own metrics — uses the strings `counter`, `gauge`, `histogram`.)
 */
class MergedFamily extends Gauge {
  constructor(
    registry: Registry,
    private readonly spec: MetricSpec,
    private readonly samples: () => MetricSample[],
  ) {
    super({ name: spec.name, help: spec.help, labelNames: [], registers: [registry] });
  }

  override get(): Promise<GaugeResult> {
    const values = this.samples().map((s) => ({
      value: s.value,
      labels: s.labels,
      metricName: s.name,
    }));
    return Promise.resolve({
      name: this.spec.name,
      help: this.spec.help,
      type: this.spec.type as unknown as PromMetricType,
      aggregator: 'sum',
      collect: () => undefined,
      values,
    });
  }
}

export class EndpointMetricsMerger {
  readonly #snapshots = new Map<string, Map<string, MetricFamilySnapshot>>();
  readonly #reports: Counter;

  /** Registers every endpoint-side metric of the catalogue on `registry` (empty until reports). */
  constructor(registry: Registry) {
    this.#reports = createCounter(registry, 'aes_node_endpoint_reports_total');
    for (const spec of METRICS) {
      if (spec.source !== 'endpoint') continue;
      new MergedFamily(registry, spec, () => this.#samplesOf(spec.name));
    }
  }

  /**
   * Applies a message from the endpoint process `from` (the name its link authenticated). The
   * message is checked first; a malformed one, or one naming another endpoint, changes nothing
   * and throws {@link MetricsReportError} (the node logs it; the endpoint's old values stay).
   */
  apply(from: string, message: unknown): void {
    let parsed;
    try {
      parsed = parseEndpointMetricsMessage(message);
      if (parsed.endpoint !== from) {
        throw new MetricsReportError(
          'endpoint',
          `is '${parsed.endpoint}' on the link of '${from}'`,
        );
      }
    } catch (err) {
      this.#reports.inc({ endpoint: from, outcome: 'rejected' });
      throw err;
    }
    if (parsed.kind === 'metrics-retract') {
      this.#snapshots.delete(from);
      return;
    }
    this.#reports.inc({ endpoint: from, outcome: 'merged' });
    this.#snapshots.set(from, new Map(parsed.families.map((f) => [f.name, f])));
  }

  /** Drops an endpoint's series (it left the configuration). */
  remove(endpoint: string): void {
    this.#snapshots.delete(endpoint);
    this.#reports.remove({ endpoint, outcome: 'merged' });
    this.#reports.remove({ endpoint, outcome: 'rejected' });
  }

  /** Endpoints with a snapshot, sorted. */
  endpoints(): string[] {
    return [...this.#snapshots.keys()].sort();
  }

  #samplesOf(name: string): MetricSample[] {
    const out: MetricSample[] = [];
    for (const endpoint of this.endpoints()) {
      const family = this.#snapshots.get(endpoint)?.get(name);
      if (family === undefined) continue;
      for (const s of family.samples) {
        // The link's identity wins over whatever the process put in the label.
        out.push({ name: s.name, labels: { ...s.labels, endpoint }, value: s.value });
      }
    }
    return out;
  }
}
