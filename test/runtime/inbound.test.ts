/** Inbound endpoints against a real SOAP target: de-duplication, dead-lettering, draining. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Transport } from '../../transports/index.js';
import {
  DEAD_LETTER_ENDPOINT_HEADER,
  DEAD_LETTER_FROM_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DELIVERY_COUNT_HEADER,
  type InboundEndpointOptions,
} from '../../runtime/index.js';
import { TargetSystem } from './support/soap-systems.js';
import { SoapBatchInbound, SoapInbound, targetClient } from './support/soap-endpoints.js';
import { deferred, drainQueue, memoryTransport, tempDir, waitFor } from './support/helpers.js';

const FAST = {
  retry: { initialMs: 5, maxMs: 50 },
  nackDelay: { initialMs: 1, maxMs: 20 },
  callTimeoutMs: 5_000,
} as const;

async function inbound(
  transport: Transport,
  target: TargetSystem,
  dataDir: string,
  options: Partial<InboundEndpointOptions> = {},
): Promise<SoapInbound> {
  const endpoint = new SoapInbound(
    { ...FAST, name: 'orders-in', transport, dataDir, source: '/queue/orders', ...options },
    await targetClient(target.url),
  );
  await endpoint.start();
  return endpoint;
}

async function publish(transport: Transport, ids: readonly number[]): Promise<void> {
  for (const n of ids) {
    await transport.publish('/queue/orders', JSON.stringify({ n }), { messageId: `src:${n}` });
  }
}

test('duplicates are dropped, also after a restart on the same store', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  const dataDir = join(dir.path, 'in');
  try {
    const first = await inbound(transport, target, dataDir);
    // The outbound side re-publishing 2 and 3 (its documented duplicate window).
    await publish(transport, [1, 2, 3, 2, 3, 4]);
    await waitFor('6 deliveries handled', () => first.snapshot().counters.acked === 6);
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['src:1', 'src:2', 'src:3', 'src:4'],
    );
    assert.equal(first.snapshot().counters.deduplicated, 2);
    await first.stop();

    const second = await inbound(transport, target, dataDir);
    await publish(transport, [4, 1, 5]);
    await waitFor('3 deliveries handled', () => second.snapshot().counters.acked === 3);
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['src:1', 'src:2', 'src:3', 'src:4', 'src:5'],
    );
    assert.equal(second.snapshot().counters.deduplicated, 2);
    assert.equal(second.wasDelivered('src:1'), true);
    assert.equal(second.wasDelivered('src:9'), false);
    await second.stop();
  } finally {
    await target.close();
  }
});

test('after maxDeliveries a message is dead-lettered with the reason, then acked', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start({ alwaysFail: new Set(['src:2']) });
  try {
    const endpoint = await inbound(transport, target, join(dir.path, 'in'), { maxDeliveries: 3 });
    await publish(transport, [1, 2, 3]);
    const dead = await drainQueue(transport, '/queue/dead-letter.orders-in', 1);
    await waitFor('3 and the dead letter acked', () => endpoint.snapshot().counters.acked === 3);
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['src:1', 'src:3'],
    );
    assert.equal(dead.length, 1);
    const letter = dead[0];
    assert.ok(letter !== undefined);
    assert.equal(letter.messageId, 'src:2');
    assert.deepEqual(JSON.parse(letter.body.toString()), { n: 2 });
    assert.match(
      letter.headers[DEAD_LETTER_REASON_HEADER] ?? '',
      /put failed 3 times; last: .*target refused src:2/,
    );
    assert.equal(letter.headers[DELIVERY_COUNT_HEADER], '3');
    assert.equal(letter.headers[DEAD_LETTER_ENDPOINT_HEADER], 'orders-in');
    assert.equal(letter.headers[DEAD_LETTER_FROM_HEADER], '/queue/orders');
    const c = endpoint.snapshot().counters;
    assert.equal(c.deadLettered, 1);
    assert.equal(c.nacked, 2);
    assert.equal(target.calls.put, 5, 'three tries of src:2, one each of src:1 and src:3');
    assert.equal(endpoint.wasDelivered('src:2'), false);
    await endpoint.stop();
  } finally {
    await target.close();
  }
});

test('a body that is not JSON is dead-lettered at once, without calling the target', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  try {
    const endpoint = await inbound(transport, target, join(dir.path, 'in'), {
      deadLetter: '/queue/poison',
    });
    await transport.publish('/queue/orders', '{"n": 1', { messageId: 'src:bad' });
    await publish(transport, [2]);
    const dead = await drainQueue(transport, '/queue/poison', 1);
    await waitFor('src:2 delivered', () => target.accepted.length === 1);
    assert.match(dead[0]?.headers[DEAD_LETTER_REASON_HEADER] ?? '', /^bad payload: /);
    assert.equal(dead[0]?.headers[DELIVERY_COUNT_HEADER], '1');
    assert.equal(target.calls.put, 1);
    await endpoint.stop();
  } finally {
    await target.close();
  }
});

test('stop() drains: the put in hand finishes and is acked, the rest stays queued', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  const release = deferred();
  const started = deferred();
  class SlowInbound extends SoapInbound {
    protected override async put(
      ...args: Parameters<SoapInbound['put']>
    ): ReturnType<SoapInbound['put']> {
      started.resolve();
      await release.promise;
      return super.put(...args);
    }
  }
  try {
    const endpoint = new SlowInbound(
      {
        ...FAST,
        name: 'orders-in',
        transport,
        dataDir: join(dir.path, 'in'),
        source: '/queue/orders',
        prefetch: 3,
      },
      await targetClient(target.url),
    );
    await endpoint.start();
    await publish(transport, [1, 2, 3, 4]);
    await started.promise;
    const stopping = endpoint.stop({ timeoutMs: 10_000 });
    setTimeout(() => release.resolve(), 50);
    await stopping;
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['src:1'],
    );
    const rest = await drainQueue(transport, '/queue/orders', 3);
    assert.deepEqual(
      rest.map((m) => m.messageId),
      ['src:2', 'src:3', 'src:4'],
    );
    assert.equal(endpoint.snapshot().step, 'stopped');
  } finally {
    await target.close();
  }
});

test('prefetch > 1: syncs overlap the next put, adjacent copies are still dropped, order kept', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  try {
    const endpoint = await inbound(transport, target, join(dir.path, 'in'), { prefetch: 10 });
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    // Each message twice in a row: a lost confirmation republished at once.
    await publish(
      transport,
      ids.flatMap((n) => [n, n]),
    );
    await waitFor('60 deliveries acked', () => endpoint.snapshot().counters.acked === 60);
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ids.map((n) => `src:${n}`),
    );
    assert.equal(endpoint.snapshot().counters.deduplicated, 30);
    await endpoint.stop();
    assert.equal(endpoint.snapshot().step, 'stopped');
  } finally {
    await target.close();
  }
});

test('batch mode: putMany for several messages, one bad message falls back to put alone', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start({ alwaysFail: new Set(['src:17']) });
  try {
    const endpoint = new SoapBatchInbound(
      {
        ...FAST,
        name: 'orders-in',
        transport,
        dataDir: join(dir.path, 'in'),
        source: '/queue/orders',
        prefetch: 10,
        batchSize: 10,
        maxDeliveries: 2,
      },
      await targetClient(target.url),
    );
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    await publish(transport, ids);
    await endpoint.start();
    await publish(transport, [5, 6, 7]); // copies of delivered messages
    const dead = await drainQueue(transport, '/queue/dead-letter.orders-in', 1);
    await waitFor('43 deliveries handled', () => endpoint.snapshot().counters.acked === 43);
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ids.filter((n) => n !== 17).map((n) => `src:${n}`),
    );
    assert.equal(dead[0]?.messageId, 'src:17');
    assert.ok(target.calls.putMany <= 8, `putMany calls: ${target.calls.putMany}`);
    const c = endpoint.snapshot().counters;
    assert.equal(c.deduplicated, 3);
    assert.equal(c.delivered, 39);
    assert.equal(c.deadLettered, 1);
    await endpoint.stop();
  } finally {
    await target.close();
  }
});

test('batch mode without putMany is refused at start', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const target = await TargetSystem.start();
  try {
    const endpoint = new SoapInbound(
      { name: 'in', transport, dataDir: join(dir.path, 'in'), source: '/queue/q', batchSize: 5 },
      await targetClient(target.url),
    );
    await assert.rejects(endpoint.start(), { code: 'RUNTIME_BAD_OPTION', option: 'batchSize' });
  } finally {
    await target.close();
  }
});
