/**
 * Hand-written frames over net.Socket for every bad-input case: each is answered by an ERROR
 * frame and the connection is closed, while the broker keeps serving other connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, StompjsClient, sleep, testBroker, waitFor } from './support.js';

type TestBroker = Awaited<ReturnType<typeof testBroker>>;

let broker: TestBroker;
/** A connection opened before every case and checked after it: errors must not touch it. */
let bystander: StompjsClient;
let n = 0;

before(async () => {
  broker = await testBroker({
    maxFrameBytes: 64 * 1024,
    maxHeaders: 16,
    maxHeaderBytes: 4096,
    maxPendingBytes: 256 * 1024,
    connectTimeoutMs: 500,
    closeTimeoutMs: 500,
    heartbeatSendMs: 50,
    heartbeatReceiveMs: 50,
    maxTransactionBytes: 100 * 1024,
  });
  bystander = await StompjsClient.connect(broker.port);
});
after(async () => {
  await bystander.close();
  await broker.stop();
});

/** Asserts that the broker answered with an ERROR frame whose message matches, then closed. */
async function expectErrorAndClose(raw: RawClient, message: RegExp): Promise<string> {
  await raw.waitForClose();
  const text = raw.text();
  const start = text.indexOf('ERROR\n');
  assert.ok(start >= 0, `expected an ERROR frame, got ${JSON.stringify(text.slice(0, 200))}`);
  const frame = text.slice(start, text.indexOf('\0', start));
  const header = /\nmessage:([^\n]*)\n/.exec(frame)?.[1] ?? '';
  assert.match(header, message);
  return frame;
}

async function bystanderStillServed(): Promise<void> {
  n += 1;
  await bystander.send(`/queue/bystander-${n}`, 'still served');
  assert.equal(bystander.closed, false);
}

