/**
 * Integration: real SOAP source and target systems (node-soap on loopback), real outbound and
 * inbound endpoints, the in-memory transport in between.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Transport } from '../../transports/index.js';
import { OutboundJournal } from '../../runtime/store/outbound-journal.js';
import type { EndpointStep, LatencyEvent } from '../../runtime/index.js';
import { makeRecords, SourceSystem, TargetSystem } from './support/soap-systems.js';
import {
  SoapDoublePhaseOutbound,
  SoapInbound,
  SoapOutbound,
  sourceClient,
  targetClient,
} from './support/soap-endpoints.js';
import { deferred, drainQueue, memoryTransport, tempDir, waitFor } from './support/helpers.js';
import { LossyTransport, seeded } from './support/lossy-transport.js';

const FAST = {
  retry: { initialMs: 5, maxMs: 50 },
  idlePoll: { initialMs: 5, maxMs: 50 },
  callTimeoutMs: 5_000,
};

interface Pipeline {
  readonly source: SourceSystem;
  readonly target: TargetSystem;
  readonly transport: Transport;
  readonly outbound: SoapOutbound | SoapDoublePhaseOutbound;
  readonly inbound: SoapInbound;
  readonly steps: EndpointStep[];
  /** The inbound endpoint's latency events: pop to acceptance, per record. */
  readonly latencies: LatencyEvent[];
}

async function pipeline(
  dir: string,
  options: {
    records: number;
    doublePhase?: boolean;
    batchSize?: number;
    failRate?: number;
    maxDeliveries?: number;
  },
): Promise<Pipeline & AsyncDisposable> {
  const source = await SourceSystem.start(makeRecords(options.records));
  const target = await TargetSystem.start({ failRate: options.failRate ?? 0, seed: 7 });
  const transport = await memoryTransport();
  const steps: EndpointStep[] = [];
  const latencies: LatencyEvent[] = [];
  const outboundOptions = {
    ...FAST,
    name: 'orders-out',
    transport,
    dataDir: join(dir, 'orders-out'),
    destination: '/queue/orders',
    batchSize: options.batchSize ?? 1,
    listener: { step: (e: { step: EndpointStep }) => steps.push(e.step) },
  } as const;
  const client = await sourceClient(source.url);
  const outbound =
    options.doublePhase === true
      ? new SoapDoublePhaseOutbound(outboundOptions, client)
      : new SoapOutbound(outboundOptions, client);
  const inbound = new SoapInbound(
    {
      ...FAST,
      name: 'orders-in',
      transport,
      dataDir: join(dir, 'orders-in'),
      source: '/queue/orders',
      maxDeliveries: options.maxDeliveries ?? 50,
      nackDelay: { initialMs: 1, maxMs: 20 },
      listener: { latency: (e) => latencies.push(e) },
    },
    await targetClient(target.url),
  );
  await inbound.start();
  await outbound.start();
  return {
    source,
    target,
    transport,
    outbound,
    inbound,
    steps,
    latencies,
    async [Symbol.asyncDispose]() {
      await outbound.stop();
      await inbound.stop();
      await transport.close();
      await source.close();
      await target.close();
    },
  };
}

function assertExactlyOnceInOrder(target: TargetSystem, count: number): void {
  const ids = target.accepted.map((a) => a.messageId);
  assert.deepEqual(
    ids,
    Array.from({ length: count }, (_, i) => `orders-out:${i + 1}`),
  );
  for (const [i, a] of target.accepted.entries()) {
    assert.deepEqual(a.payload, { n: i + 1, text: `record ${i + 1}`, tags: ['a', 'ü'] });
  }
}

test('single phase: every record reaches the target once, in order', async () => {
  const startedAt = Date.now();
  await using dir = await tempDir();
  await using p = await pipeline(dir.path, { records: 60 });
  await waitFor('60 records at the target', () => p.target.accepted.length >= 60);
  // The source counts a Popped before its answer reaches the endpoint: wait for the endpoint.
  await waitFor('60 records completed', () => p.outbound.snapshot().counters.completed === 60);
  // Likewise the target counts a put before its answer reaches the inbound endpoint.
  await waitFor('60 records delivered', () => p.inbound.snapshot().counters.delivered === 60);
  assertExactlyOnceInOrder(p.target, 60);
  assert.equal(p.source.repops, 0, 'no record was popped twice');
  const out = p.outbound.snapshot().counters;
  assert.equal(out.popped, 60);
  assert.equal(out.confirmed, 60);
  assert.equal(out.completed, 60);
  const inbound = p.inbound.snapshot().counters;
  assert.equal(inbound.delivered, 60);
  assert.equal(inbound.deduplicated, 0);
  // Each record's latency, pop to acceptance, once, within the test's own time.
  assert.deepEqual(
    p.latencies.map((e) => e.ids?.join()),
    Array.from({ length: 60 }, (_, i) => `orders-out:${i + 1}`),
  );
  for (const e of p.latencies) {
    assert.ok(e.latencyMs >= 0 && e.latencyMs <= Date.now() - startedAt, JSON.stringify(e));
  }
  // One record in flight: pop → publish → journal → popped, never two pops in a row with data.
  const work = p.steps.filter(
    (s) => s === 'pop' || s === 'publish' || s === 'journal' || s === 'popped',
  );
  for (let i = 0; i + 1 < work.length; i += 1) {
    if (work[i] === 'publish') assert.equal(work[i + 1], 'journal');
    if (work[i] === 'journal') assert.equal(work[i + 1], 'popped');
  }
});

