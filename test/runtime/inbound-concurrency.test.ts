/**
 * Inbound `concurrency`: up to N puts in flight for a target that accepts any order, on the real
 * embedded broker over STOMP. Every message reaches the target once and is acked; at most N puts
 * run at once (and N do, when the queue holds enough); two copies of one message id are never
 * put at once; a failing message does not hold the others; bad option combinations are refused.
 * The kill -9 test with 16 puts in flight is in inbound-kill.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBroker } from '../../broker/index.js';
import { createTransport, type Transport } from '../../transports/index.js';
import {
  InboundEndpoint,
  type CallContext,
  type Delivery,
  type InboundEndpointOptions,
  type JsonValue,
} from '../../runtime/index.js';
import { OptionError } from '../../runtime/errors.js';
import { prefetchFor } from '../../runtime/endpoint/prefetch.js';
import { memoryTransport, tempDir, waitFor } from './support/helpers.js';

/** A target that answers after `delayMs`, counting puts in flight; ids in `failOnce` fail once. */
class SlowTarget extends InboundEndpoint {
  readonly accepted: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly failed = new Set<string>();

  constructor(
    options: InboundEndpointOptions,
    private readonly delayMs: number,
    private readonly failOnce: ReadonlySet<string> = new Set(),
  ) {
    super(options);
  }

  protected override async put(
    delivery: Delivery<JsonValue>,
    _context: CallContext,
  ): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const id = delivery.messageId ?? '';
      if (this.failOnce.has(id) && !this.failed.has(id)) {
        this.failed.add(id);
        throw new Error(`target refused ${id} this time`);
      }
      this.accepted.push(id);
    } finally {
      this.inFlight -= 1;
    }
  }
}

async function withBroker<T>(run: (transport: Transport, dir: string) => Promise<T>): Promise<T> {
  await using dir = await tempDir();
  const broker = await startBroker({ port: 0, dataDir: join(dir.path, 'broker') });
  const transport = createTransport(broker.url);
  try {
    await transport.connect();
    return await run(transport, dir.path);
  } finally {
    await transport.close();
    await broker.close();
  }
}

async function publish(transport: Transport, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await transport.publish('/queue/orders', JSON.stringify({ id }), { messageId: id });
  }
}

const OPTIONS = {
  name: 'orders-in',
  source: '/queue/orders',
  nackDelay: { initialMs: 1, maxMs: 20 },
  callTimeoutMs: 10_000,
} as const;

test('concurrency 8: eight puts at once against a slow target, each message once, all acked', async () => {
  await withBroker(async (transport, dir) => {
    const ids = Array.from({ length: 48 }, (_, i) => `src:${i + 1}`);
    await publish(transport, ids);
    const endpoint = new SlowTarget(
      { ...OPTIONS, transport, dataDir: join(dir, 'in'), concurrency: 8 },
      50,
    );
    const started = Date.now();
    await endpoint.start();
    try {
      await waitFor('48 at the target', () => endpoint.accepted.length === 48, 30_000);
      await waitFor('48 acked', () => endpoint.snapshot().counters.acked === 48, 10_000);
    } finally {
      await endpoint.stop();
    }
    const ms = Date.now() - started;
    assert.deepEqual([...endpoint.accepted].sort(), [...ids].sort(), 'each once');
    assert.equal(endpoint.maxInFlight, 8, 'eight puts in flight at most, and at some point');
    // One at a time would take 48 × 50 ms = 2.4 s; eight at a time, about 0.3 s.
    assert.ok(ms < 2_000, `took ${ms} ms`);
  });
});

test('concurrency: copies of a message in hand are not put twice, a failing message holds no one back', async () => {
  await withBroker(async (transport, dir) => {
    // src:2 comes three times (the outbound duplicate window), src:3 fails once.
    await publish(transport, ['src:1', 'src:2', 'src:2', 'src:3', 'src:2', 'src:4', 'src:5']);
    const endpoint = new SlowTarget(
      {
        ...OPTIONS,
        transport,
        dataDir: join(dir, 'in'),
        concurrency: 4,
        nackDelay: { initialMs: 500, maxMs: 500 },
      },
      30,
      new Set(['src:3']),
    );
    await endpoint.start();
    try {
      await waitFor('5 at the target', () => endpoint.accepted.length === 5, 30_000);
      await waitFor('all settled', () => endpoint.snapshot().counters.acked === 7, 10_000);
    } finally {
      await endpoint.stop();
    }
    assert.deepEqual(
      [...endpoint.accepted].sort(),
      ['src:1', 'src:2', 'src:3', 'src:4', 'src:5'],
      'src:2 once',
    );
    assert.equal(endpoint.snapshot().counters.deduplicated, 2);
    // The others went on while the failed one waited out its nack delay.
    assert.equal(endpoint.accepted.at(-1), 'src:3');
    assert.equal(endpoint.snapshot().counters.nacked, 1);
  });
});

test('concurrency needs batchSize 1 and a prefetch of at least its value; prefetch defaults to twice it', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  {
    const make = (options: Partial<InboundEndpointOptions>) =>
      new SlowTarget({ ...OPTIONS, transport, dataDir: join(dir.path, 'in'), ...options }, 1);
    assert.throws(
      () => make({ concurrency: 4, batchSize: 10 }),
      (err: unknown) =>
        err instanceof OptionError && /concurrency 4 needs batchSize 1/.test(err.message),
    );
    assert.throws(
      () => make({ concurrency: 4, prefetch: 2 }),
      (err: unknown) =>
        err instanceof OptionError && /prefetch 2 is below concurrency 4/.test(err.message),
    );
    assert.throws(() => make({ concurrency: 0 }), OptionError);
    assert.equal(make({ concurrency: 16 }).concurrency, 16);
    const prefetchOf = (e: SlowTarget) => (e as unknown as { prefetch: number }).prefetch;
    assert.equal(prefetchOf(make({ concurrency: 16 })), 32, 'the next messages at hand');
    assert.equal(prefetchOf(make({ concurrency: 16, prefetch: 16 })), 16, 'an explicit one kept');
    assert.equal(prefetchOf(make({})), 1, 'one put at a time: strict order');
  }
  // The node's settings: a prefetch below concurrency (the default 1 among them) is raised.
  assert.equal(prefetchFor(1, 16), 32);
  assert.equal(prefetchFor(20, 16), 20);
  assert.equal(prefetchFor(1, 1), 1);
  assert.equal(prefetchFor(5, 1), 5);
});
