/**
 * Creates prom-client metrics from their catalogue entries, so a name, help text, label set or
 * bucket list is written once (in `catalogue.ts`) and nowhere else.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { getMetricSpecOrThrow, labelNames, type MetricSpec, type MetricType } from './catalogue.js';

function specOf(name: string, type: MetricType): MetricSpec {
  const spec = getMetricSpecOrThrow(name);
  if (spec.type !== type) {
    throw new Error(`metric '${name}' is a ${spec.type} in the catalogue, not a ${type}`);
  }
  return spec;
}

/**
 * A counter from the catalogue. `collect` runs before each scrape: collectors whose source keeps
 * running totals reset the counter and add the totals there.
 */
export function createCounter(
  registry: Registry,
  name: string,
  collect?: (counter: Counter) => void,
): Counter {
  const spec = specOf(name, 'counter');
  return new Counter({
    name,
    help: spec.help,
    labelNames: labelNames(spec),
    registers: [registry],
    ...(collect === undefined
      ? {}
      : {
          collect(this: Counter) {
            collect(this);
          },
        }),
  });
}

/** A gauge from the catalogue; `collect` runs before each scrape. */
export function createGauge(
  registry: Registry,
  name: string,
  collect?: (gauge: Gauge) => void,
): Gauge {
  const spec = specOf(name, 'gauge');
  return new Gauge({
    name,
    help: spec.help,
    labelNames: labelNames(spec),
    registers: [registry],
    ...(collect === undefined
      ? {}
      : {
          collect(this: Gauge) {
            collect(this);
          },
        }),
  });
}

/** A histogram from the catalogue, with its buckets. */
export function createHistogram(registry: Registry, name: string): Histogram {
  const spec = specOf(name, 'histogram');
  return new Histogram({
    name,
    help: spec.help,
    labelNames: labelNames(spec),
    buckets: [...(spec.buckets ?? [])],
    registers: [registry],
  });
}

/** Sets a one-hot state gauge: 1 for `current`, 0 for every other value of the state label. */
export function setState(
  gauge: Gauge,
  labels: Readonly<Record<string, string>>,
  states: readonly string[],
  current: string,
): void {
  for (const state of states) gauge.set({ ...labels, state }, state === current ? 1 : 0);
}