test('double phase in batch mode: pop ids, build documents, all once and in order', async () => {
  await using dir = await tempDir();
  await using p = await pipeline(dir.path, { records: 95, doublePhase: true, batchSize: 10 });
  await waitFor('95 records at the target', () => p.target.accepted.length >= 95);
  await waitFor('the FIFO emptied', () => p.source.remaining === 0);
  assertExactlyOnceInOrder(p.target, 95);
  assert.equal(p.source.calls.build, 95);
  assert.equal(p.source.repops, 0);
  // 9 full batches and one of 5 (plus polls of the empty FIFO), each marked by one PoppedMany.
  assert.ok(p.source.calls.pop >= 10);
  await waitFor('95 completed', () => p.outbound.snapshot().counters.completed === 95);
  assert.equal(p.source.calls.poppedMany, 10);
  assert.equal(p.source.calls.popped, 0);
});

test('the target failing 30% of calls still gets every record once, in order', async () => {
  await using dir = await tempDir();
  await using p = await pipeline(dir.path, { records: 60, failRate: 0.3 });
  await waitFor('60 records at the target', () => p.target.accepted.length >= 60, 60_000);
  assertExactlyOnceInOrder(p.target, 60);
  assert.ok(p.target.calls.failed >= 10, `failures injected: ${p.target.calls.failed}`);
  const c = p.inbound.snapshot().counters;
  assert.equal(c.nacked, p.target.calls.failed);
  assert.equal(c.deadLettered, 0);
});

test('popped failing for a while: retried with backoff, nothing popped or published twice', async () => {
  await using dir = await tempDir();
  const source = await SourceSystem.start(makeRecords(20), {
    popped: (id, call) => {
      if (call >= 4 && call <= 12) throw new Error(`source busy (popped ${id})`);
    },
  });
  await using transport = await memoryTransport();
  const errors: string[] = [];
  const outbound = new SoapOutbound(
    {
      ...FAST,
      name: 'orders-out',
      transport,
      dataDir: join(dir.path, 'out'),
      destination: '/queue/orders',
      listener: { error: (e) => errors.push(`${e.step}#${e.attempt}`) },
    },
    await sourceClient(source.url),
  );
  try {
    await outbound.start();
    await waitFor('the FIFO emptied', () => source.remaining === 0);
    const messages = await drainQueue(transport, '/queue/orders', 20);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      Array.from({ length: 20 }, (_, i) => `orders-out:${i + 1}`),
    );
    assert.equal(source.repops, 0);
    // Nine failures of one record's popped, attempts counting up.
    assert.deepEqual(
      errors,
      Array.from({ length: 9 }, (_, i) => `popped#${i + 1}`),
    );
    assert.equal(outbound.snapshot().counters.published, 20);
  } finally {
    await outbound.stop();
    await source.close();
  }
});

test('a restart between confirmation and popped resumes at popped without publishing again', async () => {
  await using dir = await tempDir();
  const gate = deferred();
  let firstPoppedOf5 = true;
  const source = await SourceSystem.start(makeRecords(12), {
    popped: async (id) => {
      if (id === '5' && firstPoppedOf5) {
        firstPoppedOf5 = false;
        await gate.promise; // hangs until the endpoint is gone, then fails
      }
    },
  });
  await using transport = await memoryTransport();
  const client = await sourceClient(source.url);
  const dataDir = join(dir.path, 'out');
  const options = {
    ...FAST,
    transport,
    dataDir,
    name: 'orders-out',
    destination: '/queue/orders',
  } as const;
  let inPopped5 = false;
  const first = new SoapOutbound(
    {
      ...options,
      listener: {
        step: (e) => {
          if (e.step === 'popped' && e.ids?.[0] === '5') inPopped5 = true;
        },
      },
    },
    client,
  );
  await first.start();
  await waitFor('the first instance in popped(5)', () => inPopped5);
  // The drain deadline cuts the hanging popped call short; the journal keeps record 5.
  await first.stop({ timeoutMs: 100 });
  gate.reject(new Error('the caller went away'));
  assert.equal(source.head, 4, 'record 5 is still at the head of the FIFO');
  assert.equal(first.snapshot().counters.published, 5);

  const recovered: string[][] = [];
  const second = new SoapOutbound(
    {
      ...options,
      listener: { step: (e) => void (e.step === 'recover' && recovered.push([...(e.ids ?? [])])) },
    },
    client,
  );
  try {
    await second.start();
    await waitFor('the FIFO emptied', () => source.remaining === 0);
    assert.deepEqual(recovered, [['5']]);
    assert.equal(second.snapshot().counters.published, 7, 'records 6..12 only');
    const messages = await drainQueue(transport, '/queue/orders', 12);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      Array.from({ length: 12 }, (_, i) => `orders-out:${i + 1}`),
    );
    assert.equal(source.repops, 0);
  } finally {
    await second.stop();
    await source.close();
  }
});