const CASES: ReadonlyArray<{
  readonly name: string;
  readonly connect: boolean;
  readonly bytes: string | Buffer;
  readonly message: RegExp;
}> = [
  {
    name: 'garbage bytes',
    connect: false,
    bytes: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 10, 10, 0]),
    message: /malformed command line/,
  },
  {
    name: 'a header that is not UTF-8 (a Latin-1 message id)',
    connect: true,
    bytes: Buffer.from('SEND\ndestination:/queue/a\nmessage-id:M\xfcller-1\n\nx\0', 'latin1'),
    // The ERROR frame's header as sent: ':' escaped as '\c', '\' as '\\'.
    message: /frame header line 'message-id\\cM\\\\xfcller-1' is not valid UTF-8 at byte 13/,
  },
  {
    name: 'SEND before CONNECT',
    connect: false,
    bytes: 'SEND\ndestination:/queue/a\n\nx\0',
    message: /SEND before CONNECT/,
  },
  {
    name: 'unknown command',
    connect: true,
    bytes: 'PUBLISH\ndestination:/queue/a\n\n\0',
    message: /unknown command 'PUBLISH'/,
  },
  {
    name: 'SEND without destination',
    connect: true,
    bytes: 'SEND\n\nx\0',
    message: /missing the required 'destination'/,
  },
  {
    name: 'SUBSCRIBE without id (1.2)',
    connect: true,
    bytes: 'SUBSCRIBE\ndestination:/queue/a\n\n\0',
    message: /missing the required 'id'/,
  },
  {
    name: 'ACK without id',
    connect: true,
    bytes: 'ACK\n\n\0',
    message: /missing the required 'id'/,
  },
  {
    name: 'BEGIN without transaction',
    connect: true,
    bytes: 'BEGIN\n\n\0',
    message: /missing the required 'transaction'/,
  },
  {
    name: 'COMMIT of an unknown transaction',
    connect: true,
    bytes: 'COMMIT\ntransaction:t9\n\n\0',
    message: /unknown transaction 't9'/,
  },
  {
    name: 'unsupported destination',
    connect: true,
    bytes: 'SEND\ndestination:/exchange/x\n\n\0',
    message: /unsupported destination/,
  },
  {
    name: 'destination with a control character',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\\nb\n\n\0',
    message: /unsupported destination/,
  },
  {
    name: 'SEND header value with an escaped LF (1.2)',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\nx:a\\nmessage-id:FORGED\n\n\0',
    message: /SEND header 'x' contains CR, LF or NUL/,
  },
  {
    name: 'SEND header name with an escaped CR (1.2)',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\nx\\ry:v\n\n\0',
    message: /SEND header 'x.+ry' contains CR, LF or NUL/, // the ERROR frame escapes it again
  },
  {
    name: 'SEND header value with a raw CR or NUL',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\nx:a\rb\ny:c\0d\n\n\0',
    message: /SEND header 'x' contains CR, LF or NUL/,
  },
  {
    name: 'unsupported ack mode',
    connect: true,
    bytes: 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:sometimes\n\n\0',
    message: /unsupported ack mode/,
  },
  {
    name: 'bad ack id',
    connect: true,
    bytes: 'ACK\nid:no-such-delivery\n\n\0',
    message: /no unacknowledged message/,
  },
  {
    name: 'frame over the size limit',
    connect: true,
    bytes: `SEND\ndestination:/queue/a\n\n${'x'.repeat(70 * 1024)}\0`,
    message: /over the frame limit/,
  },
  {
    name: 'declared content-length over the limit',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\ncontent-length:999999999\n\n',
    message: /declares content-length 999999999/,
  },
  {
    name: 'too many headers',
    connect: true,
    bytes: `SEND\ndestination:/queue/a\n${Array.from({ length: 20 }, (_, i) => `h${i}:v`).join('\n')}\n\n\0`,
    message: /over the limit of 16/,
  },
  {
    name: 'header block too large',
    connect: true,
    bytes: `SEND\ndestination:/queue/a\nbig:${'y'.repeat(5000)}\n\n\0`,
    message: /header block/,
  },
  {
    name: 'undefined escape sequence (1.2)',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\nx:\\q\n\n\0',
    message: /undefined escape sequence/,
  },
  {
    name: 'content-length not followed by NUL',
    connect: true,
    bytes: 'SEND\ndestination:/queue/a\ncontent-length:2\n\nabc\0',
    message: /not followed by NUL/,
  },
  {
    name: 'second CONNECT',
    connect: true,
    bytes: 'CONNECT\naccept-version:1.2\n\n\0',
    message: /already connected/,
  },
  {
    name: 'unsupported version',
    connect: false,
    bytes: 'CONNECT\naccept-version:2.0\n\n\0',
    message: /no supported protocol version/,
  },
  {
    name: 'malformed heart-beat',
    connect: false,
    bytes: 'CONNECT\naccept-version:1.2\nheart-beat:fast\n\n\0',
    message: /malformed heart-beat/,
  },
];

