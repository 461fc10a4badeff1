/** Endpoint metric reports: the message is checked field by field; the merger keeps it apart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge, Registry } from 'prom-client';
import { EndpointMetrics } from '../../runtime/index.js';
import {
  EndpointMetricsMerger,
  MetricsReportError,
  parseEndpointMetricsMessage,
  snapshotEndpointMetrics,
} from '../../runtime/observability/index.js';
import { assertPromtoolClean, promtoolSkipReason } from './promtool.js';
import { families, maybeSample, sample } from './support.js';

async function report(endpoint: string, popped: number): Promise<unknown> {
  const registry = new Registry();
  const metrics = new EndpointMetrics({ registry });
  metrics.counter({ endpoint, counter: 'popped', delta: popped, total: popped });
  metrics.call({ endpoint, operation: 'pop', outcome: 'ok', durationMs: 30 });
  metrics.call({ endpoint, operation: 'pop', outcome: 'ok', durationMs: 2_000 });
  // Something that is not an endpoint metric stays out of the report.
  new Gauge({ name: 'x_other', help: 'x', registers: [registry] }).set(1);
  return JSON.parse(JSON.stringify(await snapshotEndpointMetrics(endpoint, registry, () => 42)));
}

test('a snapshot carries only catalogue metrics and survives JSON', async () => {
  const message = parseEndpointMetricsMessage(await report('a', 3));
  assert.equal(message.kind, 'metrics-snapshot');
  if (message.kind !== 'metrics-snapshot') return;
  assert.equal(message.atMs, 42);
  assert.deepEqual(message.families.map((f) => f.name).sort(), [
    'aes_endpoint_call_duration_seconds',
    'aes_endpoint_events_total',
    'aes_endpoint_last_heartbeat_seconds',
    'aes_endpoint_record_latency_seconds',
    'aes_endpoint_step_age_seconds',
  ]);
});

test('the merger exposes each endpoint under its own label, histograms included', async () => {
  const registry = new Registry();
  const merger = new EndpointMetricsMerger(registry);
  merger.apply('a', await report('a', 3));
  merger.apply('b', await report('b', 7));
  merger.apply('b', await report('b', 9)); // a newer snapshot replaces the older one
  const text = await registry.metrics();
  assert.equal(sample(text, 'aes_endpoint_events_total{endpoint="a",event="popped"}'), 3);
  assert.equal(sample(text, 'aes_endpoint_events_total{endpoint="b",event="popped"}'), 9);
  const bucket = (le: string) =>
    sample(
      text,
      `aes_endpoint_call_duration_seconds_bucket{le="${le}",endpoint="a",operation="pop",outcome="ok"}`,
    );
  assert.equal(bucket('0.05'), 1);
  assert.equal(bucket('2.5'), 2);
  assert.equal(bucket('+Inf'), 2);
  assert.equal(
    sample(
      text,
      'aes_endpoint_call_duration_seconds_sum{endpoint="a",operation="pop",outcome="ok"}',
    ),
    2.03,
  );
  assert.match(text, /# TYPE aes_endpoint_call_duration_seconds histogram/);
  assert.match(text, /# TYPE aes_endpoint_events_total counter/);
  assert.ok(!families(text).has('x_other'));
  assert.deepEqual(merger.endpoints(), ['a', 'b']);
  if (promtoolSkipReason() === false) {
    assertPromtoolClean(text);
    // The check can fail on an aes metric: a gauge named like a counter.
    assert.throws(
      () =>
        assertPromtoolClean(
          '# HELP aes_bad_total x\n# TYPE aes_bad_total gauge\naes_bad_total 1\n',
        ),
      /aes_bad_total/,
    );
  }
  merger.remove('a');
  const after = await registry.metrics();
  assert.equal(
    maybeSample(after, 'aes_endpoint_events_total{endpoint="a",event="popped"}'),
    undefined,
  );
  assert.equal(sample(after, 'aes_endpoint_events_total{endpoint="b",event="popped"}'), 9);
});

test('the link identity wins: a process cannot report for another endpoint', async () => {
  const registry = new Registry();
  const merger = new EndpointMetricsMerger(registry);
  assert.throws(() => merger.apply('a', 'garbage'), MetricsReportError);
  const forB = await report('b', 1);
  assert.throws(
    () => merger.apply('a', forB),
    (err: unknown) => err instanceof MetricsReportError && err.path === 'endpoint',
  );
  const text = await registry.metrics();
  assert.equal(sample(text, 'aes_node_endpoint_reports_total{endpoint="a",outcome="rejected"}'), 2);
  assert.equal(
    maybeSample(text, 'aes_endpoint_events_total{endpoint="b",event="popped"}'),
    undefined,
  );
});

test('malformed reports are refused with the path of the bad field', async () => {
  const good = (await report('a', 1)) as { families: { samples: unknown[] }[] };
  const cases: [unknown, string][] = [
    [null, 'message'],
    [{ kind: 'metrics-snapshot', endpoint: '../x', atMs: 1, families: [] }, 'endpoint'],
    [{ kind: 'what', endpoint: 'a' }, 'kind'],
    [{ kind: 'metrics-snapshot', endpoint: 'a', atMs: -1, families: [] }, 'atMs'],
    [{ kind: 'metrics-snapshot', endpoint: 'a', atMs: 1, families: {} }, 'families'],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [{ name: 'aes_broker_queues', type: 'gauge', samples: [] }],
      },
      'families[0].name',
    ],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [{ name: 'aes_endpoint_events_total', type: 'gauge', samples: [] }],
      },
      'families[0].type',
    ],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [
          {
            name: 'aes_endpoint_events_total',
            type: 'counter',
            samples: [{ name: 'aes_endpoint_events_total', labels: { user: 'x' }, value: 1 }],
          },
        ],
      },
      'families[0].samples[0].labels.user',
    ],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [
          {
            name: 'aes_endpoint_events_total',
            type: 'counter',
            samples: [{ name: 'aes_endpoint_events_total', labels: {}, value: 'NaN' }],
          },
        ],
      },
      'families[0].samples[0].value',
    ],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [
          {
            name: 'aes_endpoint_call_duration_seconds',
            type: 'histogram',
            samples: [{ name: 'aes_endpoint_call_duration_seconds_bucket', labels: {}, value: 1 }],
          },
        ],
      },
      'families[0].samples[0].labels.le',
    ],
    [
      {
        kind: 'metrics-snapshot',
        endpoint: 'a',
        atMs: 1,
        families: [
          {
            name: 'aes_endpoint_events_total',
            type: 'counter',
            samples: Array.from({ length: 5_001 }, () => good.families[0]?.samples[0]),
          },
        ],
      },
      'families[0].samples',
    ],
  ];
  for (const [input, path] of cases) {
    assert.throws(
      () => parseEndpointMetricsMessage(input),
      (err: unknown) => err instanceof MetricsReportError && err.path === path,
      `expected a MetricsReportError at ${path}`,
    );
  }
});