test('two instances may not share one data folder', async () => {
  await using dir = await tempDir();
  const source = await SourceSystem.start([]);
  await using transport = await memoryTransport();
  const client = await sourceClient(source.url);
  const options = {
    ...FAST,
    transport,
    dataDir: join(dir.path, 'out'),
    name: 'orders-out',
    destination: '/queue/orders',
  } as const;
  const a = new SoapOutbound(options, client);
  const b = new SoapOutbound(options, client);
  try {
    await a.start();
    await assert.rejects(b.start(), { code: 'RUNTIME_LOCKED' });
  } finally {
    await a.stop();
    await b.stop();
    await source.close();
  }
});

async function lossyRun(dir: string, batchSize: number) {
  const source = await SourceSystem.start(makeRecords(60));
  const target = await TargetSystem.start();
  const broker = await memoryTransport();
  const lossy = new LossyTransport(broker, seeded(11), 0.2, 0.1);
  const outbound = new SoapOutbound(
    {
      ...FAST,
      name: 'orders-out',
      transport: lossy,
      dataDir: join(dir, 'out'),
      destination: '/queue/orders',
      batchSize,
    },
    await sourceClient(source.url),
  );
  const inbound = new SoapInbound(
    {
      ...FAST,
      name: 'orders-in',
      transport: broker,
      dataDir: join(dir, 'in'),
      source: '/queue/orders',
    },
    await targetClient(target.url),
  );
  try {
    await inbound.start();
    await outbound.start();
    await waitFor('60 completed', () => outbound.snapshot().counters.completed === 60);
    const stored = outbound.snapshot().counters.published - lossy.failedUnstored;
    const duplicates = stored - 60;
    assert.ok(lossy.storedButFailed >= 5, `lost receipts: ${lossy.storedButFailed}`);
    assert.ok(duplicates >= lossy.storedButFailed, `duplicates on the queue: ${duplicates}`);
    await waitFor('every copy handled', () => inbound.snapshot().counters.acked === stored);
    assert.equal(inbound.snapshot().counters.deduplicated, duplicates);
    return target.accepted.map((a) => a.messageId);
  } finally {
    await outbound.stop();
    await inbound.stop();
    await broker.close();
    await source.close();
    await target.close();
  }
}

const ALL_60 = Array.from({ length: 60 }, (_, i) => `orders-out:${i + 1}`);

test('lost confirmations put duplicates on the queue; the inbound de-dup drops every one', async () => {
  await using dir = await tempDir();
  assert.deepEqual(await lossyRun(dir.path, 1), ALL_60, 'exactly once, in order');
});

test('batch mode with lost confirmations: exactly once (order may differ within a batch)', async () => {
  await using dir = await tempDir();
  const accepted = await lossyRun(dir.path, 5);
  assert.equal(new Set(accepted).size, 60);
  assert.deepEqual(
    [...accepted].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])),
    ALL_60,
  );
});

test('stop() drains the outbound record in flight: it is marked popped, nothing more is popped', async () => {
  await using dir = await tempDir();
  const source = await SourceSystem.start(makeRecords(10), {
    popped: async (id) => {
      if (id === '3') await new Promise((resolve) => setTimeout(resolve, 200));
    },
  });
  await using transport = await memoryTransport();
  const dataDir = join(dir.path, 'out');
  let inPopped3 = false;
  const outbound = new SoapOutbound(
    {
      ...FAST,
      name: 'orders-out',
      transport,
      dataDir,
      destination: '/queue/orders',
      listener: {
        step: (e) => {
          if (e.step === 'popped' && e.ids?.[0] === '3') inPopped3 = true;
        },
      },
    },
    await sourceClient(source.url),
  );
  try {
    await outbound.start();
    await waitFor('popped(3) in flight', () => inPopped3);
    await outbound.stop({ timeoutMs: 10_000 });
    const pops = source.calls.pop;
    assert.equal(source.head, 3, 'records 1..3 marked popped');
    assert.equal(outbound.snapshot().counters.completed, 3);
    const journal = await OutboundJournal.open(dataDir);
    assert.equal(journal.read(), undefined, 'nothing left to resume');
    await journal.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(source.calls.pop, pops, 'no pop after the stop');
  } finally {
    await source.close();
  }
});