describe('bad input over raw sockets', () => {
  for (const c of CASES) {
    test(`${c.name}: ERROR frame, close, others unaffected`, async () => {
      const raw = c.connect
        ? await RawClient.connected(broker.port)
        : await RawClient.open(broker.port);
      raw.write(c.bytes);
      await expectErrorAndClose(raw, c.message);
      await bystanderStillServed();
    });
  }

  test('a transaction buffering over maxTransactionBytes: ERROR and close', async () => {
    const raw = await RawClient.connected(broker.port);
    const body = 'x'.repeat(60 * 1024);
    raw.write('BEGIN\ntransaction:big\n\n\0');
    raw.write(`SEND\ndestination:/queue/tx-big\ntransaction:big\n\n${body}\0`);
    raw.write(`SEND\ndestination:/queue/tx-big\ntransaction:big\n\n${body}\0`);
    await expectErrorAndClose(raw, /transaction 'big' buffers over 102400 bytes/);
    assert.equal(broker.queueDepths()['/queue/tx-big'] ?? 0, 0, 'nothing of it was stored');
    await bystanderStillServed();
  });

  test('connections over maxConnections get an ERROR frame and are closed', async () => {
    const small = await testBroker({ maxConnections: 1, closeTimeoutMs: 500 });
    try {
      const first = await RawClient.connected(small.port);
      const second = await RawClient.open(small.port);
      await expectErrorAndClose(second, /connection limit of 1 reached/);
      first.write('SEND\ndestination:/queue/limit\nreceipt:ok\n\n\0');
      await first.waitForText('receipt-id:ok');
      first.destroy();
    } finally {
      await small.stop();
    }
  });

  test('the ERROR frame carries the receipt-id of the frame that failed', async () => {
    const raw = await RawClient.connected(broker.port);
    raw.write('SUBSCRIBE\ndestination:/queue/a\nreceipt:r-77\n\n\0');
    const frame = await expectErrorAndClose(raw, /missing the required 'id'/);
    assert.match(frame, /\nreceipt-id:r-77\n/);
  });

  test('the version header lists what the broker speaks when none matches', async () => {
    const raw = await RawClient.open(broker.port);
    raw.write('CONNECT\naccept-version:3.0\n\n\0');
    const frame = await expectErrorAndClose(raw, /no supported protocol version/);
    assert.match(frame, /\nversion:1\.0,1\.1,1\.2\n/);
  });

  test('no CONNECT within the deadline: ERROR and close', async () => {
    const raw = await RawClient.open(broker.port);
    await expectErrorAndClose(raw, /no CONNECT frame within 500 ms/);
  });

  test('a client whose heart-beats stop is dropped', async () => {
    const raw = await RawClient.connected(broker.port, 'heart-beat:50,0\n');
    // Promised a beat every 50 ms; send nothing more.
    await expectErrorAndClose(raw, /no heart-beat from the client/);
    await bystanderStillServed();
  });

  test('the broker heart-beats a client that asked for it', async () => {
    const raw = await RawClient.connected(broker.port, 'heart-beat:0,50\n');
    const before = raw.data.length;
    await sleep(600);
    const beats = raw.data.subarray(before).filter((b) => b === 10).length;
    assert.ok(beats >= 3, `expected heart-beats, got ${beats} EOLs`);
    raw.destroy();
  });

  test('STOMP 1.1 headers are escaped and unescaped; 1.2 also escapes CR', async () => {
    // The values sent escaped must come back escaped the same way on the MESSAGE frame: a SEND
    // header (CR and LF are refused there) and the subscription id.
    for (const [version, sent, id] of [
      ['1.1', 'a\\cb\\\\c', 's\\nt\\c'],
      ['1.2', 'a\\cb\\\\', 's\\r\\n'],
    ] as const) {
      const dest = `/queue/escape-${version}-${(n += 1)}`;
      const raw = await RawClient.open(broker.port);
      raw.write(`CONNECT\naccept-version:${version}\n\n\0`);
      await raw.waitForText('CONNECTED');
      raw.write(`SEND\ndestination:${dest}\nx-key:${sent}\nreceipt:1\n\n\0`);
      await raw.waitForText('receipt-id:1');
      raw.write(`SUBSCRIBE\nid:${id}\ndestination:${dest}\n\n\0`);
      await raw.waitForText('MESSAGE');
      const escaped = (text: string): string => text.replace(/\\/g, '\\\\');
      assert.match(raw.text(), new RegExp(`\\nx-key:${escaped(sent)}\\n`));
      assert.match(raw.text(), new RegExp(`\\nsubscription:${escaped(id)}\\n`));
      raw.write('DISCONNECT\nreceipt:bye\n\n\0');
      await raw.waitForText('receipt-id:bye');
      await raw.waitForClose();
    }
  });

  test('frames sent in the same packet as CONNECT are decoded with the negotiated version', async () => {
    const dest = `/queue/pipelined-${(n += 1)}`;
    const raw = await RawClient.open(broker.port);
    raw.write(
      `CONNECT\naccept-version:1.2\n\n\0SEND\ndestination:${dest}\nx-key:a\\cb\\\\c\nreceipt:1\n\nbody\0` +
        `SUBSCRIBE\nid:s\\c1\ndestination:${dest}\n\n\0`,
    );
    await raw.waitForText('receipt-id:1');
    await raw.waitForText('MESSAGE');
    // Stored as 'a:b\c' and escaped again on the way out; taken literally, it would have come
    // back as a\\cb\\\\c.
    assert.match(raw.text(), /\nx-key:a\\cb\\\\c\n/);
    assert.match(raw.text(), /\nsubscription:s\\c1\n/);
    raw.destroy();
  });

  test('a 1.2 producer cannot inject headers or a body into what a 1.0 consumer reads', async () => {
    const dest = `/queue/inject-${(n += 1)}`;
    const consumer = await RawClient.open(broker.port);
    consumer.write(`CONNECT\n\n\0SUBSCRIBE\ndestination:${dest}\nack:client\n\n\0`);
    await consumer.waitForText('CONNECTED');
    const producer = await RawClient.connected(broker.port);
    producer.write(
      `SEND\ndestination:${dest}\nx:a\\nmessage-id:FORGED\\n\\nFORGED BODY\nreceipt:r1\ncontent-length:4\n\nreal\0`,
    );
    const error = await expectErrorAndClose(producer, /SEND header 'x' contains CR, LF or NUL/);
    assert.match(error, /\nreceipt-id:r1\n/);
    // Nothing was stored: a later message is the first the consumer gets.
    const next = await RawClient.connected(broker.port);
    next.write(`SEND\ndestination:${dest}\nx:clean\nreceipt:r2\n\nsecond\0`);
    await next.waitForText('receipt-id:r2');
    await consumer.waitForText('second');
    const received = consumer.text();
    assert.doesNotMatch(received, /FORGED/);
    assert.equal(received.split('MESSAGE\n').length, 2, 'exactly one MESSAGE');
    consumer.destroy();
    next.destroy();
  });

  test('a topic subscriber that never reads is disconnected as a slow consumer', async () => {
    const topic = `/topic/flood-${(n += 1)}`;
    const slow = await RawClient.connected(broker.port);
    slow.write(`SUBSCRIBE\nid:s\ndestination:${topic}\nreceipt:sub\n\n\0`);
    await slow.waitForText('receipt-id:sub');
    slow.socket.pause();
    const producer = await StompjsClient.connect(broker.port);
    const body = 'z'.repeat(32 * 1024);
    let sent = 0;
    while (broker.connectionCount() > 2 && sent < 4000) {
      await producer.send(topic, body);
      sent += 1;
    }
    // A consumer that never reads never lets the ERROR flush: it is destroyed after closeTimeoutMs
    // (500 ms here), which the 4000 sends can outrun.
    const until = Date.now() + 5_000;
    while (broker.connectionCount() > 2 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(broker.connectionCount(), 2, `slow consumer still connected after ${sent} sends`);
    slow.destroy();
    await producer.close();
    await bystanderStillServed();
  });

  test('a queue consumer that never reads stops being dispatched to; others get the rest', async () => {
    const dest = `/queue/slow-${(n += 1)}`;
    const slow = await RawClient.connected(broker.port);
    slow.write(`SUBSCRIBE\nid:s\ndestination:${dest}\nack:auto\nreceipt:sub\n\n\0`);
    await slow.waitForText('receipt-id:sub');
    slow.socket.pause();
    const producer = await StompjsClient.connect(broker.port);
    const body = 'q'.repeat(32 * 1024);
    const total = 600; // ~19 MiB: far over what the kernel buffers plus the 256 KiB limit hold
    for (let i = 0; i < total; i += 1) await producer.send(dest, body);
    const waiting = broker.queueDepths()[dest] ?? 0;
    assert.ok(waiting > 0, 'the broker kept messages in the queue instead of buffering them');
    const fast = await StompjsClient.connect(broker.port);
    const s = fast.subscribe(dest, { ack: 'client-individual', 'prefetch-count': '1000' });
    await waitFor('the rest of the queue', () => s.received.length === waiting);
    for (const m of s.received) m.ack();
    slow.destroy();
    await Promise.all([producer.close(), fast.close()]);
  });
});
