/**
 * kill -9 of an outbound endpoint process between the broker's confirmation and `popped`:
 * the next process resumes at `popped` and publishes nothing twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeRecords, SourceSystem } from './support/soap-systems.js';
import { drainQueue, memoryTransport, tempDir, waitFor } from './support/helpers.js';
import { startBridge } from './support/http-bridge.js';
import { runFixture, type Child } from './support/child.js';

test('kill -9 between confirmation and popped: resumed at popped, nothing published twice', async () => {
  await using dir = await tempDir();
  await using broker = await memoryTransport();
  await using bridge = await startBridge(broker);
  let victim: Child | undefined;
  let killed = false;
  const source = await SourceSystem.start(makeRecords(15), {
    popped: async (id) => {
      if (id === '7' && !killed && victim !== undefined) {
        killed = true;
        victim.process.kill('SIGKILL');
        await victim.exited;
        throw new Error('the caller is gone');
      }
    },
  });
  const dataDir = join(dir.path, 'orders-out');
  try {
    {
      await using first = runFixture('outbound-child.ts', [source.url, bridge.url, dataDir]);
      victim = first;
      assert.equal(await first.exited, 'SIGKILL');
    }
    assert.ok(killed);
    assert.equal(source.head, 6, 'records 1..6 popped, 7 confirmed but not popped');
    assert.deepEqual(
      bridge.stored,
      Array.from({ length: 7 }, (_, i) => `orders-out:${i + 1}`),
    );

    await using second = runFixture('outbound-child.ts', [source.url, bridge.url, dataDir]);
    await second.line(/^started$/);
    await waitFor('the FIFO emptied', () => source.remaining === 0, 30_000);
    second.process.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'SIGTERM drains and exits 0');

    assert.deepEqual(
      bridge.stored,
      Array.from({ length: 15 }, (_, i) => `orders-out:${i + 1}`),
      'each record stored exactly once',
    );
    assert.equal(source.repops, 0, 'record 7 was not popped again');
    const messages = await drainQueue(broker, '/queue/orders', 15);
    assert.equal(messages.length, 15);
  } finally {
    await source.close();
  }
});
