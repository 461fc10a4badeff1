/**
 * One conformance suite for every `Transport`: each target (the in-memory transport, RabbitMQ's
 * STOMP and MQTT plugins, Mosquitto, the embedded broker) is one small `*.test.ts` that declares
 * a `ConformanceTarget` and calls `runConformance()`. Where brokers differ, the target declares
 * it in `capabilities` and the suite asserts accordingly (or states the declared reason when a
 * case cannot apply) — nothing is skipped silently.
 *
 * Network faults against the shared brokers go through `FaultProxy` (the brokers themselves are
 * never restarted: other work uses them concurrently). A target that owns its broker can also
 * offer `restart()`, and the suite then restarts it as well.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createTransport,
  TransportAuthError,
  TransportError,
  TransportTimeoutError,
  type Destination,
  type InboundMessage,
  type MessageHandler,
  type Transport,
  type TransportOptions,
  type TransportState,
} from '../../transports/index.js';
import { FaultProxy } from './fault-proxy.js';
import { pollUntil, within } from '../support/wait.js';

export interface ConformanceCapabilities {
  /** The transport talks to a broker over TCP (reconnect, auth and deadline cases apply). */
  readonly network: boolean;
  /** Why the bad-credentials case cannot apply (anonymous broker); undefined when it does. */
  readonly noAuthReason?: string;
  /** `/queue/` with several consumers shares the messages; else the declared reason. */
  readonly noCompetingConsumersReason?: string;
  /** Headers (and `aes-message-id`) reach the consumer. */
  readonly headers: boolean;
  /**
   * A `/queue/` keeps messages only once a consumer subscribed (MQTT: its persistent session);
   * the suite then subscribes the consumer once before publishing a backlog.
   */
  readonly queueNeedsSubscriber: boolean;
}

export interface ConformanceTarget {
  readonly name: string;
  readonly capabilities: ConformanceCapabilities;
  /** The broker URL with working credentials (and any target-specific parameters). */
  url(): Promise<string>;
  /** The same URL with a wrong password; required unless `noAuthReason` is set. */
  badCredentialsUrl?(): Promise<string>;
  /**
   * Restarts a broker the target owns (the embedded one) on the same URL, keeping its data;
   * shared brokers have none.
   */
  restart?(): Promise<void>;
  /** Removes what the suite created under these client ids (MQTT sessions, say). */
  cleanup?(clientIds: readonly string[]): Promise<void>;
  /** Stops what `url()` started. */
  close?(): Promise<void>;
}

/** Fast reconnects and redeliveries keep the suite short; deadlines stay generous for load. */
const SUITE_OPTIONS: TransportOptions = {
  reconnectInitialMs: 50,
  reconnectMaxMs: 500,
  redeliveryDelayMs: 50,
  connectTimeoutMs: 5000,
  publishTimeoutMs: 10_000,
  heartbeatMs: 2000,
};
const WAIT_MS = 20_000;
/** The password `badCredentialsUrl()` should use, so the suite can check it never leaks. */
export const BAD_PASSWORD = 'wrong-password-for-aes-tests';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when `check()` is true; fails after `ms` with `what` in the message. */
function until(what: string, check: () => boolean, ms = WAIT_MS): Promise<void> {
  return pollUntil(what, check, ms);
}

