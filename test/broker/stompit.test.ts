/**
 * The embedded broker with stompit, the client aes's STOMP transport uses. Its traps are handled
 * here as the transport must: no-delay on the socket, content-length set by the sender.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import stompit from 'stompit';
import { sleep, testBroker, waitFor, within } from './support.js';

type TestBroker = Awaited<ReturnType<typeof testBroker>>;
type Message = stompit.Client.Message;

let broker: TestBroker;
let n = 0;

before(async () => {
  broker = await testBroker({ maxDeliveries: 2 });
});
after(async () => {
  await broker.stop();
});

async function stompitClient(): Promise<stompit.Client> {
  const socket = netConnect(broker.port, '127.0.0.1');
  socket.setNoDelay(true);
  const client = new stompit.Client(socket);
  await within(
    'stompit CONNECTED',
    new Promise<void>((resolve, reject) => {
      client.connect({ host: 'localhost', 'accept-version': '1.2' }, (err) =>
        err ? reject(err) : resolve(),
      );
    }),
  );
  client.on('error', () => undefined);
  return client;
}

function send(
  client: stompit.Client,
  destination: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<void> {
  return within(
    `stompit receipt for ${destination}`,
    new Promise<void>((resolve) => {
      // No per-send onError: stompit adds an error listener per send (a known trap); the
      // deadline above catches a missing receipt.
      const frame = client.send(
        { destination, 'content-length': String(body.length), ...headers },
        { onReceipt: () => resolve() } as stompit.Client.SendOptions,
      );
      frame.end(body);
    }),
  );
}

function readBody(message: Message): Promise<Buffer> {
  return within(
    'stompit message body',
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      message.on('data', (c: Buffer) => chunks.push(c));
      message.on('end', () => resolve(Buffer.concat(chunks)));
      message.on('error', reject);
    }),
  );
}

function collect(
  client: stompit.Client,
  destination: string,
  headers: Record<string, string> = {},
  ackOnReceipt = false,
): { messages: { message: Message; body: Buffer }[] } {
  const out: { messages: { message: Message; body: Buffer }[] } = { messages: [] };
  client.subscribe({ destination, ack: 'client-individual', ...headers }, (err, message) => {
    if (err) return;
    void readBody(message).then((body) => {
      out.messages.push({ message, body });
      if (ackOnReceipt) client.ack(message);
    });
  });
  return out;
}

function nth(sub: { messages: { message: Message }[] }, i: number): Message {
  const m = sub.messages[i];
  assert.ok(m, `message ${i} was received`);
  return m.message;
}

/** stompit's typings omit the headers its IncomingFrame carries. */
function headersOf(message: Message): Record<string, string | undefined> {
  return (message as unknown as { headers: Record<string, string | undefined> }).headers;
}

function disconnect(client: stompit.Client): Promise<void> {
  return within(
    'stompit DISCONNECT receipt',
    new Promise<void>((resolve, reject) =>
      client.disconnect((err) => (err ? reject(err) : resolve())),
    ),
  );
}

describe('embedded broker with stompit', () => {
  test('pipelined receipted SENDs, then client-individual acks, in order', async () => {
    const dest = `/queue/stompit-${(n += 1)}`;
    const client = await stompitClient();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => send(client, dest, Buffer.from(`m${i}`))),
    );
    const sub = collect(client, dest, { 'prefetch-count': '50' }, true);
    await waitFor('200 messages', () => sub.messages.length === 200);
    assert.deepEqual(
      sub.messages.map((m) => m.body.toString()),
      Array.from({ length: 200 }, (_, i) => `m${i}`),
    );
    await disconnect(client);
  });

  test('binary body with NUL bytes, content-length set by the sender', async () => {
    const dest = `/queue/stompit-bin-${(n += 1)}`;
    const client = await stompitClient();
    const body = Buffer.from([0, 0, 1, 2, 0, 3, 255, 0]);
    await send(client, dest, body, { 'content-type': 'application/octet-stream' });
    const sub = collect(client, dest);
    await waitFor('binary message', () => sub.messages.length === 1);
    assert.deepEqual(sub.messages[0]?.body, body);
    client.ack(nth(sub, 0));
    await disconnect(client);
  });

  test('NACK redelivers with delivery-count, then the message is dead-lettered', async () => {
    const dest = `/queue/stompit-nack-${(n += 1)}`;
    const client = await stompitClient();
    await send(client, dest, Buffer.from('bad'));
    const sub = collect(client, dest);
    await waitFor('first delivery', () => sub.messages.length === 1);
    assert.equal(headersOf(nth(sub, 0))['delivery-count'], '1');
    client.nack(nth(sub, 0));
    await waitFor('redelivery', () => sub.messages.length === 2);
    assert.equal(headersOf(nth(sub, 1))['delivery-count'], '2');
    assert.equal(headersOf(nth(sub, 1)).redelivered, 'true');
    client.nack(nth(sub, 1));
    const dlq = collect(client, `${dest}.dlq`);
    await waitFor('dead letter', () => dlq.messages.length === 1);
    assert.equal(dlq.messages[0]?.body.toString(), 'bad');
    assert.equal(headersOf(nth(dlq, 0))['x-dead-letter-reason'], 'rejected');
    client.ack(nth(dlq, 0));
    await sleep(50);
    await disconnect(client);
  });
});
