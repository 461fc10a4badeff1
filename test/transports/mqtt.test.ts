/** MQTT specifics: options, start-up warnings, MQTT 5 reason codes, brokers that never CONNACK. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createTransport,
  PublishRejectedError,
  TransportConnectError,
  TransportOptionError,
  type InboundMessage,
  type Transport,
  type TransportWarning,
} from '../../transports/index.js';
import { serviceSkipReason } from '../support/services.js';
import { endMqttSessions } from './mqtt-sessions.js';

const MOSQUITTO = 'mqtt://127.0.0.1:1883?broker=mosquitto';
const RABBIT = 'mqtt://guest:guest@127.0.0.1:1884?broker=rabbitmq';
const run = randomUUID().slice(0, 8);

test('a fixed client id is required and URL parameters are checked', () => {
  assert.throws(
    () => createTransport('mqtt://h'),
    (err: unknown) =>
      err instanceof TransportOptionError && /clientId' is required/.test(err.message),
  );
  assert.throws(
    () => createTransport('mqtt://h?clientId=a&broker=hivemq'),
    /must be one of mosquitto, rabbitmq, emqx, generic/,
  );
  assert.throws(() => createTransport('mqtt://h?clientId=a&protocol=3'), /protocol' must be 4/);
  assert.throws(() => createTransport('mqtt://h?clientId=a&group=a/b'), /group' must be made of/);
  assert.throws(
    () => createTransport('mqtt://h?clientId=a&envelope=yes'),
    /envelope' must be 'on'/,
  );
  assert.throws(
    () => createTransport('mqtt://h?clientId=a&broker=mosquitto&envelope=on'),
    /envelope' is for MQTT 3.1.1 only/,
  );
});

const mosquittoSkip = await serviceSkipReason('Mosquitto', '127.0.0.1', 1883);
const rabbitSkip = await serviceSkipReason('RabbitMQ MQTT plugin', '127.0.0.1', 1884);

function tracked(open: Transport[], url: string): { t: Transport; warnings: TransportWarning[] } {
  const warnings: TransportWarning[] = [];
  const t = createTransport(url, { connectTimeoutMs: 3000 });
  t.listen({ warning: (w) => warnings.push(w) });
  open.push(t);
  return { t, warnings };
}

describe('MQTT against Mosquitto', { skip: mosquittoSkip ?? false }, () => {
  const open: Transport[] = [];
  after(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
    const ids = ['warn', 'nosub', 'emit'].map((name) => `aes-mqtt-${run}-${name}`);
    await endMqttSessions('mqtt://127.0.0.1:1883', ids, 5);
  });

  test('warns at start-up that Mosquitto acknowledgements are not durable', async () => {
    const { t, warnings } = tracked(open, `${MOSQUITTO}&clientId=aes-mqtt-${run}-warn`);
    await t.connect();
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['MQTT_ACK_NOT_DURABLE'],
    );
    assert.match(warnings[0]?.message ?? '', /200 of 200/);
  });

  test('with no warning listener the warning goes to process.emitWarning', async () => {
    const seen: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => seen.push(warning.code ?? '');
    process.on('warning', onWarning);
    try {
      const t = createTransport(`${MOSQUITTO}&clientId=aes-mqtt-${run}-emit`);
      open.push(t);
      await t.connect();
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    } finally {
      process.off('warning', onWarning);
    }
    assert.ok(seen.includes('MQTT_ACK_NOT_DURABLE'), `process warnings: ${seen.join(', ')}`);
  });

  test('MQTT 5: a /queue/ publish no subscription holds is rejected, not confirmed', async () => {
    const { t } = tracked(open, `${MOSQUITTO}&clientId=aes-mqtt-${run}-nosub`);
    await t.connect();
    await assert.rejects(
      t.publish(`/queue/aes-mqtt-${run}-nobody`, 'into the void'),
      (err: unknown) =>
        err instanceof PublishRejectedError && /stored the message nowhere/.test(err.message),
    );
    // A topic has no such promise: nobody listening is fine.
    await t.publish(`/topic/aes-mqtt-${run}-nobody`, 'fine');
  });
});

describe('MQTT against RabbitMQ', { skip: rabbitSkip ?? false }, () => {
  const open: Transport[] = [];
  after(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
    await endMqttSessions(
      RABBIT,
      ['rabbit-warn', 'rabbit-off', 'env-producer', 'env-plain'].map((n) => `aes-mqtt-${run}-${n}`),
      4,
    );
  });

  test('MQTT 3.1.1 carries headers in the aes envelope, and warns only with envelope=off', async () => {
    const { t, warnings } = tracked(open, `${RABBIT}&clientId=aes-mqtt-${run}-rabbit-warn`);
    await t.connect();
    assert.deepEqual(warnings, [], 'no warning: the envelope carries the headers');
    const off = tracked(open, `${RABBIT}&clientId=aes-mqtt-${run}-rabbit-off&envelope=off`);
    await off.t.connect();
    assert.deepEqual(
      off.warnings.map((w) => w.code),
      ['MQTT_NO_HEADERS'],
    );
  });

  test('an enveloped message keeps its id and headers; a plain publisher still gets through', async () => {
    const queue = `/queue/aes-mqtt-${run}-envelope` as const;
    const consumerId = `aes-mqtt-${run}-env-consumer`;
    const consumer = tracked(open, `${RABBIT}&clientId=${consumerId}`).t;
    await consumer.connect();
    const got: InboundMessage[] = [];
    await consumer.subscribe(queue, (m) => {
      got.push(m);
      return Promise.resolve();
    });
    const producer = tracked(open, `${RABBIT}&clientId=aes-mqtt-${run}-env-producer`).t;
    await producer.connect();
    await producer.publish(queue, 'with headers', {
      messageId: 'ep:7',
      headers: { 'x-kind': 'order' },
    });
    // A plain MQTT 3.1.1 publisher (not aes) that knows nothing of envelopes.
    const plain = tracked(open, `${RABBIT}&clientId=aes-mqtt-${run}-env-plain&envelope=off`).t;
    await plain.connect();
    await plain.publish(queue, 'plain body');
    const until = Date.now() + 20_000;
    while (got.length < 2 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const byBody = new Map(got.map((m) => [m.body.toString(), m]));
    assert.equal(byBody.get('with headers')?.messageId, 'ep:7');
    assert.equal(byBody.get('with headers')?.headers['x-kind'], 'order');
    assert.equal(byBody.get('plain body')?.messageId, undefined);
    assert.deepEqual(byBody.get('plain body')?.headers, {});
    await endMqttSessions(RABBIT, [consumerId], 4);
  });

  test('a broker that closes without CONNACK (RabbitMQ 3.x given MQTT 5) fails fast, typed', async () => {
    const { t } = tracked(open, `${RABBIT}&clientId=aes-mqtt-${run}-v5&protocol=5`);
    const started = Date.now();
    await assert.rejects(t.connect({ timeoutMs: 1500 }), (err: unknown) => {
      return err instanceof TransportConnectError && /CONNACK|reachable/.test(err.message);
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(t.state, 'idle');
  });
});
