/** serveEndpoint: the first signal drains, a second one aborts the drain. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { serveEndpoint } from '../../runtime/index.js';
import { TargetSystem } from './support/soap-systems.js';
import { SoapInbound, targetClient } from './support/soap-endpoints.js';
import { deferred, memoryTransport, tempDir, waitFor } from './support/helpers.js';

test('SIGTERM drains; a second signal aborts the in-flight put; exit code 0', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  const entered = deferred();
  class HangingInbound extends SoapInbound {
    protected override put(): Promise<void> {
      entered.resolve();
      return new Promise(() => undefined); // a target call that never returns
    }
  }
  const endpoint = new HangingInbound(
    {
      name: 'orders-in',
      transport,
      dataDir: join(dir.path, 'in'),
      source: '/queue/orders',
      callTimeoutMs: 60_000,
    },
    await targetClient(target.url),
  );
  const signals = new EventEmitter();
  const errors: unknown[] = [];
  try {
    const serving = serveEndpoint(endpoint, {
      signalSource: signals,
      drainTimeoutMs: 60_000,
      onError: (e) => errors.push(e),
    });
    await transport.publish('/queue/orders', '{"n":1}', { messageId: 'src:1' });
    await entered.promise;
    signals.emit('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(endpoint.snapshot().step, 'put', 'still draining the put in hand');
    signals.emit('SIGINT');
    assert.equal(await serving, 0);
    assert.equal(endpoint.snapshot().step, 'stopped');
    assert.deepEqual(errors, []);
    assert.equal(signals.listenerCount('SIGTERM'), 0, 'signal handlers removed');
    await waitFor('the message back on the queue', () => endpoint.snapshot().counters.nacked === 1);
  } finally {
    await target.close();
  }
});

test('an endpoint that cannot start yields exit code 1 and the reason', async () => {
  await using dir = await tempDir();
  const transport = await memoryTransport();
  await transport.close(); // subscribe will fail: the transport is closed
  const target = await TargetSystem.start();
  try {
    const errors: unknown[] = [];
    const endpoint = new SoapInbound(
      { name: 'orders-in', transport, dataDir: join(dir.path, 'in'), source: '/queue/orders' },
      await targetClient(target.url),
    );
    const code = await serveEndpoint(endpoint, {
      signalSource: new EventEmitter(),
      onError: (e) => errors.push(e),
    });
    assert.equal(code, 1);
    assert.equal((errors[0] as { code?: string }).code, 'TRANSPORT_CLOSED');
  } finally {
    await target.close();
  }
});
