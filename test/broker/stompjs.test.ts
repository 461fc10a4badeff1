/**
 * The embedded broker against an independent client, @stomp/stompjs over TCP: every scenario
 * of issue 4 (receipts, queues, topics, ack modes, NACK and dead-lettering, prefetch,
 * transactions, DISCONNECT receipt, large and binary bodies, credentials, heart-beats).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IMessage } from '@stomp/stompjs';
import { StompjsClient, sleep, testBroker, waitFor } from './support.js';

type TestBroker = Awaited<ReturnType<typeof testBroker>>;

let broker: TestBroker;
let run = 0;
const q = (name: string): string => `/queue/${name}-${(run += 1)}`;

before(async () => {
  broker = await testBroker({ maxDeliveries: 3, users: { app: 'secret' } });
});
after(async () => {
  await broker.stop();
});

const connect = (
  options: Parameters<typeof StompjsClient.connect>[1] = {},
): Promise<StompjsClient> =>
  StompjsClient.connect(broker.port, { login: 'app', passcode: 'secret', ...options });

const bodies = (messages: IMessage[]): string[] => messages.map((m) => m.body);

describe('embedded broker with @stomp/stompjs', () => {
  test('SEND with RECEIPT, then a queue subscriber gets body and headers', async () => {
    const c = await connect();
    const dest = q('basic');
    await c.send(dest, 'hello', { 'aes-message-id': 'ep:1', 'content-type': 'application/json' });
    const { received } = c.subscribe(dest);
    await waitFor('one message', () => received.length === 1);
    const m = received[0];
    assert.equal(m?.body, 'hello');
    assert.equal(m?.headers['aes-message-id'], 'ep:1');
    assert.equal(m?.headers['content-type'], 'application/json');
    assert.equal(m?.headers.destination, dest);
    assert.equal(m?.headers['delivery-count'], '1');
    assert.equal(m?.headers.redelivered, 'false');
    await c.close();
  });

  test('a queue hands each message to one consumer, round robin, in order', async () => {
    const dest = q('rr');
    const a = await connect();
    const b = await connect();
    const sa = a.subscribe(dest);
    const sb = b.subscribe(dest);
    await sleep(100);
    const p = await connect();
    for (let i = 0; i < 10; i += 1) await p.send(dest, `m${i}`);
    await waitFor('10 messages', () => sa.received.length + sb.received.length === 10);
    assert.deepEqual(bodies(sa.received), ['m0', 'm2', 'm4', 'm6', 'm8']);
    assert.deepEqual(bodies(sb.received), ['m1', 'm3', 'm5', 'm7', 'm9']);
    await Promise.all([a.close(), b.close(), p.close()]);
  });

  test('a topic fans out to every current subscriber and stores nothing', async () => {
    const dest = `/topic/fan-${(run += 1)}`;
    const p = await connect();
    await p.send(dest, 'before anyone listens');
    const a = await connect();
    const b = await connect();
    const sa = a.subscribe(dest);
    const sb = b.subscribe(dest);
    await sleep(100);
    await p.send(dest, 'one');
    await p.send(dest, 'two');
    await waitFor('both subscribers', () => sa.received.length === 2 && sb.received.length === 2);
    assert.deepEqual(bodies(sa.received), ['one', 'two']);
    assert.deepEqual(bodies(sb.received), ['one', 'two']);
    await Promise.all([a.close(), b.close(), p.close()]);
  });

  test('ack auto: a delivered message is gone', async () => {
    const dest = q('auto');
    const c = await connect();
    await c.send(dest, 'x');
    const s = c.subscribe(dest, { ack: 'auto' });
    await waitFor('delivery', () => s.received.length === 1);
    await c.kill();
    const d = await connect();
    const s2 = d.subscribe(dest, { ack: 'client-individual' });
    await sleep(300);
    assert.equal(s2.received.length, 0);
    await d.close();
  });

  test('ack client-individual: unacked messages are redelivered when the consumer goes away', async () => {
    const dest = q('individual');
    const p = await connect();
    for (const body of ['a', 'b', 'c']) await p.send(dest, body);
    const c = await connect();
    const s = c.subscribe(dest, { ack: 'client-individual' });
    await waitFor('three deliveries', () => s.received.length === 3);
    s.received[1]?.ack();
    await sleep(100);
    await c.kill();
    const d = await connect();
    const s2 = d.subscribe(dest, { ack: 'client-individual' });
    await waitFor('redelivery', () => s2.received.length === 2);
    assert.deepEqual(bodies(s2.received), ['a', 'c']);
    for (const m of s2.received) {
      assert.equal(m.headers.redelivered, 'true');
      assert.equal(m.headers['delivery-count'], '2');
      m.ack();
    }
    await Promise.all([d.close(), p.close()]);
  });

  test('UNSUBSCRIBE gives unacked messages back to the queue', async () => {
    const dest = q('unsubscribe');
    const c = await connect();
    await c.send(dest, 'one');
    await c.send(dest, 'two');
    const first = c.subscribe(dest, { ack: 'client-individual' });
    await waitFor('two deliveries', () => first.received.length === 2);
    first.received[0]?.ack();
    first.unsubscribe();
    const second = c.subscribe(dest, { ack: 'client-individual' });
    await waitFor('the unacked one again', () => second.received.length === 1);
    assert.equal(second.received[0]?.body, 'two');
    assert.equal(second.received[0]?.headers['delivery-count'], '2');
    second.received[0]?.ack();
    await sleep(50);
    assert.equal(first.received.length, 2, 'nothing more for the old subscription');
    await c.close();
  });

  test('ack client: an ACK covers every earlier message of the subscription', async () => {
    const dest = q('cumulative');
    const p = await connect();
    for (const body of ['a', 'b', 'c', 'd']) await p.send(dest, body);
    const c = await connect();
    const s = c.subscribe(dest, { ack: 'client' });
    await waitFor('four deliveries', () => s.received.length === 4);
    s.received[2]?.ack();
    await sleep(100);
    await c.kill();
    const d = await connect();
    const s2 = d.subscribe(dest, { ack: 'client' });
    await waitFor('redelivery of d', () => s2.received.length === 1);
    await sleep(100);
    assert.deepEqual(bodies(s2.received), ['d']);
    s2.received[0]?.ack();
    await Promise.all([d.close(), p.close()]);
  });

  test('NACK redelivers with a delivery count, then dead-letters after maxDeliveries', async () => {
    const dest = q('poison');
    const c = await connect();
    await c.send(dest, 'poison', { 'aes-message-id': 'ep:7' });
    const s = c.subscribe(dest, { ack: 'client-individual' });
    for (let n = 1; n <= 3; n += 1) {
      await waitFor(`delivery ${n}`, () => s.received.length === n);
      assert.equal(s.received[n - 1]?.headers['delivery-count'], String(n));
      s.received[n - 1]?.nack();
    }
    const dlq = c.subscribe(`${dest}.dlq`, { ack: 'client-individual' });
    await waitFor('dead-lettered message', () => dlq.received.length === 1);
    const dead = dlq.received[0];
    assert.equal(dead?.body, 'poison');
    assert.equal(dead?.headers['aes-message-id'], 'ep:7');
    assert.equal(dead?.headers['x-original-destination'], dest);
    assert.equal(dead?.headers['x-dead-letter-reason'], 'rejected');
    assert.equal(dead?.headers['x-delivery-count'], '3');
    dead?.ack();
    await sleep(100);
    assert.equal(s.received.length, 3);
    await c.close();
  });

  test('prefetch window: no more unacked messages than prefetch-count', async () => {
    const dest = q('prefetch');
    const p = await connect();
    for (let i = 0; i < 6; i += 1) await p.send(dest, `m${i}`);
    const c = await connect();
    const s = c.subscribe(dest, { ack: 'client-individual', 'prefetch-count': '2' });
    await waitFor('two deliveries', () => s.received.length === 2);
    await sleep(200);
    assert.equal(s.received.length, 2);
    s.received[0]?.ack();
    await waitFor('a third delivery', () => s.received.length === 3);
    await sleep(200);
    assert.equal(s.received.length, 3);
    for (const m of s.received.slice(1)) m.ack();
    await waitFor('two more', () => s.received.length === 5);
    for (const m of s.received.slice(3)) m.ack();
    await waitFor('the last', () => s.received.length === 6);
    assert.deepEqual(bodies(s.received), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    s.received[5]?.ack();
    await Promise.all([c.close(), p.close()]);
  });

  test('transactions: ABORT discards, COMMIT delivers SENDs and applies ACKs', async () => {
    const dest = q('tx');
    const c = await connect();
    const aborted = c.client.begin();
    c.client.publish({ destination: dest, body: 'never', headers: { transaction: aborted.id } });
    aborted.abort();
    const committed = c.client.begin();
    c.client.publish({ destination: dest, body: 'one', headers: { transaction: committed.id } });
    c.client.publish({ destination: dest, body: 'two', headers: { transaction: committed.id } });
    const s = c.subscribe(dest, { ack: 'client-individual' });
    await sleep(200);
    assert.equal(s.received.length, 0, 'nothing visible before COMMIT');
    committed.commit();
    await waitFor('committed messages', () => s.received.length === 2);
    assert.deepEqual(bodies(s.received), ['one', 'two']);
    const ackTx = c.client.begin();
    for (const m of s.received) m.ack({ transaction: ackTx.id });
    ackTx.commit();
    await sleep(200);
    await c.kill();
    const d = await connect();
    const s2 = d.subscribe(dest, { ack: 'client-individual' });
    await sleep(300);
    assert.equal(s2.received.length, 0, 'acks committed in a transaction hold');
    await d.close();
  });

  test('DISCONNECT is answered by its RECEIPT', async () => {
    const c = await connect();
    let disconnected = false;
    c.client.onDisconnect = () => {
      disconnected = true;
    };
    await c.close();
    assert.equal(disconnected, true);
  });

  test('large (2 MiB) and binary bodies with NUL bytes arrive intact', async () => {
    const dest = q('large');
    const c = await connect();
    const large = randomBytes(2 * 1024 * 1024);
    const binary = Uint8Array.from([0, 1, 0, 0, 255, 0]);
    await c.send(dest, large, { 'content-type': 'application/octet-stream' });
    await c.send(dest, binary);
    const s = c.subscribe(dest);
    await waitFor('two bodies', () => s.received.length === 2);
    assert.deepEqual(Buffer.from(s.received[0]?.binaryBody ?? []), large);
    assert.deepEqual(Buffer.from(s.received[1]?.binaryBody ?? []), Buffer.from(binary));
    await c.close();
  });

  test('bad credentials get an ERROR frame and the connection is closed', async () => {
    await assert.rejects(connect({ passcode: 'wrong' }), /ERROR frame: bad credentials/);
    await assert.rejects(connect({ login: 'nobody' }), /ERROR frame: bad credentials/);
    const ok = await connect();
    await ok.close();
  });

  // stompjs escapes header values only under 1.2, so these use values that need no escaping;
  // the raw-frame tests cover 1.1 escaping.
  test('STOMP 1.0 and 1.1 clients (ACK by message-id) work too', async () => {
    for (const version of ['1.0', '1.1']) {
      const dest = q(`v${version}`);
      const c = await connect({ versions: [version] });
      await c.send(dest, `hello ${version}: a\\b`, { 'x-key': 'plain value' });
      const s = c.subscribe(dest, { ack: 'client-individual' });
      await waitFor('delivery', () => s.received.length === 1);
      assert.equal(s.received[0]?.body, `hello ${version}: a\\b`);
      assert.equal(s.received[0]?.headers['x-key'], 'plain value');
      s.received[0]?.ack();
      await sleep(100);
      await c.kill();
      const d = await connect({ versions: [version] });
      const s2 = d.subscribe(dest, { ack: 'client-individual' });
      await sleep(200);
      assert.equal(s2.received.length, 0, `ACK held under STOMP ${version}`);
      await d.close();
    }
  });
});

describe('heart-beats with @stomp/stompjs', () => {
  test('both sides heart-beat at 100 ms and the connection stays up', async () => {
    const fast = await testBroker({ heartbeatSendMs: 100, heartbeatReceiveMs: 100 });
    try {
      const c = await StompjsClient.connect(fast.port, { heartbeatMs: 100 });
      await sleep(1000);
      assert.equal(c.closed, false);
      assert.equal(c.errors.length, 0);
      const dest = q('hb');
      await c.send(dest, 'still here');
      await c.close();
    } finally {
      await fast.stop();
    }
  });
});
