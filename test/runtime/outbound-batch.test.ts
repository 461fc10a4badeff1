/**
 * Outbound batch mode against the real SOAP source system: PoppedMany marks a whole batch, the
 * fallback calls Popped per record in order, a failing PoppedMany is retried as a whole, and a
 * restart between the confirmation and PoppedMany resumes with the journaled batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeRecords, SourceSystem, type SourceHooks } from './support/soap-systems.js';
import { SoapBatchOutbound, SoapOutbound, sourceClient } from './support/soap-endpoints.js';
import { deferred, drainQueue, memoryTransport, tempDir, waitFor } from './support/helpers.js';
import type { OutboundEndpointOptions } from '../../runtime/index.js';

const FAST = {
  retry: { initialMs: 5, maxMs: 50 },
  idlePoll: { initialMs: 5, maxMs: 50 },
  callTimeoutMs: 5_000,
};

const ids = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `orders-out:${from + i}`);

async function run(
  count: number,
  batched: boolean,
  hooks: SourceHooks = {},
  extra: Partial<OutboundEndpointOptions> = {},
) {
  const dir = await tempDir();
  const source = await SourceSystem.start(makeRecords(count), hooks);
  const transport = await memoryTransport();
  const options: OutboundEndpointOptions = {
    ...FAST,
    name: 'orders-out',
    transport,
    dataDir: join(dir.path, 'out'),
    destination: '/queue/orders',
    batchSize: 10,
    ...extra,
  };
  const client = await sourceClient(source.url);
  const outbound = batched
    ? new SoapBatchOutbound(options, client)
    : new SoapOutbound(options, client);
  await outbound.start();
  return {
    source,
    transport,
    outbound,
    async [Symbol.asyncDispose]() {
      await outbound.stop();
      await transport.close();
      await source.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

test('batch mode with PoppedMany: one call marks each batch, nothing popped twice', async () => {
  await using r = await run(95, true);
  await waitFor('95 completed', () => r.outbound.snapshot().counters.completed === 95);
  assert.equal(r.source.remaining, 0);
  assert.equal(r.source.calls.popped, 0, 'no Popped per record');
  // 9 full batches and one of 5.
  assert.equal(r.source.calls.poppedMany, 10);
  assert.equal(r.source.repops, 0);
  const messages = await drainQueue(r.transport, '/queue/orders', 95);
  assert.deepEqual(
    messages.map((m) => m.messageId),
    ids(95),
  );
});

test('batch mode without poppedMany: Popped for each record, in FIFO order', async () => {
  const order: string[] = [];
  await using r = await run(25, false, { popped: (id) => void order.push(id) });
  await waitFor('25 completed', () => r.outbound.snapshot().counters.completed === 25);
  assert.equal(r.source.calls.poppedMany, 0);
  assert.equal(r.source.calls.popped, 25);
  assert.deepEqual(
    order,
    Array.from({ length: 25 }, (_, i) => String(i + 1)),
  );
});

test('PoppedMany failing for a while: the whole batch retried, then the next batch', async () => {
  const errors: string[] = [];
  // Marks 11..14 fail: the second batch's first id, four times; the batch is retried whole.
  await using r = await run(
    30,
    true,
    {
      popped: (id, mark) => {
        if (mark >= 11 && mark <= 14) throw new Error(`source busy (popped ${id})`);
      },
    },
    { listener: { error: (e) => errors.push(`${e.step}#${e.attempt}`) } },
  );
  await waitFor('30 completed', () => r.outbound.snapshot().counters.completed === 30);
  assert.deepEqual(errors, ['popped#1', 'popped#2', 'popped#3', 'popped#4']);
  assert.equal(r.source.calls.poppedMany, 3 + 4);
  assert.equal(r.source.repops, 0);
  assert.equal(r.outbound.snapshot().counters.published, 30, 'nothing published again');
});

test('a restart between the confirmation and PoppedMany resumes with the journaled batch', async () => {
  await using dir = await tempDir();
  const gate = deferred();
  let hang = true;
  // Batch 2 (ids 6..10): PoppedMany marks 6 and 7, then hangs on 8 until the endpoint is gone.
  const source = await SourceSystem.start(makeRecords(12), {
    popped: async (id) => {
      if (id === '8' && hang) {
        hang = false;
        await gate.promise;
      }
    },
  });
  await using transport = await memoryTransport();
  const client = await sourceClient(source.url);
  const options = {
    ...FAST,
    transport,
    dataDir: join(dir.path, 'out'),
    name: 'orders-out',
    destination: '/queue/orders',
    batchSize: 5,
  } as const;
  let inBatch2 = false;
  const first = new SoapBatchOutbound(
    {
      ...options,
      listener: {
        step: (e) => {
          if (e.step === 'popped' && e.ids?.[0] === '6') inBatch2 = true;
        },
      },
    },
    client,
  );
  try {
    await first.start();
    await waitFor('the first instance in PoppedMany(6..10)', () => inBatch2 && source.head === 7);
    await first.stop({ timeoutMs: 100 });
  } finally {
    gate.reject(new Error('the caller went away'));
  }
  assert.equal(source.head, 7, '1..7 marked popped, 8..10 confirmed but not');
  assert.equal(first.snapshot().counters.published, 10);

  const recovered: string[][] = [];
  const second = new SoapBatchOutbound(
    {
      ...options,
      listener: { step: (e) => void (e.step === 'recover' && recovered.push([...(e.ids ?? [])])) },
    },
    client,
  );
  try {
    const calls = source.calls.poppedMany;
    await second.start();
    await waitFor('the FIFO emptied', () => source.remaining === 0);
    await waitFor('7 completed', () => second.snapshot().counters.completed === 5 + 2);
    assert.deepEqual(recovered, [['6', '7', '8', '9', '10']]);
    // The journaled batch again (6 and 7 already marked: accepted), then 11..12.
    assert.equal(source.calls.poppedMany, calls + 2);
    assert.equal(second.snapshot().counters.published, 2, 'records 11 and 12 only');
    const messages = await drainQueue(transport, '/queue/orders', 12);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      ids(12),
    );
    assert.equal(source.repops, 0);
  } finally {
    await second.stop();
    await source.close();
  }
});
