/**
 * RabbitMQ quorum queues declared from the STOMP transport URL (`queueType=quorum`, dead-letter
 * exchange and routing key), checked with `rabbitmqctl list_queues` against the RabbitMQ on
 * 127.0.0.1:61613 (skipped with a message when it does not listen), and the option checks.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createTransport, TransportOptionError, type Transport } from '../../transports/index.js';
import { serviceSkipReason } from '../support/services.js';

const BROKER = 'stomp://guest:guest@127.0.0.1:61613';
const skip = await serviceSkipReason('RabbitMQ STOMP plugin', '127.0.0.1', 61613);
const FAST = { reconnectInitialMs: 50, reconnectMaxMs: 300, connectTimeoutMs: 3000 };

test('bad queue options are refused, naming the option', () => {
  const refused = (query: string, option: string, text: RegExp) =>
    assert.throws(
      () => createTransport(`stomp://h?${query}`),
      (err: unknown) =>
        err instanceof TransportOptionError &&
        err.message.includes(`'${option}'`) &&
        text.test(err.message),
      query,
    );
  refused('queueType=stream', 'queueType', /one of classic, quorum, got 'stream'/);
  refused('deadLetterRoutingKey=k', 'deadLetterRoutingKey', /needs deadLetterExchange/);
  refused(`deadLetterExchange=${'x'.repeat(256)}`, 'deadLetterExchange', /255 bytes/);
  refused('queueExpiresMs=soon', 'queueExpiresMs', /whole number/);
});

/** `rabbitmqctl list_queues name type arguments` for one queue, or undefined. */
async function listQueue(name: string): Promise<{ type: string; arguments: string } | undefined> {
  const { stdout } = await promisify(execFile)(
    'rabbitmqctl',
    ['list_queues', '--quiet', '--no-table-headers', 'name', 'type', 'arguments'],
    { timeout: 60_000 },
  );
  for (const line of stdout.split('\n')) {
    const [queue, type, ...rest] = line.split('\t');
    if (queue === name && type !== undefined) return { type, arguments: rest.join('\t') };
  }
  return undefined;
}

async function deleteQueue(name: string): Promise<void> {
  await promisify(execFile)('rabbitmqctl', ['delete_queue', name], { timeout: 60_000 }).catch(
    () => undefined,
  );
}

describe('quorum queues declared through the STOMP transport', { skip: skip ?? false }, () => {
  const open: Transport[] = [];
  const queues: string[] = [];
  const run = randomUUID().slice(0, 8);
  after(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
    for (const q of queues) await deleteQueue(q);
  });
  const make = (url: string) => {
    const t = createTransport(url, FAST);
    open.push(t);
    return t;
  };

  test('queueType=quorum with dead-lettering: declared as such, and a message goes round', async () => {
    const name = `aes-quorum-${run}`;
    const dlq = `aes-quorum-${run}-dlq`;
    queues.push(name, dlq);
    const url = `${BROKER}?queueType=quorum&deadLetterExchange=&deadLetterRoutingKey=${dlq}`;
    const consumer = make(url);
    const producer = make(url);
    await consumer.connect();
    await producer.connect();
    const got: string[] = [];
    let delivered: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    // SUBSCRIBE declares it first, SEND declares it again with the same arguments.
    await consumer.subscribe(`/queue/${name}`, (message) => {
      got.push(message.body.toString());
      delivered();
      return Promise.resolve();
    });
    await producer.publish(`/queue/${name}`, 'through a quorum queue');
    await Promise.race([
      arrived,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('no delivery in 10 s')), 10_000),
      ),
    ]);
    assert.deepEqual(got, ['through a quorum queue']);
    const listed = await listQueue(name);
    assert.equal(listed?.type, 'quorum', `rabbitmqctl lists ${name} as ${listed?.type}`);
    assert.match(listed?.arguments ?? '', /x-queue-type/);
    assert.match(listed?.arguments ?? '', new RegExp(`x-dead-letter-routing-key.*${dlq}`));
    assert.match(listed?.arguments ?? '', /x-dead-letter-exchange/);
  });

  test('a classic queue stays classic', async () => {
    const name = `aes-classic-${run}`;
    queues.push(name);
    const t = make(`${BROKER}?queueType=classic`);
    await t.connect();
    await t.publish(`/queue/${name}`, 'classic');
    assert.equal((await listQueue(name))?.type, 'classic');
  });
});
