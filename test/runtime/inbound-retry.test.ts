/**
 * One retry delay: a failed put waits the endpoint's `nackDelay` and nothing more — the
 * endpoint subscribes with `redeliveryDelayMs: 0`, so its transport adds no delay of its own (a
 * failing target used to stall a queue for both). With prefetch > 1 the messages behind a failing
 * one go on meanwhile. Over the embedded broker and the real STOMP transport.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBroker } from '../../broker/index.js';
import type { CallContext, Delivery, JsonValue } from '../../runtime/index.js';
import { createTransport } from '../../transports/index.js';
import { TargetSystem } from './support/soap-systems.js';
import { SoapInbound, targetClient } from './support/soap-endpoints.js';
import { tempDir, waitFor } from './support/helpers.js';

/** Puts that fail `times` times for one message id, then go through. */
class FailingFirst extends SoapInbound {
  failuresLeft: number;
  constructor(
    options: ConstructorParameters<typeof SoapInbound>[0],
    client: ConstructorParameters<typeof SoapInbound>[1],
    private readonly failing: string,
    times: number,
  ) {
    super(options, client);
    this.failuresLeft = times;
  }

  protected override async put(delivery: Delivery<JsonValue>, context: CallContext): Promise<void> {
    if (delivery.messageId === this.failing && this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('target web service down');
    }
    await super.put(delivery, context);
  }
}

async function scenario(
  prefetch: number,
  nackDelayMs: number,
  failures: number,
): Promise<string[]> {
  await using dir = await tempDir();
  const broker = await startBroker({ port: 0, dataDir: join(dir.path, 'broker') });
  const target = await TargetSystem.start();
  // A transport whose own redelivery delay would hold the message for a minute: only the
  // endpoint's nack delay may count.
  const transport = createTransport(broker.url, { redeliveryDelayMs: 60_000 });
  try {
    await transport.connect();
    for (const n of [1, 2, 3]) {
      await transport.publish('/queue/orders', JSON.stringify({ n }), { messageId: `src:${n}` });
    }
    const endpoint = new FailingFirst(
      {
        name: 'orders-in',
        transport,
        dataDir: join(dir.path, 'in'),
        source: '/queue/orders',
        prefetch,
        nackDelay: { initialMs: nackDelayMs, maxMs: nackDelayMs },
        callTimeoutMs: 10_000,
      },
      await targetClient(target.url),
      'src:1',
      failures,
    );
    await endpoint.start();
    try {
      await waitFor('three messages at the target', () => target.accepted.length === 3, 30_000);
    } finally {
      await endpoint.stop();
    }
    assert.equal(endpoint.failuresLeft, 0);
    return target.accepted.map((a) => a.messageId);
  } finally {
    await transport.close();
    await target.close();
    await broker.close();
  }
}

test('prefetch 1: a failed put comes back after the nack delay alone, order kept', async () => {
  assert.deepEqual(await scenario(1, 20, 2), ['src:1', 'src:2', 'src:3']);
});

test('prefetch > 1: the messages behind a failing one go on during its nack delay', async () => {
  assert.deepEqual(await scenario(4, 3_000, 1), ['src:2', 'src:3', 'src:1']);
});
