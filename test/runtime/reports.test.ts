/**
 * A real endpoint reporting to a hang detector: waiting for messages for longer than the hang
 * limit is not a hang; a target call that never returns is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HangDetector, type HangReason } from '../../runtime/supervisor/hang-detector.js';
import { reportTo } from '../../runtime/supervisor/reporter.js';
import { systemClock } from '../../runtime/clock.js';
import { TargetSystem } from './support/soap-systems.js';
import { SoapInbound, targetClient } from './support/soap-endpoints.js';
import { deferred, memoryTransport, tempDir } from './support/helpers.js';

test('idle beyond the hang limit is fine; a put without headway is a hang', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  const hung = deferred<HangReason>();
  const detector = new HangDetector({
    hangLimitMs: 300,
    checkIntervalMs: 20,
    clock: systemClock,
    onHang: (reason) => hung.resolve(reason),
  });
  class StuckInbound extends SoapInbound {
    protected override put(): Promise<void> {
      return new Promise(() => undefined);
    }
  }
  const endpoint = new StuckInbound(
    {
      name: 'orders-in',
      transport,
      dataDir: join(dir.path, 'in'),
      source: '/queue/orders',
      heartbeatIntervalMs: 50,
      callTimeoutMs: 60_000,
      listener: reportTo(detector),
    },
    await targetClient(target.url),
  );
  let hangs = 0;
  void hung.promise.then(() => (hangs += 1));
  try {
    detector.start();
    await endpoint.start();
    await new Promise((resolve) => setTimeout(resolve, 800)); // waiting: heartbeats only
    assert.equal(hangs, 0, 'waiting for messages is not a hang');
    const before = Date.now();
    await transport.publish('/queue/orders', '{"n":1}', { messageId: 'src:1' });
    const reason = await hung.promise;
    assert.deepEqual(
      { kind: reason.kind, step: reason.kind === 'no-progress' ? reason.step : '' },
      { kind: 'no-progress', step: 'put' },
    );
    assert.ok(Date.now() - before >= 300);
  } finally {
    detector.stop();
    await endpoint.abort();
    await target.close();
  }
});
