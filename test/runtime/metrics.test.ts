/** Prometheus metrics from a real pipeline run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EndpointMetrics } from '../../runtime/index.js';
import { makeRecords, SourceSystem, TargetSystem } from './support/soap-systems.js';
import { SoapInbound, SoapOutbound, sourceClient, targetClient } from './support/soap-endpoints.js';
import { memoryTransport, tempDir, waitFor } from './support/helpers.js';

test('endpoint metrics count events, time web-service calls and show the step age', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const source = await SourceSystem.start(makeRecords(10));
  const target = await TargetSystem.start({ alwaysFail: new Set(['orders-out:3']) });
  const metrics = new EndpointMetrics();
  const common = {
    transport,
    listener: metrics,
    retry: { initialMs: 5, maxMs: 20 },
    heartbeatIntervalMs: 20,
  } as const;
  const outbound = new SoapOutbound(
    {
      ...common,
      name: 'orders-out',
      dataDir: join(dir.path, 'out'),
      destination: '/queue/orders',
      idlePoll: { initialMs: 5, maxMs: 20 },
    },
    await sourceClient(source.url),
  );
  const inbound = new SoapInbound(
    {
      ...common,
      name: 'orders-in',
      dataDir: join(dir.path, 'in'),
      source: '/queue/orders',
      maxDeliveries: 2,
      nackDelay: { initialMs: 1, maxMs: 5 },
    },
    await targetClient(target.url),
  );
  try {
    await inbound.start();
    await outbound.start();
    await waitFor('9 delivered', () => target.accepted.length === 9);
    // The target holds a record a moment before the endpoint has its answer and counts it.
    await waitFor('9 counted delivered', () => inbound.snapshot().counters.delivered === 9);
    await waitFor('1 dead-lettered', () => inbound.snapshot().counters.deadLettered === 1);
    await waitFor('10 completed', () => outbound.snapshot().counters.completed === 10);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a heartbeat or two
    const text = await metrics.text();
    const value = (pattern: string) => {
      const line = text.split('\n').find((l) => l.startsWith(pattern));
      assert.ok(line !== undefined, `no metric ${pattern}`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.equal(value('aes_endpoint_events_total{endpoint="orders-out",event="confirmed"}'), 10);
    assert.equal(value('aes_endpoint_events_total{endpoint="orders-out",event="completed"}'), 10);
    assert.equal(value('aes_endpoint_events_total{endpoint="orders-in",event="delivered"}'), 9);
    assert.equal(value('aes_endpoint_events_total{endpoint="orders-in",event="deadLettered"}'), 1);
    assert.equal(value('aes_endpoint_events_total{endpoint="orders-in",event="nacked"}'), 1);
    assert.equal(
      value(
        'aes_endpoint_call_duration_seconds_count{endpoint="orders-in",operation="put",outcome="error"}',
      ),
      2,
    );
    assert.equal(
      value(
        'aes_endpoint_call_duration_seconds_count{endpoint="orders-out",operation="popped",outcome="ok"}',
      ),
      10,
    );
    assert.ok(value('aes_endpoint_step_age_seconds{endpoint="orders-in",step="waiting"}') >= 0);
    assert.ok(
      Math.abs(
        value('aes_endpoint_last_heartbeat_seconds{endpoint="orders-out"}') - Date.now() / 1000,
      ) < 5,
    );
  } finally {
    await outbound.stop();
    await inbound.stop();
    await source.close();
    await target.close();
  }
});
