/**
 * What a node knows of its brokers: the embedded one is usable while it listens; an external one
 * while an endpoint of the node is connected to it, else while a TCP connect succeeds (probed
 * with a deadline, against a real socket here); an endpoint's connection from its reports, shown
 * by `aes status` and turned into `/readyz` reasons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { startBroker } from '../../broker/index.js';
import {
  brokerReason,
  brokerStatus,
  embeddedBrokerHealth,
  ExternalBrokerProbe,
  nextBrokerView,
  type EndpointBrokerView,
} from '../../runtime/node/broker-health.js';
import { parseReport, type EndpointBrokerReport } from '../../runtime/link/protocol.js';
import { formatClusterStatus } from '../../runtime/node/index.js';
import type { EndpointStatus } from '../../runtime/node/status.js';
import { brokerSocketAddress } from '../../transports/index.js';
import { tempDir, waitFor } from './support/helpers.js';
import { captureLog } from './support/capture-log.js';

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

test('broker URLs name the socket a probe connects to, default ports applied', () => {
  assert.deepEqual(brokerSocketAddress('stomp://u:p@mq1'), { host: 'mq1', port: 61613 });
  assert.deepEqual(brokerSocketAddress('stomp+ssl://mq1:61614'), { host: 'mq1', port: 61614 });
  assert.deepEqual(brokerSocketAddress('mqtt://[::1]'), { host: '::1', port: 1883 });
  assert.deepEqual(brokerSocketAddress('mqtts://mq2'), { host: 'mq2', port: 8883 });
  assert.equal(brokerSocketAddress('memory://hub'), undefined);
  assert.equal(brokerSocketAddress('not a url'), undefined);
});

test('an external broker: reachable by a TCP probe, unreachable with the reason, back again', async () => {
  const { log, records } = captureLog();
  let server = createServer((socket) => socket.destroy());
  const port = await listen(server);
  let endpointConnected = false;
  const probe = new ExternalBrokerProbe({
    urls: [`stomp://aes:secret@127.0.0.1:${port}`],
    connected: () => endpointConnected,
    log,
    intervalMs: 50,
    timeoutMs: 1_000,
  });
  try {
    assert.equal(probe.up(), undefined, 'nothing known before the first probe');
    probe.start();
    await waitFor('the first probe', () => probe.up() === true);
    assert.deepEqual(probe.reasons(), []);
    assert.equal(records.length, 0, 'a broker that is up from the start is no news');

    await new Promise<void>((resolve) => server.close(() => resolve()));
    await waitFor('the broker down', () => probe.up() === false);
    const [reason] = probe.reasons();
    assert.match(
      reason ?? '',
      new RegExp(
        `^broker unreachable since \\d{4}-.*Z: connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
    assert.doesNotMatch(reason ?? '', /secret/);
    assert.ok(records.some((r) => r.level === 'warn' && r.msg === 'broker unreachable'));

    // An endpoint of the node connected to it is evidence enough: no probe is needed.
    endpointConnected = true;
    probe.check();
    await waitFor('the endpoint as evidence', () => probe.up() === true);
    assert.ok(records.some((r) => r.level === 'info' && r.msg === 'broker reachable again'));
    endpointConnected = false;
    probe.check();
    await waitFor('down again', () => probe.up() === false);

    server = createServer((socket) => socket.destroy());
    await listen(server, port);
    await waitFor('the broker back', () => probe.up() === true);
  } finally {
    probe.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the embedded broker is usable while it listens', async () => {
  await using dir = await tempDir();
  const broker = await startBroker({ port: 0, dataDir: join(dir.path, 'broker') });
  const health = embeddedBrokerHealth(broker);
  assert.equal(health.up(), true);
  assert.deepEqual(health.reasons(), []);
  await broker.close();
  assert.equal(health.up(), false);
  assert.deepEqual(health.reasons(), [`embedded broker ${broker.url} is not listening`]);
});

test("an endpoint's broker reports: ready once connected, the state and since in aes status", () => {
  const report = (r: Omit<EndpointBrokerReport, 'kind' | 'url'>): EndpointBrokerReport => ({
    kind: 'broker',
    url: 'stomp://mq1:61613/',
    ...r,
  });
  assert.equal(parseReport(report({ state: 'reconnecting', error: 'x', atMs: 1 }))?.kind, 'broker');
  assert.equal(
    parseReport({ kind: 'broker', state: 'gone', url: 'u', error: null, atMs: 1 }),
    undefined,
  );
  assert.equal(
    parseReport({ kind: 'broker', state: 'connected', url: 'u', error: 1, atMs: 1 }),
    undefined,
  );

  let view: EndpointBrokerView | null = null;
  assert.equal(
    brokerReason('orders-in', view),
    'endpoint orders-in: no broker connection reported yet',
  );
  view = nextBrokerView(view, report({ state: 'connecting', error: null, atMs: 1_000 }));
  assert.equal(
    brokerReason('orders-in', view),
    'endpoint orders-in: broker stomp://mq1:61613/ connecting since 1970-01-01T00:00:01.000Z',
  );
  view = nextBrokerView(view, report({ state: 'connecting', error: 'ECONNREFUSED', atMs: 1_500 }));
  assert.equal(view.sinceMs, 1_000, 'the state began with its first report');
  assert.match(
    brokerReason('orders-in', view) ?? '',
    /connecting since 1970-01-01T00:00:01.000Z: ECONNREFUSED$/,
  );
  view = nextBrokerView(view, report({ state: 'connected', error: null, atMs: 2_000 }));
  assert.equal(view.error, null);
  assert.equal(brokerReason('orders-in', view), undefined, 'ready once connected');
  view = nextBrokerView(
    view,
    report({ state: 'reconnecting', error: 'socket closed', atMs: 3_000 }),
  );
  view = nextBrokerView(view, report({ state: 'reconnecting', error: null, atMs: 4_000 }));
  assert.deepEqual(view, {
    state: 'reconnecting',
    url: 'stomp://mq1:61613/',
    error: 'socket closed',
    sinceMs: 3_000,
  });
  assert.equal(
    brokerReason('orders-in', view),
    'endpoint orders-in: broker stomp://mq1:61613/ reconnecting since 1970-01-01T00:00:03.000Z: socket closed',
  );

  const endpoint: EndpointStatus = {
    name: 'orders-in',
    node: 'a',
    state: 'running',
    pid: 1,
    restarts: 0,
    lastError: null,
    step: 'waiting',
    stepAgeMs: 10,
    counters: null,
    broker: brokerStatus(view, 15_000),
  };
  assert.deepEqual(endpoint.broker, {
    state: 'reconnecting',
    url: 'stomp://mq1:61613/',
    error: 'socket closed',
    since: '1970-01-01T00:00:03.000Z',
    ageMs: 12_000,
  });
  const table = formatClusterStatus({
    nodes: [{ node: 'a', pid: 1, startedAt: '', endpoints: [endpoint] }],
  });
  assert.match(table, /^a +orders-in +running \(broker reconnecting 12 s\) +0 /m);
  const connected = formatClusterStatus({
    nodes: [
      {
        node: 'a',
        pid: 1,
        startedAt: '',
        endpoints: [{ ...endpoint, broker: brokerStatus({ ...view, state: 'connected' }, 15_000) }],
      },
    ],
  });
  assert.match(connected, /^a +orders-in +running +0 /m);
});
