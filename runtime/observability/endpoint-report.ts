/**
 * What an endpoint process sends its node about its metrics: a discriminated union, plain JSON,
 * so it travels over the endpoint↔node link as any other message. `snapshot` carries the current
 * value of every endpoint-side metric (full state, not deltas: a lost or repeated message does no
 * harm); `retract` says the process is going away and its series should be dropped.
 *
 * The node must not trust the content: {@link parseEndpointMetricsMessage} checks every field
 * against the catalogue (known names and labels only, bounded sizes) and names the bad one.
 */
import type { Registry } from 'prom-client';
import { getMetricSpec, labelNames, seriesNames, type MetricType } from './catalogue.js';
import { MetricsReportError } from './errors.js';

/** One sample: a series name (with `_bucket`/`_sum`/`_count` for histograms), labels, value. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamilySnapshot {
  readonly name: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

export interface MetricsSnapshotMessage {
  readonly kind: 'metrics-snapshot';
  readonly endpoint: string;
  /** When the values were read (ms since the epoch). */
  readonly atMs: number;
  readonly families: readonly MetricFamilySnapshot[];
}

export interface MetricsRetractMessage {
  readonly kind: 'metrics-retract';
  readonly endpoint: string;
}

export type EndpointMetricsMessage = MetricsSnapshotMessage | MetricsRetractMessage;

/** Most samples one family may carry in a report (a cardinality guard). */
export const MAX_SAMPLES_PER_FAMILY = 5_000;
/** Longest label value accepted in a report. */
export const MAX_LABEL_VALUE_LENGTH = 200;
const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * Reads the endpoint-side metrics of `registry` (those the catalogue marks `source: endpoint`)
 * into a snapshot message. Other metrics in the registry (process metrics) are left out: the
 * node reports its own.
 */
export async function snapshotEndpointMetrics(
  endpoint: string,
  registry: Registry,
  now: () => number = Date.now,
): Promise<MetricsSnapshotMessage> {
  const families: MetricFamilySnapshot[] = [];
  for (const family of await registry.getMetricsAsJSON()) {
    const spec = getMetricSpec(family.name);
    if (spec === undefined || spec.source !== 'endpoint') continue;
    const samples: MetricSample[] = [];
    for (const v of family.values) {
      if (!Number.isFinite(v.value)) continue;
      const labels: Record<string, string> = {};
      for (const [k, value] of Object.entries(v.labels)) {
        if (value !== undefined) labels[k] = String(value);
      }
      const metricName = (v as { metricName?: unknown }).metricName;
      samples.push({
        name: typeof metricName === 'string' ? metricName : family.name,
        labels,
        value: v.value,
      });
    }
    families.push({ name: spec.name, type: spec.type, samples });
  }
  return { kind: 'metrics-snapshot', endpoint, atMs: now(), families };
}

/** Checks an untrusted message from an endpoint process; throws {@link MetricsReportError}. */
export function parseEndpointMetricsMessage(input: unknown): EndpointMetricsMessage {
  const m = record(input, 'message');
  const endpoint = m['endpoint'];
  if (typeof endpoint !== 'string' || !ENDPOINT_NAME.test(endpoint)) {
    throw new MetricsReportError('endpoint', 'must be an endpoint name');
  }
  if (m['kind'] === 'metrics-retract') return { kind: 'metrics-retract', endpoint };
  if (m['kind'] !== 'metrics-snapshot') {
    throw new MetricsReportError('kind', "must be 'metrics-snapshot' or 'metrics-retract'");
  }
  const atMs = m['atMs'];
  if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0) {
    throw new MetricsReportError('atMs', 'must be a time in ms since the epoch');
  }
  const rawFamilies = m['families'];
  if (!Array.isArray(rawFamilies)) throw new MetricsReportError('families', 'must be an array');
  const seen = new Set<string>();
  const families = rawFamilies.map((raw: unknown, i): MetricFamilySnapshot => {
    const path = `families[${i}]`;
    const f = record(raw, path);
    const name = f['name'];
    const spec = typeof name === 'string' ? getMetricSpec(name) : undefined;
    if (spec === undefined || spec.source !== 'endpoint') {
      throw new MetricsReportError(`${path}.name`, 'is not an endpoint metric of the catalogue');
    }
    if (seen.has(spec.name)) throw new MetricsReportError(`${path}.name`, 'appears twice');
    seen.add(spec.name);
    if (f['type'] !== spec.type) {
      throw new MetricsReportError(`${path}.type`, `must be '${spec.type}'`);
    }
    const rawSamples = f['samples'];
    if (!Array.isArray(rawSamples)) {
      throw new MetricsReportError(`${path}.samples`, 'must be an array');
    }
    if (rawSamples.length > MAX_SAMPLES_PER_FAMILY) {
      throw new MetricsReportError(`${path}.samples`, `more than ${MAX_SAMPLES_PER_FAMILY}`);
    }
    const series = new Set(seriesNames(spec));
    const allowed = new Set(labelNames(spec));
    const samples = rawSamples.map((rawSample: unknown, j): MetricSample => {
      const at = `${path}.samples[${j}]`;
      const s = record(rawSample, at);
      const sampleName = s['name'];
      if (typeof sampleName !== 'string' || !series.has(sampleName)) {
        throw new MetricsReportError(`${at}.name`, `must be one of ${[...series].join(', ')}`);
      }
      const value = s['value'];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new MetricsReportError(`${at}.value`, 'must be a finite number');
      }
      const isBucket = sampleName.endsWith('_bucket');
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(record(s['labels'], `${at}.labels`))) {
        if (!(allowed.has(k) || (isBucket && k === 'le'))) {
          throw new MetricsReportError(`${at}.labels.${k}`, 'is not a label of this metric');
        }
        if (typeof v !== 'string' || v.length > MAX_LABEL_VALUE_LENGTH) {
          throw new MetricsReportError(
            `${at}.labels.${k}`,
            `must be a string of at most ${MAX_LABEL_VALUE_LENGTH} characters`,
          );
        }
        labels[k] = v;
      }
      if (isBucket && labels['le'] === undefined) {
        throw new MetricsReportError(`${at}.labels.le`, 'is required on a bucket');
      }
      return { name: sampleName, labels, value };
    });
    return { name: spec.name, type: spec.type, samples };
  });
  return { kind: 'metrics-snapshot', endpoint, atMs, families };
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MetricsReportError(path, 'must be an object');
  }
  return value as Record<string, unknown>;
}
