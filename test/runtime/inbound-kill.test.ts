/**
 * kill -9 of an inbound endpoint process: between the target call and the ack (after the id was
 * recorded) nothing reaches the target twice. Between the target's success and the recording of
 * the id — the put window docs/endpoints.md documents — the put was marked first: an endpoint
 * with `alreadyDelivered()` asks the target and does not put it again (exactly once); one
 * without puts it again and counts a possible duplicate. With `concurrency` 16, a kill -9 with 16
 * puts in flight (all of which the target then accepts) leaves every one of them marked: each is
 * found at the target on restart, and every record is there exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EndpointCounters } from '../../runtime/index.js';
import { TargetSystem } from './support/soap-systems.js';
import { memoryTransport, tempDir, waitFor } from './support/helpers.js';
import { startBridge } from './support/http-bridge.js';
import { runFixture } from './support/child.js';

const IDS = Array.from({ length: 10 }, (_, i) => `src:${i + 1}`);

async function scenario(
  dieStep: 'ack' | 'record',
  lookup = false,
): Promise<{
  accepted: string[];
  counters: EndpointCounters;
  leftInQueue: number;
}> {
  await using dir = await tempDir();
  await using broker = await memoryTransport();
  await using bridge = await startBridge(broker);
  const target = await TargetSystem.start();
  const dataDir = join(dir.path, 'orders-in');
  try {
    for (const [i, id] of IDS.entries()) {
      await broker.publish('/queue/orders', JSON.stringify({ n: i + 1 }), { messageId: id });
    }
    {
      await using first = runFixture('inbound-child.ts', [
        target.url,
        bridge.url,
        dataDir,
        dieStep,
        'src:4',
        ...(lookup ? ['--lookup'] : []),
      ]);
      assert.equal(await first.exited, 'SIGKILL');
    }
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      IDS.slice(0, 4),
    );
    await using second = runFixture('inbound-child.ts', [
      target.url,
      bridge.url,
      dataDir,
      ...(lookup ? ['--lookup'] : []),
    ]);
    await second.line(/^started$/);
    await waitFor('src:10 at the target', () =>
      target.accepted.some((a) => a.messageId === 'src:10'),
    );
    second.process.kill('SIGTERM');
    const line = await second.line(/^counters /);
    assert.equal(await second.exited, 0);
    let leftInQueue = 0;
    const probe = await broker.subscribe('/queue/orders', () => {
      leftInQueue += 1;
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await probe.unsubscribe();
    return {
      accepted: target.accepted.map((a) => a.messageId),
      counters: JSON.parse(line.slice('counters '.length)) as EndpointCounters,
      leftInQueue,
    };
  } finally {
    await target.close();
  }
}

test('kill -9 between the target call and the ack: every message reaches the target once', async () => {
  const { accepted, counters, leftInQueue } = await scenario('ack');
  assert.deepEqual(accepted, IDS);
  assert.equal(counters.deduplicated, 1, 'the redelivered src:4 was dropped');
  assert.equal(counters.delivered, 6);
  assert.equal(leftInQueue, 0);
});

test('kill -9 after the target accepted, before the id is recorded: put again, counted', async () => {
  const { accepted, counters, leftInQueue } = await scenario('record');
  assert.deepEqual(accepted, [...IDS.slice(0, 4), 'src:4', ...IDS.slice(4)]);
  assert.equal(counters.deduplicated, 0);
  assert.equal(counters.possibleDuplicates, 1, 'the second put of src:4 is counted');
  assert.equal(counters.confirmedDelivered, 0);
  assert.equal(leftInQueue, 0);
});

test('the same window with alreadyDelivered(): the target is asked, nothing twice', async () => {
  const { accepted, counters, leftInQueue } = await scenario('record', true);
  assert.deepEqual(accepted, IDS);
  assert.equal(counters.confirmedDelivered, 1, 'src:4 was found at the target');
  assert.equal(counters.possibleDuplicates, 0);
  assert.equal(leftInQueue, 0);
});

test('kill -9 with 16 puts in flight (concurrency 16): every message at the target exactly once', async () => {
  await using dir = await tempDir();
  await using broker = await memoryTransport();
  await using bridge = await startBridge(broker);
  // Slow enough that 16 puts are in flight together; the target completes them after the kill.
  const target = await TargetSystem.start({ delayMs: 300 });
  const dataDir = join(dir.path, 'orders-in');
  const ids = Array.from({ length: 40 }, (_, i) => `src:${i + 1}`);
  try {
    for (const [i, id] of ids.entries()) {
      await broker.publish('/queue/orders', JSON.stringify({ n: i + 1 }), { messageId: id });
    }
    const args = [target.url, bridge.url, dataDir, '--lookup', '--concurrency=16'];
    {
      await using first = runFixture('inbound-child.ts', [...args, '--die-in-flight=16']);
      assert.equal(await first.exited, 'SIGKILL');
    }
    await using second = runFixture('inbound-child.ts', args);
    await second.line(/^started$/);
    await waitFor(
      'every message at the target',
      () => new Set(target.accepted.map((a) => a.messageId)).size === ids.length,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would come behind
    second.process.kill('SIGTERM');
    const line = await second.line(/^counters /);
    assert.equal(await second.exited, 0);
    const counters = JSON.parse(line.slice('counters '.length)) as EndpointCounters;
    const accepted = target.accepted.map((a) => a.messageId);
    assert.deepEqual([...accepted].sort(), [...ids].sort(), 'each message exactly once');
    assert.ok(
      counters.confirmedDelivered >= 1,
      `puts in flight at the kill were found at the target: ${JSON.stringify(counters)}`,
    );
    assert.equal(counters.possibleDuplicates, 0);
  } finally {
    await target.close();
  }
});
