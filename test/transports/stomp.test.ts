/** STOMP specifics the conformance suite does not cover: ERROR → rejected publish, fail-over. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createTransport,
  PublishRejectedError,
  StompTransport,
  TransportConnectError,
  TransportOptionError,
  TransportUrlError,
  type Transport,
  type TransportState,
} from '../../transports/index.js';
import { serviceSkipReason } from '../support/services.js';
import { FaultProxy } from './fault-proxy.js';

const BROKER = 'stomp://guest:guest@127.0.0.1:61613';
const skip = await serviceSkipReason('RabbitMQ STOMP plugin', '127.0.0.1', 61613);
const FAST = { reconnectInitialMs: 50, reconnectMaxMs: 300, connectTimeoutMs: 3000 };

test('URL parameters are checked and named', () => {
  assert.throws(
    () => createTransport('stomp://h?nope=1'),
    (err: unknown) =>
      err instanceof TransportOptionError &&
      /'nope' is not a STOMP URL parameter/.test(err.message),
  );
  assert.throws(
    () => createTransport('stomp://h?heartbeatMs=-5'),
    /heartbeatMs' must be a whole number/,
  );
  assert.throws(
    () => createTransport('stomp://u:%zz@h'),
    (err: unknown) =>
      err instanceof TransportUrlError && /percent-escape in the password/.test(err.message),
  );
  assert.throws(
    () => createTransport('stomp://u:secret@h?x=1'),
    (err: unknown) => !String(err).includes('secret'),
  );
});

describe('STOMP against RabbitMQ', { skip: skip ?? false }, () => {
  const open: Transport[] = [];
  const proxies: FaultProxy[] = [];
  const run = randomUUID().slice(0, 8);
  after(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
    await Promise.allSettled(proxies.map((p) => p.close()));
  });
  const make = (urls: string | string[]) => {
    const t = createTransport(urls, FAST);
    open.push(t);
    return t;
  };

  test('speaks STOMP 1.2 with RabbitMQ and reports the server', async () => {
    const t = make(BROKER);
    await t.connect();
    assert.ok(t instanceof StompTransport);
    assert.equal(t.server?.version, '1.2');
    assert.match(t.server?.server ?? '', /^RabbitMQ\//);
  });

  test('many publishes add no listeners per send (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const t = make(BROKER);
      await t.connect();
      const topic = `/topic/aes-stomp-${run}-listeners` as const;
      await Promise.all(Array.from({ length: 50 }, (_, i) => t.publish(topic, `n${i}`)));
      for (let i = 0; i < 50; i += 1) await t.publish(topic, `s${i}`);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  });

  test('an ERROR frame answering a SEND rejects that publish, and the transport reconnects', async () => {
    const queue = `/queue/aes-stomp-${run}-precondition` as const;
    const first = make(`${BROKER}?queueExpiresMs=60000`);
    await first.connect();
    await first.publish(queue, 'declares the queue with x-expires 60000');
    const second = make(`${BROKER}?queueExpiresMs=30000`);
    const states: TransportState[] = [];
    second.listen({ stateChange: (change) => states.push(change.to) });
    await second.connect();
    await assert.rejects(
      second.publish(queue, 'inequivalent x-expires'),
      (err: unknown) =>
        err instanceof PublishRejectedError &&
        /PRECONDITION_FAILED|inequivalent/i.test(err.message) &&
        !err.retryable,
    );
    // The broker closed the connection after its ERROR: the transport comes back by itself.
    await second.publish(`/topic/aes-stomp-${run}-after`, 'still usable');
    assert.ok(states.includes('reconnecting'), `states: ${states.join(',')}`);
    assert.equal(second.state, 'connected');
  });

  test('fails over to the next URL when the first broker refuses connections', async () => {
    const dead = await FaultProxy.start({ host: '127.0.0.1', port: 61613 });
    proxies.push(dead);
    dead.refuseFor(60_000);
    const t = make([dead.rewrite(BROKER), BROKER]);
    const urls: string[] = [];
    t.listen({ stateChange: (change) => urls.push(`${change.to}@${change.url}`) });
    await t.connect();
    assert.ok(
      urls.at(-1)?.startsWith('connected@stomp://guest:***@127.0.0.1:61613'),
      urls.join(' '),
    );
    assert.ok(dead.accepted >= 1, 'the first URL was not tried');
  });

  test('when no URL answers, connect() rejects at its deadline naming each broker', async () => {
    const a = await FaultProxy.start({ host: '127.0.0.1', port: 61613 });
    const b = await FaultProxy.start({ host: '127.0.0.1', port: 61613 });
    proxies.push(a, b);
    a.refuseFor(60_000);
    b.refuseFor(60_000);
    const t = make([a.rewrite(BROKER), b.rewrite(BROKER)]);
    await assert.rejects(t.connect({ timeoutMs: 600 }), (err: unknown) => {
      assert.ok(err instanceof TransportConnectError, String(err));
      assert.match(
        err.message,
        new RegExp(`:${a.port}\\b.*:${b.port}\\b|:${b.port}\\b.*:${a.port}\\b`),
      );
      return true;
    });
    assert.equal(t.state, 'idle');
  });
});
