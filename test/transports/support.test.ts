import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDeadline } from '../../util/deadline.js';
import { transportDeadline } from '../../transports/support/options.js';
import { DeliveryDispatcher } from '../../transports/support/dispatcher.js';
import {
  TransportAbortedError,
  TransportTimeoutError,
  type InboundMessage,
} from '../../transports/index.js';

test("a transport call's deadline: its own timeoutMs else the default, typed errors", async () => {
  await assert.rejects(
    withDeadline(transportDeadline('op', { timeoutMs: 20 }, 1000), () => new Promise(() => {})),
    (err: unknown) =>
      err instanceof TransportTimeoutError && /op timed out after 20 ms/.test(err.message),
  );
  const controller = new AbortController();
  let inner: AbortSignal | undefined;
  const pending = withDeadline(
    transportDeadline('op', { signal: controller.signal }, 1000),
    (signal) => {
      inner = signal;
      return new Promise(() => {});
    },
  );
  controller.abort();
  await assert.rejects(pending, TransportAbortedError);
  assert.equal(inner?.aborted, true, 'the work was not told to stop');
  assert.equal(await withDeadline(transportDeadline('op', {}, 50), () => Promise.resolve(7)), 7);
  await assert.rejects(
    withDeadline(transportDeadline('op', { timeoutMs: -1 }, 50), () => Promise.resolve(1)),
    /positive/,
  );
});

/** Redelivery timers are unref'd (a live connection keeps a real process up); tests hold one. */
async function keptAlive(work: () => Promise<void>): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await work();
  } finally {
    clearInterval(keepAlive);
  }
}

function message(body: string): InboundMessage {
  return {
    destination: '/queue/q',
    body: Buffer.from(body),
    headers: {},
    messageId: undefined,
    deliveryCount: 1,
    redelivered: false,
  };
}

test('dispatcher: prefetch bound, ack on success, local redelivery counted when there is no nack', () =>
  keptAlive(async () => {
    const events: string[] = [];
    let attempts = 0;
    const dispatcher = new DeliveryDispatcher(
      async (m) => {
        events.push(`run ${m.body.toString()}#${m.deliveryCount}`);
        if (m.body.toString() === 'a' && attempts++ < 2) throw new Error('fail');
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      1,
      5,
    );
    const done = new Promise<void>((resolve) => {
      for (const body of ['a', 'b']) {
        dispatcher.push({
          message: message(body),
          ack: () => {
            events.push(`ack ${body}`);
            if (body === 'b') resolve();
          },
          stale: () => false,
        });
      }
    });
    await done;
    assert.deepEqual(events, ['run a#1', 'run a#2', 'run a#3', 'ack a', 'run b#1', 'ack b']);
  }));

test('dispatcher: nack where the protocol has one; stale deliveries are neither acked nor run', () =>
  keptAlive(async () => {
    const events: string[] = [];
    let stale = false;
    const dispatcher = new DeliveryDispatcher(
      (m) => {
        events.push(`run ${m.body.toString()}`);
        return m.body.toString() === 'x' ? Promise.reject(new Error('no')) : Promise.resolve();
      },
      2,
      1,
    );
    await new Promise<void>((resolve) => {
      dispatcher.push({
        message: message('x'),
        ack: () => events.push('ack x'),
        nack: () => (events.push('nack x'), resolve()),
        stale: () => false,
      });
    });
    stale = true;
    dispatcher.push({ message: message('y'), ack: () => events.push('ack y'), stale: () => stale });
    await new Promise((resolve) => setTimeout(resolve, 10));
    dispatcher.close();
    dispatcher.push({
      message: message('z'),
      ack: () => events.push('ack z'),
      nack: () => events.push('nack z'),
      stale: () => false,
    });
    assert.deepEqual(events, ['run x', 'nack x', 'nack z']);
  }));

test('dispatcher: a handler that throws or returns no promise nacks its delivery, nothing crashes', () =>
  keptAlive(async () => {
    const events: string[] = [];
    // What an untyped JavaScript caller can pass: a sync handler, one returning a value, one
    // throwing synchronously, and one returning a thenable that is not a Promise.
    const handlers: Record<string, (m: InboundMessage) => unknown> = {
      sync: () => undefined,
      value: () => 42,
      throws: () => {
        throw new Error('sync failure');
      },
      thenable: () => ({ then: (ok: () => void) => ok() }),
    };
    const dispatcher = new DeliveryDispatcher(
      (m) => {
        events.push(`run ${m.body.toString()}`);
        return handlers[m.body.toString()]?.(m) as Promise<void>;
      },
      4,
      1,
    );
    await new Promise<void>((resolve) => {
      let settled = 0;
      for (const body of Object.keys(handlers)) {
        const settle = (what: string): void => {
          events.push(`${what} ${body}`);
          if ((settled += 1) === 4) resolve();
        };
        dispatcher.push({
          message: message(body),
          ack: () => settle('ack'),
          nack: () => settle('nack'),
          stale: () => false,
        });
      }
    });
    dispatcher.close();
    assert.deepEqual(events.filter((e) => !e.startsWith('run')).sort(), [
      'ack thenable',
      'nack sync',
      'nack throws',
      'nack value',
    ]);
  }));
