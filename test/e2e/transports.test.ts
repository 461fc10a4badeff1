/**
 * The basic end-to-end run over real external brokers: RabbitMQ's STOMP plugin, RabbitMQ's MQTT
 * plugin and Mosquitto. Two nodes, the inbound one started first (an MQTT queue exists only
 * once its consumer subscribed). Skipped, saying why, when a broker is not running.
 */
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { serviceSkipReason } from '../support/services.js';
import { endMqttSessions } from '../transports/mqtt-sessions.js';
import { makeProject, RunningNode } from './support/project.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';
import type { ClusterStatus } from '../../runtime/node/index.js';

async function waitSubscribed(node: RunningNode, endpoint: string): Promise<void> {
  const until = Date.now() + 150_000;
  for (;;) {
    const status = JSON.parse(node.cli(['status', '--json']).stdout) as ClusterStatus;
    const found = status.nodes.flatMap((n) => (n.error === undefined ? n.endpoints : []));
    if (found.find((e) => e.name === endpoint)?.step === 'waiting') return;
    if (Date.now() > until) {
      throw new Error(
        `${endpoint} did not subscribe within 150 s: ${JSON.stringify(found)}\n${node.tail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runOver(url: string, mqtt?: { readonly version: 4 | 5 }): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const source = await SourceSystem.start(makeRecords(10));
  const target = await TargetSystem.start();
  const env = {
    E2E_SOURCE_URL: source.url,
    E2E_TARGET_URL: target.url,
    E2E_QUEUE: `/queue/e2e-${run}`,
  };
  const nodes = { in: `in-${run}`, out: `out-${run}` };
  await using projectIn = await makeProject({
    node: nodes.in,
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: { broker: { urls: [url] } },
  });
  await using projectOut = await makeProject({
    node: nodes.out,
    endpoints: { 'orders-out': 'orders-out.ts' },
    config: { broker: { urls: [url] } },
  });
  try {
    await using inbound = await RunningNode.start(nodes.in, projectIn, env);
    await waitSubscribed(inbound, 'orders-in');
    await using outbound = await RunningNode.start(nodes.out, projectOut, env);
    await waitDelivered(source, target, 10);
    assertExactlyOnceInOrder(source, target, 'orders-out');
    await outbound.stop();
    await inbound.stop();
  } finally {
    await source.close();
    await target.close();
    if (mqtt !== undefined) {
      await endMqttSessions(
        url,
        [`orders-in.${nodes.in}`, `orders-out.${nodes.out}`],
        mqtt.version,
      );
    }
  }
}

test('over RabbitMQ STOMP', async (t) => {
  const skip = await serviceSkipReason('RabbitMQ STOMP', '127.0.0.1', 61613);
  if (skip !== undefined) return t.skip(skip);
  await runOver('stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=300000');
});

test('over RabbitMQ MQTT', async (t) => {
  const skip = await serviceSkipReason('RabbitMQ MQTT', '127.0.0.1', 1884);
  if (skip !== undefined) return t.skip(skip);
  await runOver('mqtt://guest:guest@127.0.0.1:1884?broker=rabbitmq', { version: 4 });
});

test('over Mosquitto (MQTT 5)', async (t) => {
  const skip = await serviceSkipReason('Mosquitto', '127.0.0.1', 1883);
  if (skip !== undefined) return t.skip(skip);
  await runOver('mqtt://127.0.0.1:1883?broker=mosquitto', { version: 5 });
});