export function runConformance(target: ConformanceTarget, skipReason: string | undefined): void {
  const caps = target.capabilities;
  const run = randomUUID().slice(0, 8);
  const clientIds: string[] = [];
  const open: Transport[] = [];
  const proxies: FaultProxy[] = [];
  let baseUrl = '';
  let counter = 0;

  const unique = (kind: 'queue' | 'topic', label: string): Destination =>
    `/${kind}/aes-conf-${target.name}-${run}-${label}` as Destination;
  const newClientId = (label: string) => {
    const id = `aes-conf-${target.name}-${run}-${label}-${(counter += 1)}`;
    clientIds.push(id);
    return id;
  };

  /** A connected transport; `clientId` fixes an MQTT session across transports. */
  async function transport(
    label: string,
    options: {
      clientId?: string;
      url?: string;
      connect?: boolean;
      heartbeatMs?: number;
      redeliveryDelayMs?: number;
    } = {},
  ): Promise<Transport> {
    const t = createTransport(options.url ?? baseUrl, {
      ...SUITE_OPTIONS,
      clientId: options.clientId ?? newClientId(label),
      heartbeatMs: options.heartbeatMs ?? SUITE_OPTIONS.heartbeatMs ?? 2000,
      redeliveryDelayMs: options.redeliveryDelayMs ?? SUITE_OPTIONS.redeliveryDelayMs ?? 50,
    });
    t.listen({ warning: () => {} }); // start-up warnings are asserted in their own test
    open.push(t);
    if (options.connect !== false) await t.connect({ timeoutMs: WAIT_MS });
    return t;
  }

  async function proxied(): Promise<FaultProxy> {
    const parsed = new URL(baseUrl);
    const proxy = await FaultProxy.start({
      host: parsed.hostname,
      port: Number(parsed.port),
    });
    proxies.push(proxy);
    return proxy;
  }

  /** Makes `destination` keep messages for the consumer `clientId` (MQTT needs a session). */
  async function prepareQueue(destination: Destination, clientId: string): Promise<void> {
    if (!caps.queueNeedsSubscriber) return;
    const t = await transport('prepare', { clientId });
    await t.subscribe(destination, () => Promise.resolve());
    await t.close();
  }

  function collector(limit: number) {
    const seen: InboundMessage[] = [];
    const arrived = deferred();
    const handler: MessageHandler = (message) => {
      seen.push(message);
      if (seen.length === limit) arrived.resolve();
      return Promise.resolve();
    };
    return {
      seen,
      handler,
      /** Resolves once `limit` messages arrived; a lost one fails the test at the deadline. */
      get done(): Promise<void> {
        return within(`${limit} message(s) to arrive`, arrived.promise, WAIT_MS);
      },
    };
  }

  describe(`transport conformance: ${target.name}`, { skip: skipReason ?? false }, () => {
    before(async () => {
      baseUrl = await target.url();
    });

    after(async () => {
      await Promise.allSettled(open.map((t) => t.close()));
      await Promise.allSettled(proxies.map((p) => p.close()));
      await target.cleanup?.(clientIds);
      await target.close?.();
    });

    test('publish resolves only once the broker confirmed; the consumer gets it', async () => {
      const queue = unique('queue', 'confirm');
      const consumerId = newClientId('confirm-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('confirm-producer');
      const confirmed: Destination[] = [];
      producer.listen({ confirmed: (event) => confirmed.push(event.destination) });
      await producer.publish(queue, 'stored', { messageId: 'ep:1', headers: { 'x-kind': 'test' } });
      assert.deepEqual(confirmed, [queue]);
      const consumer = await transport('confirm-consumer', { clientId: consumerId });
      const got = collector(1);
      await consumer.subscribe(queue, got.handler);
      await got.done;
      const message = got.seen[0] as InboundMessage;
      assert.equal(message.body.toString(), 'stored');
      assert.equal(message.destination, queue);
      if (caps.headers) {
        assert.equal(message.messageId, 'ep:1');
        assert.equal(message.headers['x-kind'], 'test');
      } else {
        assert.equal(message.messageId, undefined, 'declared headerless, yet a header arrived');
      }
    });

    test(
      'a publish whose confirmation never arrives rejects at its deadline',
      {
        skip: caps.network ? false : 'in-process: a confirmation cannot be withheld',
      },
      async () => {
        const proxy = await proxied();
        const producer = await transport('blackhole', { url: proxy.rewrite(baseUrl) });
        proxy.setBlackHole(true);
        const started = Date.now();
        await assert.rejects(
          producer.publish(unique('topic', 'blackhole'), 'lost?', { timeoutMs: 400 }),
          (err: unknown) =>
            err instanceof TransportTimeoutError && err.code === 'TRANSPORT_TIMEOUT',
        );
        assert.ok(Date.now() - started >= 380, 'rejected before its deadline');
        const controller = new AbortController();
        const aborted = producer.publish(unique('topic', 'blackhole'), 'x', {
          signal: controller.signal,
        });
        controller.abort();
        await assert.rejects(aborted, (err: unknown) => {
          return err instanceof TransportError && err.code === 'TRANSPORT_ABORTED';
        });
      },
    );

    test('a failed handler nacks: the message comes back, counted, and nothing is lost', async () => {
      const queue = unique('queue', 'nack');
      const consumerId = newClientId('nack-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('nack-producer');
      for (let i = 0; i < 4; i += 1) await producer.publish(queue, `m${i}`);
      const consumer = await transport('nack-consumer', { clientId: consumerId });
      const handled: string[] = [];
      const done = deferred();
      let failed = false;
      await consumer.subscribe(queue, (message) => {
        const body = message.body.toString();
        if (body === 'm1' && !failed) {
          failed = true;
          assert.equal(message.redelivered, false);
          return Promise.reject(new Error('target web service down'));
        }
        handled.push(`${body}#${message.deliveryCount}${message.redelivered ? 'r' : ''}`);
        if (handled.length === 4) done.resolve();
        return Promise.resolve();
      });
      await within('the four messages handled', done.promise, WAIT_MS);
      assert.deepEqual(handled, ['m0#1', 'm1#2r', 'm2#1', 'm3#1']);
    });

    test("a subscription's redeliveryDelayMs replaces the transport's", async () => {
      const queue = unique('queue', 'redelivery-delay');
      const consumerId = newClientId('redelivery-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('redelivery-producer');
      await producer.publish(queue, 'once-failing');
      // The transport would wait a minute, far beyond the suite's wait: only the subscription's
      // own delay (none) brings the message back in time.
      const consumer = await transport('redelivery-consumer', {
        clientId: consumerId,
        redeliveryDelayMs: 60_000,
      });
      await assert.rejects(
        consumer.subscribe(queue, () => Promise.resolve(), { redeliveryDelayMs: -1 }),
        (err: Error) =>
          err.name === 'TransportOptionError' && /redeliveryDelayMs/.test(err.message),
      );
      const back = deferred<number>();
      let attempts = 0;
      await consumer.subscribe(
        queue,
        (message) => {
          attempts += 1;
          if (attempts === 1) return Promise.reject(new Error('target web service down'));
          back.resolve(message.deliveryCount);
          return Promise.resolve();
        },
        { redeliveryDelayMs: 0 },
      );
      assert.equal(await within('the failed message back', back.promise, WAIT_MS), 2);
    });

    test('prefetch bounds the messages in a handler at once', async () => {
      const queue = unique('queue', 'prefetch');
      const consumerId = newClientId('prefetch-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('prefetch-producer');
      for (let i = 0; i < 6; i += 1) await producer.publish(queue, `p${i}`);
      const consumer = await transport('prefetch-consumer', { clientId: consumerId });
      let inHandler = 0;
      let most = 0;
      const releases: (() => void)[] = [];
      const finished: string[] = [];
      await consumer.subscribe(
        queue,
        (message) => {
          inHandler += 1;
          most = Math.max(most, inHandler);
          return new Promise<void>((resolve) => {
            releases.push(() => {
              inHandler -= 1;
              finished.push(message.body.toString());
              resolve();
            });
          });
        },
        { prefetch: 2 },
      );
      await until('two messages in handlers', () => inHandler === 2);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(most, 2, 'more than prefetch messages were handed out');
      while (finished.length < 6) {
        await until('a message to release', () => releases.length > 0);
        (releases.shift() as () => void)();
        await new Promise((resolve) => setImmediate(resolve));
        assert.ok(inHandler <= 2);
      }
      assert.equal(most, 2);
      assert.deepEqual([...finished].sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    });

    test('messages held by a handler do not hold back confirmations on the same connection', async () => {
      // stompit reads frames strictly in order and mqtt.js waits for each packet's handling:
      // a transport that kept a body unread, or a PUBLISH "in handling", would stall RECEIPTs
      // and PUBACKs behind it.
      const queue = unique('queue', 'held');
      const clientId = newClientId('held');
      await prepareQueue(queue, clientId);
      const t = await transport('held', { clientId });
      const held: string[] = [];
      await t.subscribe(
        queue,
        (message) => {
          held.push(message.body.toString());
          return new Promise<void>(() => {}); // never settles while the test runs
        },
        { prefetch: 3 },
      );
      for (let i = 0; i < 3; i += 1) await t.publish(queue, `h${i}`);
      await until('three messages held', () => held.length === 3);
      const other = unique('topic', 'held-other');
      for (let i = 0; i < 5; i += 1) await t.publish(other, `o${i}`, { timeoutMs: 5000 });
      assert.deepEqual(held, ['h0', 'h1', 'h2']);
    });

    test('a queue delivers in publish order', async () => {
      const queue = unique('queue', 'order');
      const consumerId = newClientId('order-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('order-producer');
      const count = 100;
      for (let i = 0; i < count; i += 1) await producer.publish(queue, String(i));
      const consumer = await transport('order-consumer', { clientId: consumerId });
      const got = collector(count);
      await consumer.subscribe(queue, got.handler);
      await got.done;
      assert.deepEqual(
        got.seen.map((m) => Number(m.body.toString())),
        Array.from({ length: count }, (_, i) => i),
      );
    });

    test('large (1 MiB) and binary bodies with NUL bytes arrive intact', async () => {
      const queue = unique('queue', 'binary');
      const consumerId = newClientId('binary-consumer');
      await prepareQueue(queue, consumerId);
      const producer = await transport('binary-producer');
      const every = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      const large = randomBytes(1024 * 1024 + 17);
      large[0] = 0;
      large[large.length - 1] = 0;
      await producer.publish(queue, every);
      await producer.publish(queue, large);
      await producer.publish(queue, Buffer.alloc(0));
      const consumer = await transport('binary-consumer', { clientId: consumerId });
      const got = collector(3);
      await consumer.subscribe(queue, got.handler);
      await got.done;
      assert.ok(got.seen[0]?.body.equals(every), 'all 256 byte values');
      assert.ok(got.seen[1]?.body.equals(large), '1 MiB random body');
      assert.equal(got.seen[2]?.body.length, 0, 'empty body');
    });

    test('a topic gives every subscriber a copy', async () => {
      const topic = unique('topic', 'fanout');
      const a = collector(1);
      const b = collector(1);
      await (await transport('fan-a')).subscribe(topic, a.handler);
      await (await transport('fan-b')).subscribe(topic, b.handler);
      const producer = await transport('fan-producer');
      await producer.publish(topic, 'news');
      await Promise.all([a.done, b.done]);
      assert.equal(a.seen[0]?.body.toString(), 'news');
      assert.equal(b.seen[0]?.body.toString(), 'news');
    });

    test(
      'competing consumers share a queue',
      {
        skip: caps.noCompetingConsumersReason ?? false,
      },
      async () => {
        const queue = unique('queue', 'compete');
        const producer = await transport('compete-producer');
        const seen = new Map<string, string[]>([
          ['a', []],
          ['b', []],
        ]);
        const all = deferred();
        let total = 0;
        const holdFirst = deferred();
        for (const name of ['a', 'b']) {
          const consumer = await transport(`compete-${name}`);
          await consumer.subscribe(queue, async (message) => {
            seen.get(name)?.push(message.body.toString());
            total += 1;
            if (total === 10) all.resolve();
            // Both consumers must get work: the first message waits until a second one is out.
            if (total === 1) await holdFirst.promise;
            else holdFirst.resolve();
          });
        }
        for (let i = 0; i < 10; i += 1) await producer.publish(queue, `c${i}`);
        await within('the ten messages handled', all.promise, WAIT_MS);
        assert.ok((seen.get('a')?.length ?? 0) > 0, 'consumer a got nothing');
        assert.ok((seen.get('b')?.length ?? 0) > 0, 'consumer b got nothing');
        assert.equal((seen.get('a')?.length ?? 0) + (seen.get('b')?.length ?? 0), 10);
      },
    );

    test('a consumer that comes back finds the backlog published while it was away', async () => {
      const queue = unique('queue', 'backlog');
      const consumerId = newClientId('backlog-consumer');
      const first = await transport('backlog-first', { clientId: consumerId });
      await first.subscribe(queue, () => Promise.resolve());
      await first.close();
      const producer = await transport('backlog-producer');
      for (let i = 0; i < 20; i += 1) await producer.publish(queue, `b${i}`);
      // The backlog may arrive the moment the session resumes, before subscribe() is called.
      const second = await transport('backlog-second', { clientId: consumerId });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const got = collector(20);
      await second.subscribe(queue, got.handler);
      await got.done;
      assert.deepEqual(
        got.seen.map((m) => m.body.toString()),
        Array.from({ length: 20 }, (_, i) => `b${i}`),
      );
    });

    test(
      'after the connection is cut it reconnects, re-subscribes and redelivers the unacked',
      {
        skip: caps.network ? false : 'in-process: there is no connection to cut',
      },
      async () => {
        const queue = unique('queue', 'reconnect');
        const consumerId = newClientId('reconnect-consumer');
        await prepareQueue(queue, consumerId);
        const proxy = await proxied();
        const url = proxy.rewrite(baseUrl);
        const consumer = await transport('reconnect-consumer', { clientId: consumerId, url });
        const states: TransportState[] = [];
        consumer.listen({ stateChange: (change) => states.push(change.to) });
        const seen: InboundMessage[] = [];
        const holding = deferred();
        const release = deferred();
        await consumer.subscribe(queue, async (message) => {
          seen.push(message);
          if (seen.length === 1) {
            holding.resolve();
            await release.promise; // still in the handler when the connection goes
          }
        });
        const producer = await transport('reconnect-producer', { url });
        await producer.publish(queue, 'before');
        await within('the first message in its handler', holding.promise, WAIT_MS);
        proxy.refuseFor(300);
        proxy.sever();
        release.resolve(); // its ack goes nowhere: the broker must redeliver it
        await until(
          'the consumer to reconnect',
          () => consumer.state === 'connected' && states.includes('reconnecting'),
        );
        await producer.publish(queue, 'after'); // waits for the producer's own reconnection
        await until('both messages after reconnecting', () => {
          const bodies = seen.slice(1).map((m) => m.body.toString());
          return bodies.includes('before') && bodies.includes('after');
        });
        const again = seen.slice(1).find((m) => m.body.toString() === 'before');
        assert.equal(again?.redelivered, true, 'the unacked message was not marked redelivered');
        assert.deepEqual(states.slice(0, 2), ['reconnecting', 'connected']);
        assert.ok(proxy.accepted >= 4, 'expected new connections through the proxy');
      },
    );

    test(
      'calls made while reconnecting wait for the connection and then work',
      { skip: caps.network ? false : 'in-process: there is no connection to lose' },
      async () => {
        const queue = unique('queue', 'during');
        const clientId = newClientId('during');
        await prepareQueue(queue, clientId);
        const proxy = await proxied();
        const t = await transport('during', { clientId, url: proxy.rewrite(baseUrl) });
        proxy.refuseFor(400);
        proxy.sever();
        await until('the loss to be noticed', () => t.state === 'reconnecting');
        const got = collector(1);
        const subscribing = t.subscribe(queue, got.handler);
        const publishing = t.publish(queue, 'while reconnecting');
        await Promise.all([subscribing, publishing]);
        await got.done;
        assert.equal(got.seen[0]?.body.toString(), 'while reconnecting');
      },
    );

    test(
      'a broker gone silent is detected by heart-beats and the transport reconnects',
      { skip: caps.network ? false : 'in-process: there is no connection to go silent' },
      async () => {
        const topic = unique('topic', 'silent');
        // Asks for 1 s heart-beats; the broker must be willing to send that often (RabbitMQ and
        // Mosquitto are; the embedded broker with heartbeatSendMs <= 1000).
        const proxy = await proxied();
        const t = await transport('silent-heartbeat', {
          url: proxy.rewrite(baseUrl),
          heartbeatMs: 1000,
        });
        const got = collector(1);
        await t.subscribe(topic, got.handler);
        const states: TransportState[] = [];
        t.listen({ stateChange: (change) => states.push(change.to) });
        proxy.setBlackHole(true); // the TCP connection stays up; nothing comes back
        await until('the silence to be noticed', () => states.includes('reconnecting'), 15_000);
        proxy.setBlackHole(false);
        await until('the reconnection', () => t.state === 'connected');
        const producer = await transport('silent-producer');
        await producer.publish(topic, 'after the silence');
        await got.done; // re-subscribed on the new connection
      },
    );

    test(
      'the broker restarting is survived with re-subscription',
      {
        skip:
          target.restart === undefined
            ? 'a shared broker is never restarted by tests; connection loss is covered through the fault proxy'
            : false,
      },
      async () => {
        const queue = unique('queue', 'restart');
        const consumerId = newClientId('restart-consumer');
        await prepareQueue(queue, consumerId);
        const consumer = await transport('restart-consumer', { clientId: consumerId });
        const producer = await transport('restart-producer');
        const seen: InboundMessage[] = [];
        await consumer.subscribe(queue, (message) => {
          seen.push(message);
          return Promise.resolve();
        });
        await producer.publish(queue, 'one');
        await until('the first message', () => seen.length === 1);
        await target.restart?.();
        // Until the consumer is back and subscribed again, a broker may refuse the publish:
        // Mosquitto (2.0) restores an offline session's shared subscription only when its
        // client reconnects, and answers "no matching subscribers" meanwhile. A sender retries
        // such a refusal (the outbound endpoint does); re-subscription must make it succeed.
        await pollUntil(
          'a publish after the restart to be accepted',
          () =>
            producer.publish(queue, 'two').then(
              () => true,
              (err: unknown) => {
                if (err instanceof TransportError && err.code === 'TRANSPORT_PUBLISH_REJECTED') {
                  return false;
                }
                throw err;
              },
            ),
          WAIT_MS,
        );
        await until('the message published after the restart', () =>
          seen.some((m) => m.body.toString() === 'two'),
        );
        // An ack still in flight when the broker went down may bring 'one' back, marked so.
        for (const [i, m] of seen.entries()) {
          const body = m.body.toString();
          assert.ok(body === 'one' || body === 'two', `unexpected body ${body}`);
          if (i > 0 && body === 'one') assert.equal(m.redelivered, true);
        }
      },
    );

    test(
      'wrong credentials are a typed auth error, not a retry loop',
      {
        skip: caps.noAuthReason ?? false,
      },
      async () => {
        assert.ok(
          target.badCredentialsUrl !== undefined,
          'target declares auth but gives no bad-credentials URL',
        );
        const url = await target.badCredentialsUrl();
        const t = await transport('auth', { url, connect: false });
        const started = Date.now();
        await assert.rejects(t.connect({ timeoutMs: WAIT_MS }), (err: unknown) => {
          assert.ok(
            err instanceof TransportAuthError,
            `expected TransportAuthError, got ${String(err)}`,
          );
          assert.equal(err.code, 'TRANSPORT_AUTH_FAILED');
          assert.equal(err.retryable, false);
          assert.ok(!err.message.includes(BAD_PASSWORD), 'the password leaked into the message');
          return true;
        });
        assert.ok(Date.now() - started < WAIT_MS / 2, 'auth failure took as long as the deadline');
        assert.equal(t.state, 'idle');
      },
    );

    test(
      'connecting to a broker that never answers ends at the deadline',
      {
        skip: caps.network ? false : 'in-process: connecting does not wait',
      },
      async () => {
        const proxy = await proxied();
        proxy.setSilent(true);
        const t = await transport('silent', { url: proxy.rewrite(baseUrl), connect: false });
        const started = Date.now();
        await assert.rejects(t.connect({ timeoutMs: 500 }), (err: unknown) => {
          return (
            err instanceof TransportError &&
            ['TRANSPORT_TIMEOUT', 'TRANSPORT_CONNECT_FAILED'].includes(err.code)
          );
        });
        assert.ok(Date.now() - started < 5000, 'connect outlived its deadline');
        await t.close();
        assert.equal(t.state, 'closed');
        await t.close(); // idempotent
      },
    );
  });
}
