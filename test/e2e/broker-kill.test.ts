/**
 * kill -9 of the broker: `aes broker` runs as its own process and the node uses it as its
 * external broker; it is killed in the middle of the run and started again on the same port and
 * data. Every record still reaches the target exactly once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { makeProject, RunningNode } from './support/project.js';
import { startBrokerProcess } from '../support/broker-process.js';
import { freePort } from '../support/ports.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';

async function startBroker(port: number, dataDir: string): Promise<ChildProcess> {
  const started = await startBrokerProcess([
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--max-deliveries',
    '1000000',
  ]);
  return started.child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test('kill -9 of the broker (aes broker, an external broker of the node)', async () => {
  const count = 30;
  const source = await SourceSystem.start(makeRecords(count));
  const target = await TargetSystem.start();
  const port = await freePort();
  await using project = await makeProject({
    node: 'bk',
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
    config: {
      broker: { urls: [`stomp://127.0.0.1:${port}`] },
      endpoints: { defaults: { restartBackoff: { initialMs: 100, maxMs: 1_000 } } },
    },
  });
  const brokerData = join(project.dir, 'broker-data');
  let broker = await startBroker(port, brokerData);
  try {
    await using node = await RunningNode.start('bk', project, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
    });
    const until = Date.now() + 60_000;
    while (target.accepted.length < 5 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(target.accepted.length >= 5, 'records flowed before the kill');
    await kill9(broker);
    const atKill = target.accepted.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    broker = await startBroker(port, brokerData);
    await waitDelivered(source, target, count, 120_000);
    assertExactlyOnceInOrder(source, target, 'orders-out');
    assert.ok(atKill < count, 'the broker died in the middle of the run');
    assert.equal(await node.stop(), 0);
  } finally {
    await kill9(broker);
    await source.close();
    await target.close();
  }
});
