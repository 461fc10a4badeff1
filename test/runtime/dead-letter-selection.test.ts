/** Reading dead letters' headers (endpoint and broker kinds), replay headers, filters, ages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readDeadLetter,
  replayDestination,
  replayHeaders,
} from '../../runtime/dead-letters/dead-letter-message.js';
import { hasCriterion, matches, parseAge } from '../../runtime/dead-letters/selection.js';
import { DeadLetterError } from '../../runtime/dead-letters/errors.js';
import type { InboundMessage } from '../../transports/index.js';

function message(headers: Record<string, string>): InboundMessage {
  return {
    destination: '/queue/dl',
    body: Buffer.from('{}'),
    headers,
    messageId: headers['aes-message-id'],
    deliveryCount: 1,
    redelivered: false,
  };
}

const NOW = Date.parse('2026-01-02T00:00:00.000Z');

test('an endpoint dead letter: fields, replay target and headers without the dead-letter ones', () => {
  const letter = readDeadLetter(
    '/queue/dead-letter.in',
    message({
      'aes-message-id': 'out:7',
      'aes-source': 'fifo',
      'content-type': 'application/json',
      'aes-dead-letter-reason': 'down',
      'aes-dead-letter-endpoint': 'in',
      'aes-dead-letter-from': '/queue/orders',
      'aes-dead-letter-at': '2026-01-01T23:00:00.000Z',
      'aes-delivery-count': '5',
      'message-id': 'broker-1',
      subscription: '0',
    }),
  );
  assert.equal(letter.messageId, 'out:7');
  assert.equal(letter.endpoint, 'in');
  assert.equal(letter.deliveryCount, 5);
  assert.equal(replayDestination(letter), '/queue/orders');
  assert.deepEqual(replayHeaders(letter, NOW), {
    'aes-source': 'fifo',
    'content-type': 'application/json',
    'aes-replayed-at': new Date(NOW).toISOString(),
  });
  assert.equal(matches(letter, { olderThanMs: parseAge('30m', 'x') }, NOW), true);
  assert.equal(matches(letter, { olderThanMs: parseAge('2h', 'x') }, NOW), false);
  assert.equal(matches(letter, { newerThanMs: parseAge('2h', 'x') }, NOW), true);
  assert.equal(matches(letter, { queue: 'orders', endpoint: 'in' }, NOW), true);
  assert.equal(matches(letter, { messageIds: ['out:8'] }, NOW), false);
  assert.equal(matches(letter, { deadLetterQueue: '/queue/dead-letter.in' }, NOW), true);
  assert.equal(matches(letter, { deadLetterQueue: '/queue/other.dlq' }, NOW), false);
});

test('a broker dead letter reads from x-* headers; one without origin has no replay target', () => {
  const letter = readDeadLetter(
    '/queue/orders.dlq',
    message({
      'message-id': 'broker-9',
      'x-dead-letter-reason': 'rejected',
      'x-dead-letter-detail': 'delivered 5 times (limit 5)',
      'x-original-destination': '/queue/orders',
      'x-delivery-count': '5',
      'x-dead-lettered-at': '2026-01-01T00:00:00.000Z',
    }),
  );
  assert.equal(letter.messageId, 'broker-9');
  assert.equal(letter.reason, 'rejected: delivered 5 times (limit 5)');
  assert.equal(replayDestination(letter), '/queue/orders');
  const lost = readDeadLetter('/queue/dl', message({ 'aes-message-id': 'x:1' }));
  assert.equal(replayDestination(lost), undefined);
  // Its age is unknown: no age filter selects it.
  assert.equal(matches(lost, { olderThanMs: 0 }, NOW), false);
});

test('ages and criteria', () => {
  assert.equal(parseAge('500ms', 'x'), 500);
  assert.equal(parseAge('90', 'x'), 90_000);
  assert.equal(parseAge('7d', 'x'), 7 * 86_400_000);
  assert.throws(
    () => parseAge('soon', '--older-than'),
    (err: unknown) => {
      return err instanceof DeadLetterError && err.code === 'DLQ_BAD_FILTER';
    },
  );
  assert.equal(hasCriterion({ messageIds: [] }), false);
  assert.equal(hasCriterion({ endpoint: 'in' }), true);
  assert.equal(hasCriterion({ deadLetterQueue: '/queue/dl' }), true);
});
