/**
 * A message an aes endpoint dead-lettered (it carries `aes-dead-letter-at`) stays in its queue
 * however often it comes back unacknowledged — `aes dlq` browses by taking and giving back —
 * while any other message is moved to `<queue>.dlq` at the delivery limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../broker/index.js';
import { createTransport, type Destination } from '../../transports/index.js';

/** Takes every message of `queue` and gives it back (closing unacked); returns their ids. */
async function takeAndGiveBack(url: string, queue: Destination): Promise<string[]> {
  const client = createTransport(url);
  await client.connect();
  const ids: string[] = [];
  await client.subscribe(
    queue,
    (message) => {
      ids.push(message.messageId ?? '');
      return new Promise<void>(() => undefined);
    },
    { prefetch: 100 },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.close();
  return ids.sort();
}

test('endpoint dead letters are never dead-lettered again by the broker', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aes-broker-dl-'));
  const broker = await startBroker({ port: 0, dataDir: dir, maxDeliveries: 2 });
  const producer = createTransport(broker.url);
  try {
    await producer.connect();
    const queue = '/queue/dead-letter.orders-in';
    await producer.publish(queue, 'a', {
      messageId: 'dead:1',
      headers: { 'aes-dead-letter-at': new Date().toISOString() },
    });
    await producer.publish(queue, 'b', { messageId: 'plain:1' });
    assert.deepEqual(await takeAndGiveBack(broker.url, queue), ['dead:1', 'plain:1']);
    assert.deepEqual(await takeAndGiveBack(broker.url, queue), ['dead:1', 'plain:1']);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await takeAndGiveBack(broker.url, queue), ['dead:1']);
    }
    assert.deepEqual(await takeAndGiveBack(broker.url, `${queue}.dlq`), ['plain:1']);
  } finally {
    await producer.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
});
