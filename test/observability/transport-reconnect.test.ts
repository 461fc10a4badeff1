/** Transport metrics through a real broker restart: state, reconnects and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createTransport } from '../../transports/index.js';
import { startBroker } from '../../broker/index.js';
import { TransportMetrics } from '../../runtime/observability/index.js';
import { waitFor } from '../runtime/support/helpers.js';
import { sample } from './support.js';

test('a lost broker connection shows as reconnecting, then counts one reconnect', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aes-observe-reconnect-'));
  let broker = await startBroker({ dataDir, port: 0, host: '127.0.0.1' });
  const port = broker.port;
  const transport = createTransport(broker.url, {
    reconnectInitialMs: 50,
    reconnectMaxMs: 200,
    heartbeatMs: 0,
  });
  const registry = new Registry();
  new TransportMetrics(registry).attach(transport, 'orders-in');
  const labels = 'endpoint="orders-in",transport="stomp"';
  const value = async (series: string): Promise<number> => sample(await registry.metrics(), series);
  try {
    await transport.connect({ timeoutMs: 10_000 });
    assert.equal(await value(`aes_transport_state{${labels},state="connected"}`), 1);
    assert.equal(await value(`aes_transport_reconnects_total{${labels}}`), 0);
    await broker.close();
    await waitFor('reconnecting', () => transport.state === 'reconnecting');
    assert.equal(await value(`aes_transport_state{${labels},state="reconnecting"}`), 1);
    assert.equal(await value(`aes_transport_state{${labels},state="connected"}`), 0);
    broker = await startBroker({ dataDir, port, host: '127.0.0.1' });
    await waitFor('connected again', () => transport.state === 'connected');
    assert.equal(await value(`aes_transport_state{${labels},state="connected"}`), 1);
    assert.equal(await value(`aes_transport_reconnects_total{${labels}}`), 1);
    assert.ok((await value(`aes_transport_errors_total{${labels}}`)) >= 1);
  } finally {
    await transport.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
