/**
 * Random and mutated STOMP sessions thrown at the broker, many at once and in odd pieces: it must
 * stay up, go on serving a well-behaved client, close every fuzzed connection, leave no message
 * held by a connection that is gone, and deliver every message it stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { StompjsClient, sleep, testBroker, waitFor } from './support.js';
import { between, seededRandom, type Random } from '../support/random.js';
import type { BrokerStats } from '../../broker/index.js';

const ROUNDS = 160;
const SESSIONS_PER_ROUND = 8;
const QUEUES = ['/queue/fz-a', '/queue/fz-b'];

function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

function frame(command: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}:${v}`);
  return `${command}\n${lines.join('\n')}\n\n${body}\0`;
}

/** One of `choices` mostly, else one of `odd`. */
function mostly<T>(random: Random, choices: readonly T[], odd: readonly T[]): T {
  return random() < 0.85 ? pick(random, choices) : pick(random, odd);
}

/**
 * A session of plausible frames, with now and then an odd header or body: the broker refuses the
 * first bad frame and closes, so most frames must be good for later ones to be seen.
 */
function session(random: Random): string {
  const parts = [
    frame(mostly(random, ['CONNECT', 'STOMP'], ['SEND', 'FOO']), {
      'accept-version': mostly(random, ['1.2', '1.0,1.1,1.2'], ['1.1', '9', '']),
      host: '/',
      'heart-beat': mostly(random, ['0,0', '10,10'], ['x,y', '-1,5']),
    }),
  ];
  for (let i = between(random, 1, 12); i > 0; i--) {
    const command = mostly(
      random,
      ['SEND', 'SEND', 'SEND', 'SUBSCRIBE', 'SUBSCRIBE', 'ACK', 'NACK', 'UNSUBSCRIBE'],
      ['BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'CONNECT', 'FOO'],
    );
    const headers: Record<string, string> = {};
    const body = mostly(
      random,
      ['', 'hello', 'ü'.repeat(50)],
      ['x'.repeat(between(random, 0, 90_000))],
    );
    if (random() < 0.95)
      headers['destination'] = mostly(random, QUEUES, ['', '/topic/fz', 'fz\\c']);
    if (random() < 0.5) headers['receipt'] = String(between(random, 0, 99));
    if (random() < 0.5) headers['id'] = mostly(random, ['s1', 's2', '0'], ['']);
    if (random() < 0.4)
      headers['ack'] = mostly(random, ['auto', 'client', 'client-individual'], ['x']);
    if (random() < 0.2) headers['transaction'] = pick(random, ['t1', 't2', '']);
    if (random() < 0.3)
      headers['message-id'] = mostly(random, ['m1', 'm2'], ['', 'x'.repeat(2000)]);
    if (random() < 0.3) {
      const length = Buffer.byteLength(body);
      headers['content-length'] = mostly(
        random,
        [String(length)],
        [String(length + 3), '0', '-1', '99999999', 'abc'],
      );
    }
    parts.push(frame(command, headers, body));
    if (random() < 0.2) parts.push('\n\r\n');
  }
  return parts.join('');
}

/** Up to three byte-level faults: a random byte, a STOMP delimiter, a cut, an insertion. */
function mutate(random: Random, bytes: Buffer): Buffer {
  let out = Buffer.from(bytes);
  for (let i = between(random, 0, 3); i > 0 && out.length > 0; i--) {
    const at = Math.floor(random() * out.length);
    switch (between(random, 0, 3)) {
      case 0:
        out[at] = between(random, 0, 255);
        break;
      case 1:
        out[at] = pick(random, [0, 10, 13, 58, 92]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + between(random, 1, 50))]);
        break;
      default: {
        const insert = pick(random, ['\0', '\n\n', ':', '\\', 'content-length:5\n', '\xff\xfe']);
        out = Buffer.concat([out.subarray(0, at), Buffer.from(insert), out.subarray(at)]);
      }
    }
  }
  return out;
}

/** Writes `bytes` in random pieces, then drops the connection a moment later. */
function throwAt(port: number, random: Random, bytes: Buffer): Promise<void> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = between(random, 1, 5_000);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  const lingerMs = between(random, 20, 200);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      for (const piece of pieces) if (!socket.destroyed) socket.write(piece);
      setTimeout(() => socket.destroy(), lingerMs);
    });
  });
}

/** The broker's queues once nothing in them has changed for half a second. */
async function settledQueues(
  broker: { stats(): BrokerStats },
  seed: number,
): Promise<BrokerStats['queues']> {
  let last = JSON.stringify(broker.stats().queues);
  let since = Date.now();
  await waitFor(
    `seed ${seed}: the queues to settle`,
    () => {
      const now = JSON.stringify(broker.stats().queues);
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= 500;
    },
    30_000,
  );
  return broker.stats().queues;
}

// The seed fixes every byte sent and how it is cut, not the timing: a replay is close, not exact.
test('fuzz: random and mutated STOMP sessions; the broker serves on and loses nothing it stored', async (t) => {
  const seed = Number(process.env['AES_FUZZ_SEED'] ?? Date.now() % 100_000);
  t.diagnostic(`seed ${seed} (AES_FUZZ_SEED replays it)`);
  const random = seededRandom(seed);
  const broker = await testBroker({
    connectTimeoutMs: 500,
    heartbeatSendMs: 100,
    heartbeatReceiveMs: 100,
    maxFrameBytes: 64 * 1024,
  });
  const bystander = await StompjsClient.connect(broker.port);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: SESSIONS_PER_ROUND }, () => {
          const bytes = Buffer.from(session(random));
          return throwAt(broker.port, random, random() < 0.5 ? mutate(random, bytes) : bytes);
        }),
      );
      if (round % 20 === 0) await bystander.send('/queue/fz-bystander', `round ${round}`);
    }
    assert.equal(bystander.closed, false, `seed ${seed}: the bystander was served throughout`);
    await waitFor(`seed ${seed}: every fuzzed connection closed`, () => {
      return broker.stats().connections === 1;
    });
    // A SEND counts in a queue once synced, and a dead-letter move is asynchronous: read the
    // queues once they have stopped changing.
    const queues = await settledQueues(broker, seed);
    for (const [name, q] of Object.entries(queues)) {
      assert.equal(q.consumers, 0, `seed ${seed}: ${name} keeps no consumer that is gone`);
      assert.equal(q.unacked, 0, `seed ${seed}: ${name} holds no message for a closed connection`);
    }
    // Every message the broker stored comes out whole to a new, well-behaved consumer.
    const reader = await StompjsClient.connect(broker.port);
    try {
      for (const [name, q] of Object.entries(queues)) {
        const { received } = reader.subscribe(name);
        await waitFor(`seed ${seed}: the ${q.depth} messages stored in ${name}`, () => {
          return received.length >= q.depth;
        });
        await sleep(20);
        assert.equal(received.length, q.depth, `seed ${seed}: ${name}`);
      }
      const bystanders = queues['/queue/fz-bystander'];
      assert.equal(bystanders?.depth, ROUNDS / 20, `seed ${seed}: every bystander message stored`);
    } finally {
      await reader.close();
    }
  } finally {
    await bystander.close();
    await broker.stop();
  }
});
