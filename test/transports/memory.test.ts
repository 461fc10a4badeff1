import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createTransport,
  DestinationError,
  TransportUrlError,
  type InboundMessage,
  type Transport,
} from '../../transports/index.js';

async function connected(hub: string): Promise<Transport> {
  const transport = createTransport(`memory://${hub}`);
  await transport.connect();
  return transport;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('a queue delivers in order, acks on success and redelivers after a failure', async () => {
  const hub = randomUUID();
  await using producer = await connected(hub);
  await using consumer = await connected(hub);
  for (let i = 0; i < 5; i += 1) {
    await producer.publish('/queue/orders', `m${i}`, { messageId: `ep:${i}` });
  }
  const seen: string[] = [];
  const done = deferred<void>();
  let failedOnce = false;
  await consumer.subscribe('/queue/orders', (message: InboundMessage) => {
    const body = message.body.toString();
    if (body === 'm2' && !failedOnce) {
      failedOnce = true;
      seen.push(`${body}#${message.deliveryCount}`);
      return Promise.reject(new Error('target down'));
    }
    seen.push(`${body}#${message.deliveryCount}:${message.messageId ?? ''}`);
    if (seen.length === 6) done.resolve();
    return Promise.resolve();
  });
  await done.promise;
  assert.deepEqual(seen, ['m0#1:ep:0', 'm1#1:ep:1', 'm2#1', 'm2#2:ep:2', 'm3#1:ep:3', 'm4#1:ep:4']);
});

test('competing consumers share a queue round robin; a topic fans out', async () => {
  const hub = randomUUID();
  await using t = await connected(hub);
  const a: string[] = [];
  const b: string[] = [];
  const all = deferred<void>();
  const check = () => {
    if (a.length + b.length === 4) all.resolve();
  };
  await t.subscribe('/queue/work', (m) => (a.push(m.body.toString()), check(), Promise.resolve()));
  await t.subscribe('/queue/work', (m) => (b.push(m.body.toString()), check(), Promise.resolve()));
  for (const body of ['1', '2', '3', '4']) await t.publish('/queue/work', body);
  await all.promise;
  assert.deepEqual([a.length, b.length], [2, 2]);

  const fan = deferred<void>();
  const copies: string[] = [];
  const onCopy = (m: InboundMessage) => {
    copies.push(m.body.toString());
    if (copies.length === 2) fan.resolve();
    return Promise.resolve();
  };
  await t.subscribe('/topic/news', onCopy);
  await t.subscribe('/topic/news', onCopy);
  await t.publish('/topic/news', 'hello');
  await fan.promise;
  assert.deepEqual(copies, ['hello', 'hello']);
});

test('prefetch bounds unacknowledged deliveries; unsubscribe returns them to the queue', async () => {
  const hub = randomUUID();
  await using t = await connected(hub);
  for (let i = 0; i < 10; i += 1) await t.publish('/queue/p', String(i));
  const held: string[] = [];
  const twoHeld = deferred<void>();
  const sub = await t.subscribe(
    '/queue/p',
    (m) => {
      held.push(m.body.toString());
      if (held.length === 2) twoHeld.resolve();
      return new Promise<void>(() => {}); // never settles
    },
    { prefetch: 2 },
  );
  await twoHeld.promise;
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(held, ['0', '1']);
  await sub.unsubscribe();
  const redelivered = deferred<InboundMessage>();
  await t.subscribe('/queue/p', (m) => (redelivered.resolve(m), Promise.resolve()));
  const first = await redelivered.promise;
  assert.equal(first.body.toString(), '0');
  assert.equal(first.deliveryCount, 2);
  assert.equal(first.redelivered, true);
});

test('bad URLs and destinations are typed errors naming the problem', async () => {
  assert.throws(
    () => createTransport('nope://x'),
    (err: unknown) => {
      assert.ok(err instanceof TransportUrlError);
      assert.equal(err.code, 'TRANSPORT_NO_SCHEME');
      assert.match(err.message, /no transport for scheme 'nope' \(known: .*memory/);
      return true;
    },
  );
  assert.throws(() => createTransport('stomp://a,mqtt://b'), /mix schemes/);
  await using t = await connected(randomUUID());
  await assert.rejects(() => t.publish('/queue/../x', 'x'), DestinationError);
  await assert.rejects(() => t.publish('/queue/a b', 'x'), DestinationError);
  await t.close();
  await assert.rejects(() => t.connect(), /closed/);
});
