/**
 * One node scrape with every collector wired (a real embedded broker, the supervisor listener,
 * a kernel-shaped stats source, endpoint reports merged): every catalogue metric is produced,
 * nothing outside the catalogue carries the `aes_` prefix, every metric the dashboard queries is
 * in the scrape, and promtool accepts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { EndpointMetrics } from '../../runtime/index.js';
import { createTransport } from '../../transports/index.js';
import { startBroker } from '../../broker/index.js';
import {
  METRICS,
  NodeMetrics,
  TransportMetrics,
  snapshotEndpointMetrics,
  type ClusterStatsLike,
} from '../../runtime/observability/index.js';
import { assertPromtoolClean, promtoolSkipReason } from './promtool.js';
import { families } from './support.js';

const STATS: ClusterStatsLike = {
  connectionsAccepted: 1,
  connectionsRefused: 0,
  handshakesCompleted: 1,
  closedBeforeHandshake: 0,
  handshakeTimeouts: 0,
  authFailures: 0,
  nameConflicts: 0,
  postsSent: 0,
  postsReceived: 0,
  callsSent: 0,
  callsReceived: 0,
  repliesReceived: 0,
  queueFull: 0,
  framesIn: 3,
  bytesIn: 100,
  bytesOut: 100,
  links: 1,
  errors: {},
};

test('a fully wired node scrape holds exactly the catalogue, and the dashboard finds its metrics', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aes-observe-expo-'));
  const broker = await startBroker({ dataDir, port: 0, host: '127.0.0.1' });
  const node = new NodeMetrics({ node: 'n1', version: 'test' });
  const transport = createTransport(broker.url);
  try {
    node.watchBroker(broker);
    node.watchBrokerUp(() => broker.listening);
    node.watchCluster({ stats: () => STATS });
    node.supervisor.add('orders-out');
    const registry = new Registry();
    new EndpointMetrics({ registry }).counter({
      endpoint: 'orders-out',
      counter: 'popped',
      delta: 1,
      total: 1,
    });
    new TransportMetrics(registry).attach(transport, 'orders-out');
    await transport.connect({ timeoutMs: 10_000 });
    await transport.publish('/queue/observe-expo', 'x');
    node.endpoints.apply('orders-out', await snapshotEndpointMetrics('orders-out', registry));

    const text = await node.text();
    const produced = families(text);
    for (const m of METRICS) assert.ok(produced.has(m.name), `${m.name} not produced`);
    const catalogued = new Set(METRICS.map((m) => m.name));
    for (const name of produced) {
      if (name.startsWith('aes_')) assert.ok(catalogued.has(name), `${name} not in the catalogue`);
    }
    const dashboard = readFileSync(new URL('../../docs/grafana/aes.json', import.meta.url), 'utf8');
    for (const m of dashboard.matchAll(/\b((?:aes|process|nodejs)_[a-z0-9_]+)/g)) {
      const name = (m[1] ?? '').replace(/_(bucket|sum|count)$/, '');
      assert.ok(produced.has(name), `the dashboard queries ${m[1]}, absent from /metrics`);
    }
    const skip = promtoolSkipReason();
    if (skip !== false) {
      t.skip(skip);
      return;
    }
    assertPromtoolClean(text);
  } finally {
    await transport.close();
    node.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
