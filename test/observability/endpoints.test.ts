/**
 * Endpoint metrics end to end at the unit of one node: real outbound and inbound endpoints over
 * the memory transport, each with its own registry as in its own process, report snapshots that
 * the node merges; a real supervisor's restarts and quarantine show in the same scrape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { EndpointMetrics } from '../../runtime/index.js';
import { Supervisor } from '../../runtime/supervisor/supervisor.js';
import {
  MetricsReporter,
  NodeMetrics,
  TransportMetrics,
  type EndpointMetricsMessage,
} from '../../runtime/observability/index.js';
import { makeRecords, SourceSystem, TargetSystem } from '../runtime/support/soap-systems.js';
import {
  SoapInbound,
  SoapOutbound,
  sourceClient,
  targetClient,
} from '../runtime/support/soap-endpoints.js';
import { memoryTransport, tempDir, waitFor } from '../runtime/support/helpers.js';
import { assertPromtoolClean, promtoolSkipReason } from './promtool.js';
import { maybeSample, sample } from './support.js';

const CHILD = new URL('../runtime/fixtures/endpoint-child.mjs', import.meta.url).pathname;

test('endpoint processes report their metrics; the node serves them per endpoint', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const source = await SourceSystem.start(makeRecords(6));
  const target = await TargetSystem.start({ alwaysFail: new Set(['orders-out:4']) });
  const node = new NodeMetrics({ node: 'n1', version: 'test', processMetrics: false });
  // Each endpoint's own registry, as in its own process; the reporters "send" over a JSON link.
  const link = (message: EndpointMetricsMessage): void => {
    node.endpoints.apply(message.endpoint, JSON.parse(JSON.stringify(message)));
  };
  const registries = { out: new Registry(), in: new Registry() };
  const outMetrics = new EndpointMetrics({ registry: registries.out });
  const inMetrics = new EndpointMetrics({ registry: registries.in });
  new TransportMetrics(registries.out).attach(transport, 'orders-out');
  new TransportMetrics(registries.in).attach(transport, 'orders-in');
  const reporters = [
    new MetricsReporter({ endpoint: 'orders-out', registry: registries.out, send: link }),
    new MetricsReporter({ endpoint: 'orders-in', registry: registries.in, send: link }),
  ];
  const common = { transport, retry: { initialMs: 5, maxMs: 20 }, heartbeatIntervalMs: 20 };
  const outbound = new SoapOutbound(
    {
      ...common,
      listener: outMetrics,
      name: 'orders-out',
      dataDir: join(dir.path, 'out'),
      destination: '/queue/observe-orders',
      idlePoll: { initialMs: 5, maxMs: 20 },
    },
    await sourceClient(source.url),
  );
  const inbound = new SoapInbound(
    {
      ...common,
      listener: inMetrics,
      name: 'orders-in',
      dataDir: join(dir.path, 'in'),
      source: '/queue/observe-orders',
      maxDeliveries: 2,
      nackDelay: { initialMs: 1, maxMs: 5 },
    },
    await targetClient(target.url),
  );
  try {
    await inbound.start();
    await outbound.start();
    await waitFor('5 delivered', () => target.accepted.length === 5);
    // The target holds a record a moment before the endpoint has its answer and counts it.
    await waitFor('5 counted delivered', () => inbound.snapshot().counters.delivered === 5);
    await waitFor('1 dead-lettered', () => inbound.snapshot().counters.deadLettered === 1);
    await waitFor('6 completed', () => outbound.snapshot().counters.completed === 6);
    for (const r of reporters) await r.report();
    const text = await node.text();
    const event = (endpoint: string, name: string): number =>
      sample(text, `aes_endpoint_events_total{endpoint="${endpoint}",event="${name}"}`);
    assert.equal(event('orders-out', 'popped'), 6);
    assert.equal(event('orders-out', 'completed'), 6);
    assert.equal(event('orders-in', 'delivered'), 5);
    assert.equal(event('orders-in', 'deadLettered'), 1);
    assert.equal(event('orders-in', 'nacked'), 1);
    // Series of one endpoint never appear under the other's name.
    assert.equal(
      maybeSample(text, 'aes_endpoint_events_total{endpoint="orders-out",event="delivered"}'),
      undefined,
    );
    assert.ok(
      sample(
        text,
        'aes_endpoint_call_duration_seconds_count{endpoint="orders-in",operation="put",outcome="error"}',
      ) >= 2,
    );
    assert.equal(
      sample(
        text,
        'aes_endpoint_call_duration_seconds_bucket{le="+Inf",endpoint="orders-out",operation="popped",outcome="ok"}',
      ),
      6,
    );
    assert.ok(
      sample(
        text,
        'aes_transport_confirm_duration_seconds_count{endpoint="orders-out",transport="memory"}',
      ) >= 6,
    );
    assert.equal(
      sample(text, 'aes_node_endpoint_reports_total{endpoint="orders-in",outcome="merged"}'),
      1,
    );
    assert.match(text, /aes_endpoint_step_age_seconds\{endpoint="orders-in",step="\w+"\} /);

    // A process that stops retracts its series.
    await reporters[1]?.stop();
    const after = await node.text();
    assert.equal(
      maybeSample(after, 'aes_endpoint_events_total{endpoint="orders-in",event="delivered"}'),
      undefined,
    );
    assert.equal(
      sample(after, 'aes_endpoint_events_total{endpoint="orders-out",event="popped"}'),
      6,
    );
    if (promtoolSkipReason() === false) assertPromtoolClean(text);
  } finally {
    for (const r of reporters) await r.stop();
    await outbound.stop();
    await inbound.stop();
    await source.close();
    await target.close();
    node.close();
  }
});

test('supervisor metrics: state, restarts, exits and a quarantine of real processes', async () => {
  const node = new NodeMetrics({ node: 'n1', version: 'test', processMetrics: false });
  const supervisor = new Supervisor({ listener: node.supervisor });
  const settings = {
    hangLimitMs: 10_000,
    startLimitMs: 15_000,
    restartBackoff: { initialMs: 20, maxMs: 50 },
    quarantine: { restarts: 2, windowMs: 60_000 },
    killGraceMs: 2_000,
  };
  const command = process.execPath;
  supervisor.add({ name: 'steady', command, args: [CHILD, 'heartbeat'], settings });
  supervisor.add({ name: 'broken', command, args: [CHILD, 'exit', '4'], settings });
  node.supervisor.add('steady');
  node.supervisor.add('broken');
  try {
    const before = await node.text();
    assert.equal(sample(before, 'aes_endpoint_state{endpoint="steady",state="stopped"}'), 1);
    assert.equal(sample(before, 'aes_endpoint_restarts_total{endpoint="broken"}'), 0);
    await supervisor.startAll();
    await waitFor('broken quarantined', () => supervisor.get('broken')?.state === 'failed');
    await supervisor.restart('steady');
    const text = await node.text();
    assert.equal(sample(text, 'aes_endpoint_state{endpoint="broken",state="failed"}'), 1);
    assert.equal(sample(text, 'aes_endpoint_state{endpoint="broken",state="running"}'), 0);
    assert.equal(sample(text, 'aes_endpoint_quarantines_total{endpoint="broken"}'), 1);
    assert.equal(sample(text, 'aes_endpoint_restarts_total{endpoint="broken"}'), 2);
    assert.equal(sample(text, 'aes_endpoint_exits_total{endpoint="broken",kind="error"}'), 3);
    assert.equal(sample(text, 'aes_endpoint_restarts_total{endpoint="steady"}'), 1);
    assert.equal(sample(text, 'aes_endpoint_state{endpoint="steady",state="running"}'), 1);
    if (promtoolSkipReason() === false) assertPromtoolClean(text);
  } finally {
    await supervisor.close();
    node.close();
  }
});
