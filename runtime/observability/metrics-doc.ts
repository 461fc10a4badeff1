/**
 * Renders docs/metrics.md from the catalogue, so the docs cannot drift from the code:
 * `npm run docs:metrics` writes it, and a test fails when the committed file differs.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  MAX_OPERATION_SERIES,
  MAX_QUEUE_SERIES,
  OTHER_OPERATION,
  METRICS,
  OTHER_QUEUE,
  type MetricGroup,
  type MetricSpec,
} from './catalogue.js';
import { DEFAULT_METRICS_REPORT_INTERVAL_MS } from './metrics-reporter.js';
import { METRICS_PATH, SD_PATH } from './service-discovery.js';

const GROUPS: readonly { group: MetricGroup; title: string; intro: string }[] = [
  {
    group: 'node',
    title: 'Node',
    intro: 'The node itself and the reports it takes from its endpoints.',
  },
  {
    group: 'cluster',
    title: 'Cluster',
    intro: "The kernel's links to other nodes and to its endpoint processes.",
  },
  {
    group: 'endpoint',
    title: 'Endpoints',
    intro:
      "Source `node`: kept by the supervisor. Source `endpoint`: reported by each endpoint process over its link and merged by the node, with `endpoint` set to the process's authenticated name.",
  },
  {
    group: 'transport',
    title: 'Transports',
    intro:
      'The broker connections of endpoint processes (merged by the node like the endpoint metrics).',
  },
  {
    group: 'broker',
    title: 'Embedded broker',
    intro: 'Present when the node runs the embedded broker.',
  },
];

/** Names of prom-client's default process metrics (process_*, nodejs_*), sorted. */
export async function processMetricNames(): Promise<string[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
  registry.clear();
  return names;
}

function labelCell(spec: MetricSpec): string {
  if (spec.labels.length === 0) return '—';
  return spec.labels.map((l) => `\`${l.name}\``).join(', ');
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The whole of docs/metrics.md. */
export async function renderMetricsDoc(): Promise<string> {
  const lines: string[] = [
    '<!-- DO NOT EDIT: generated from runtime/observability/catalogue.ts by `npm run docs:metrics` -->',
    '',
    '# Metrics',
    '',
    `Every aes node serves Prometheus metrics on \`${METRICS_PATH}\` from one registry: its own, the`,
    "embedded broker's, and those its endpoint processes report to it, so one scrape per node covers",
    `its endpoints. Any node serves Prometheus HTTP service discovery on \`${SD_PATH}\` listing every`,
    'cluster member; `docs/prometheus/prometheus.yml` is a ready scrape config and',
    '`docs/grafana/aes.json` an importable dashboard.',
    '',
    'Conventions: the `aes_` prefix, base units (seconds, bytes), counters end in `_total`,',
    "durations are `_seconds` histograms. The node's name is not a metric label: service discovery",
    'adds it as the `node` target label (and `cluster` when configured).',
    '',
    '## How endpoint metrics reach the node',
    '',
    'Each endpoint process keeps its own registry (`EndpointMetrics`, `TransportMetrics`). A',
    '`MetricsReporter` sends a full snapshot of it (`metrics-snapshot`, plain JSON) to the node over',
    `the endpoint's link when the process starts (its counters at 0, before it connects to the broker), every ${DEFAULT_METRICS_REPORT_INTERVAL_MS / 1000} s, and a \`metrics-retract\` when the process stops. The node checks`,
    'each message against this catalogue (known names and labels only, bounded sizes) and serves the',
    'latest snapshot of every endpoint with `endpoint` set to the name the link authenticated. So a',
    'value on the node is at most one report interval old; an endpoint that crashed keeps its last',
    'values until its next process reports, whose counters restart from 0 (a counter reset, which',
    '`rate()` and `increase()` handle).',
    '',
    'Label cardinality is bounded by configuration: `endpoint` by the endpoints folder, `operation`',
    `by the WSDLs (at most ${MAX_OPERATION_SERIES} per endpoint, the rest as \`${OTHER_OPERATION}\`), \`queue\` by the`,
    `broker's queues (at most ${MAX_QUEUE_SERIES} series, the rest summed as \`${OTHER_QUEUE}\`); every other`,
    'label takes one of a fixed set of values, listed below.',
    '',
  ];
  for (const { group, title, intro } of GROUPS) {
    lines.push(`## ${title}`, '', intro, '');
    lines.push('| name | type | labels | source | meaning |', '|---|---|---|---|---|');
    for (const m of METRICS.filter((x) => x.group === group)) {
      const unit = m.unit === undefined ? '' : ` Unit: ${m.unit}.`;
      const buckets = m.buckets === undefined ? '' : ` Buckets: ${m.buckets.join(', ')}.`;
      lines.push(
        `| \`${m.name}\` | ${m.type} | ${labelCell(m)} | ${m.source} | ${escape(m.help)}${unit}${buckets} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Labels',
    '',
    'Every label, what bounds it, and its values where they are fixed.',
    '',
  );
  lines.push('| metric | label | meaning | values |', '|---|---|---|---|');
  for (const m of METRICS) {
    for (const l of m.labels) {
      const values =
        l.values === undefined
          ? 'bounded by configuration'
          : l.values.map((v) => `\`${v}\``).join(', ');
      lines.push(`| \`${m.name}\` | \`${l.name}\` | ${escape(l.help)} | ${values} |`);
    }
  }
  lines.push(
    '',
    '## Process metrics',
    '',
    "prom-client's default metrics, for the node process:",
    '',
    ...(await processMetricNames()).map((n) => `- \`${n}\``),
    '',
  );
  return lines.join('\n');
}
