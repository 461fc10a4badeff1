/**
 * The pieces a broker connection is made of, alone: the per-tick frame writer, the transactions,
 * the store's back-pressure and the owners of pending acks. The connection's behaviour as a whole
 * is covered by the raw-frame and client tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckOwners } from '../../broker/ack-owners.js';
import type { StompFrame } from '../../broker/frame.js';
import { FLUSH_BYTES, StompFrameWriter } from '../../broker/frame-writer.js';
import { MAX_STORE_OPS_IN_FLIGHT, StoreBackpressure } from '../../broker/store-backpressure.js';
import { BrokerSubscription, type SubscriberConnection } from '../../broker/subscription.js';
import { StompTransactions } from '../../broker/transactions.js';

/** A socket that records what reaches the wire: writes while corked wait for the uncork. */
function recordingSink() {
  const wire: string[] = [];
  let corked = 0;
  let held: string[] = [];
  return {
    wire,
    write(chunk: Buffer): boolean {
      if (corked > 0) held.push(chunk.toString());
      else wire.push(chunk.toString());
      return true;
    },
    cork(): void {
      corked += 1;
    },
    uncork(): void {
      if (corked === 0) return;
      corked -= 1;
      if (corked === 0 && held.length > 0) {
        wire.push(held.join('|'));
        held = [];
      }
    },
  };
}

test('frame writer: one socket write per tick, earlier past FLUSH_BYTES, and on flush()', async () => {
  const sink = recordingSink();
  const writer = new StompFrameWriter(sink);
  writer.write(Buffer.from('a'));
  writer.write(Buffer.from('b'));
  assert.deepEqual(sink.wire, []);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.deepEqual(sink.wire, ['a|b']);
  writer.write(Buffer.alloc(FLUSH_BYTES, 'x'));
  assert.equal(sink.wire.length, 2, 'a full tick goes at once');
  writer.write(Buffer.from('c'));
  writer.flush();
  assert.deepEqual(sink.wire.slice(2), ['c']);
});

function frame(command: string, headers: Record<string, string>): StompFrame {
  return { command, headers: new Map(Object.entries(headers)), body: Buffer.alloc(0) };
}

test('transactions: begin once, unknown ids refused, bytes bounded, bodies copied', () => {
  const txs = new StompTransactions(8);
  txs.begin('t');
  assert.throws(() => txs.begin('t'), /transaction 't' is already open/);
  assert.throws(() => txs.get('u', 'ACK'), /ACK names unknown transaction 'u'/);
  const chunk = Buffer.from('12345');
  txs.addSend('t', 'SEND', { destination: '/queue/q', headers: [], body: chunk.subarray(0, 4) });
  chunk.write('9');
  assert.equal(txs.get('t', 'SEND').sends[0]?.body.toString(), '1234', 'not a view of the chunk');
  assert.throws(
    () => txs.addSend('t', 'SEND', { destination: '/queue/q', headers: [], body: chunk }),
    /transaction 't' buffers over 8 bytes/,
  );
  assert.equal(txs.end('t', 'COMMIT').bytes, 9);
  assert.throws(() => txs.end('t', 'ABORT'), /ABORT names unknown transaction 't'/);
});

test('store back-pressure: pauses at the bound, resumes at half, idle when all settled', async () => {
  const events: string[] = [];
  const pressure = new StoreBackpressure({
    pauseReading: (n) => events.push(`pause ${n}`),
    resumeReading: () => events.push('resume'),
  });
  await pressure.idle();
  for (let i = 0; i < MAX_STORE_OPS_IN_FLIGHT + 1; i += 1) pressure.started();
  assert.deepEqual(events, [`pause ${MAX_STORE_OPS_IN_FLIGHT}`]);
  assert.ok(pressure.throttled);
  let idle = false;
  const waiting = pressure.idle().then(() => (idle = true));
  for (let i = 0; i < MAX_STORE_OPS_IN_FLIGHT / 2 + 1; i += 1) pressure.settled();
  assert.deepEqual(events, [`pause ${MAX_STORE_OPS_IN_FLIGHT}`, 'resume']);
  assert.ok(!pressure.throttled);
  for (let i = 0; i < MAX_STORE_OPS_IN_FLIGHT / 2 - 1; i += 1) pressure.settled();
  await Promise.resolve();
  assert.equal(idle, false);
  pressure.settled();
  await waiting;
});

test('ack owners: a delivery named by id (1.2), message-id + subscription (1.1), message-id (1.0)', () => {
  const connection: SubscriberConnection = {
    isWritable: () => true,
    sendMessage: () => undefined,
    failSlowConsumer: () => undefined,
  };
  const sub = new BrokerSubscription('s1', '/queue/q', 'client-individual', 10, connection);
  const delivery = { ackId: 'c1-1', messageId: 'm1', queue: undefined, message: undefined };
  sub.track(delivery);
  const owners = new AckOwners();
  owners.add('c1-1', sub);
  const subs = new Map([['s1', sub]]);
  const expected = { subscription: sub, ackId: 'c1-1' };
  assert.deepEqual(owners.find(frame('ACK', { id: 'c1-1' }), '1.2', subs), expected);
  assert.deepEqual(
    owners.find(frame('ACK', { 'message-id': 'm1', subscription: 's1' }), '1.1', subs),
    expected,
  );
  assert.deepEqual(owners.find(frame('NACK', { 'message-id': 'm1' }), '1.0', subs), expected);
  owners.forget([delivery]);
  assert.throws(
    () => owners.find(frame('ACK', { id: 'c1-1' }), '1.2', subs),
    /ACK of 'c1-1': no unacknowledged message with that id on this connection/,
  );
});
