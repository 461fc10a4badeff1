/**
 * The pure parts of reading dead letters through RabbitMQ's management API: where the API is and
 * with which login (`managementTargetOf`), a message the API answered read as the STOMP plugin
 * would deliver it (`asInbound`), and `broker.managementUrl` in the node config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managementTargetOf } from '../../runtime/dead-letters/management-api.js';
import { asInbound } from '../../runtime/dead-letters/management-browse.js';
import { readDeadLetter } from '../../runtime/dead-letters/dead-letter-message.js';
import { ConfigError, parseConfig, redactConfig } from '../../runtime/node/index.js';

test('the management API is derived from the STOMP URL: host, port 15672 (15671 over https), its login and vhost', () => {
  const plain = managementTargetOf('stomp://aes:s%40cret@mq1:61613?vhost=prod&heartbeatMs=1000');
  assert.equal(plain.base.href, 'http://mq1:15672/');
  assert.equal(plain.user, 'aes');
  assert.equal(plain.password, 's@cret');
  assert.equal(plain.vhost, 'prod');
  const tls = managementTargetOf('stomp+ssl://[::1]:61614');
  assert.equal(tls.base.href, 'https://[::1]:15671/');
  assert.equal(tls.user, undefined);
  assert.equal(tls.vhost, '/');
});

test('a named management URL keeps its path prefix and its own login, else takes the STOMP login', () => {
  const named = managementTargetOf(
    'stomp://aes:pw@mq1:61613',
    'https://ops:key@lb.example:8443/rabbit?x=1',
  );
  assert.equal(named.base.href, 'https://lb.example:8443/rabbit/');
  assert.equal(named.user, 'ops');
  assert.equal(named.password, 'key');
  const borrowed = managementTargetOf('stomp://aes:pw@mq1:61613', 'http://mq1:8080');
  assert.equal(borrowed.base.href, 'http://mq1:8080/');
  assert.equal(borrowed.user, 'aes');
  assert.equal(borrowed.password, 'pw');
  assert.throws(() => managementTargetOf('stomp://mq1', 'ftp://mq1'), /expected http/);
});

test('a message the management API answered reads as the STOMP plugin delivers it', () => {
  const inbound = asInbound('/queue/dead-letter.orders-in', {
    payload: Buffer.from([0xff, 0x01]),
    redelivered: true,
    properties: {
      delivery_mode: 2,
      content_type: 'application/json',
      message_id: 'amqp-1',
      headers: {
        'aes-message-id': 'orders:7',
        'aes-dead-letter-from': '/queue/orders',
        'aes-dead-letter-reason': 'refused',
        'aes-delivery-count': '3',
        'x-delivery-count': 4,
        'x-death': [{ count: 1, reason: 'rejected' }],
      },
    },
  });
  assert.equal(inbound.messageId, 'orders:7');
  assert.equal(inbound.deliveryCount, 5, 'x-delivery-count counts the deliveries before this one');
  assert.equal(inbound.redelivered, true);
  assert.deepEqual(inbound.body, Buffer.from([0xff, 0x01]));
  assert.equal(inbound.headers['content-type'], 'application/json');
  assert.equal(inbound.headers.persistent, 'true');
  assert.equal(inbound.headers['amqp-message-id'], 'amqp-1');
  assert.equal(inbound.headers['x-delivery-count'], '4');
  assert.equal(inbound.headers['x-death'], undefined, 'tables have no STOMP header form');
  const letter = readDeadLetter('/queue/dead-letter.orders-in', inbound);
  assert.equal(letter.messageId, 'orders:7');
  assert.equal(letter.originalDestination, '/queue/orders');
  assert.equal(letter.deliveryCount, 3);

  // One RabbitMQ dead-lettered itself: its origin and reason from x-first-death-*.
  const rabbit = readDeadLetter(
    '/queue/dlx',
    asInbound('/queue/dlx', {
      payload: Buffer.from('x'),
      redelivered: false,
      properties: {
        headers: {
          'aes-message-id': 'orders:8',
          'x-first-death-queue': 'orders',
          'x-first-death-reason': 'delivery_limit',
          'x-first-death-exchange': '',
        },
      },
    }),
  );
  assert.equal(rabbit.originalDestination, '/queue/orders');
  assert.equal(rabbit.reason, 'delivery_limit');

  const bare = asInbound('/queue/dlq', {
    payload: Buffer.from('x'),
    redelivered: false,
    properties: {},
  });
  assert.equal(bare.messageId, undefined);
  assert.equal(bare.deliveryCount, 1);
});

test('broker.managementUrl: read with broker.urls, redacted, refused without urls or as another scheme', () => {
  const config = parseConfig({
    node: 'n',
    broker: { urls: ['stomp://aes:pw@mq1:61613'], managementUrl: 'http://ops:key@mq1:15672' },
  });
  assert.equal(
    config.broker.kind === 'external' ? config.broker.managementUrl : undefined,
    'http://ops:key@mq1:15672',
  );
  const redacted = redactConfig(config);
  assert.equal(
    redacted.broker.kind === 'external' ? redacted.broker.managementUrl : undefined,
    'http://ops:redacted@mq1:15672/',
  );
  const issues = (input: object): string[] => {
    try {
      parseConfig({ node: 'n', broker: input });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.issues.map((i) => `${i.pointer}: ${i.message}`);
    }
    return [];
  };
  assert.deepEqual(issues({ managementUrl: 'http://mq1:15672' }), [
    '/broker: must have property urls when property managementUrl is present',
  ]);
  assert.deepEqual(issues({ urls: ['stomp://mq1'], managementUrl: 'mq1:15672' }), [
    '/broker/managementUrl: must be an http:// or https:// URL, e.g. http://mq1:15672, got "mq1:15672"',
  ]);
});
