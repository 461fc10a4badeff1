/**
 * The STOMP transport against a hand-written loopback server that answers as a STOMP 1.0, 1.1
 * or 1.2 broker would, to check what goes on the wire: `content-length` and `persistent` on
 * SEND, `receipt` → `receipt-id`, the ack headers per version, NACK only from 1.1 on, and the
 * delivery count taken from `delivery-count`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createTransport, type InboundMessage } from '../../transports/index.js';

interface Frame {
  readonly command: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Splits client frames: headers up to a blank line, then `content-length` bytes or up to NUL. */
class FrameReader {
  private buffer = Buffer.alloc(0);
  /** STOMP 1.0 has no header escapes; 1.1 and 1.2 escape `\\`, `:`, LF (and 1.2 CR). */
  constructor(private readonly escapes: boolean) {}

  private unescape(value: string): string {
    if (!this.escapes) return value;
    return value.replace(/\\([\\cnr])/g, (_, c: string) =>
      c === 'c' ? ':' : c === 'n' ? '\n' : c === 'r' ? '\r' : '\\',
    );
  }

  push(chunk: Buffer): Frame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      while (this.buffer[0] === 0x0a || this.buffer[0] === 0x0d)
        this.buffer = this.buffer.subarray(1);
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return frames;
      const [command = '', ...lines] = this.buffer.subarray(0, end).toString().split('\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        if (!(name in headers)) headers[name] = this.unescape(line.slice(colon + 1));
      }
      const start = end + 2;
      const length =
        headers['content-length'] === undefined ? -1 : Number(headers['content-length']);
      const stop = length >= 0 ? start + length : this.buffer.indexOf(0, start);
      if (stop < 0 || this.buffer.length < stop + 1) return frames;
      frames.push({ command, headers, body: this.buffer.subarray(start, stop) });
      this.buffer = this.buffer.subarray(stop + 1);
    }
  }
}

function frame(command: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`);
  return `${command}\n${lines.join('')}\n${body}\0`;
}

/** A broker of one `version` ('1.0' sends no version header) that records what it receives. */
async function fakeBroker(version: '1.0' | '1.1' | '1.2') {
  const received: Frame[] = [];
  const sockets = new Set<Socket>();
  let nextMessage = 1;
  let last: Frame | undefined;
  /** Sends the last SEND's body to the (only) subscription. */
  const deliver = (socket: Socket, count: number) => {
    const sub = received.find((r) => r.command === 'SUBSCRIBE');
    if (sub === undefined || last === undefined) return;
    const id = String(nextMessage++);
    const headers: Record<string, string> = {
      subscription: sub.headers.id ?? '',
      'message-id': `m-${id}`,
      destination: last.headers.destination ?? '',
      'content-length': String(last.body.length),
      'delivery-count': String(count),
    };
    if (version === '1.2') headers.ack = `a-${id}`;
    socket.write(frame('MESSAGE', headers, last.body.toString('latin1')));
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const reader = new FrameReader(version !== '1.0');
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        received.push(f);
        if (f.command === 'CONNECT' || f.command === 'STOMP') {
          socket.write(
            frame('CONNECTED', version === '1.0' ? {} : { version, 'heart-beat': '0,0' }),
          );
        } else if (f.command === 'SEND') {
          last = f;
          deliver(socket, 3);
        } else if (f.command === 'NACK') {
          deliver(socket, 4); // redelivery, counted
        }
        if (f.headers.receipt !== undefined) {
          socket.write(frame('RECEIPT', { 'receipt-id': f.headers.receipt }));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `stomp://user:pw@127.0.0.1:${address.port}?heartbeatMs=0`,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

for (const version of ['1.0', '1.1', '1.2'] as const) {
  test(`STOMP ${version}: wire headers, receipts, ack and nack as that version speaks them`, async () => {
    const broker = await fakeBroker(version);
    const transport = createTransport(broker.url, { redeliveryDelayMs: 10 });
    try {
      await transport.connect({ timeoutMs: 5000 });
      const seen: InboundMessage[] = [];
      let fail = true;
      await transport.subscribe(
        '/queue/q',
        (message) => {
          seen.push(message);
          if (fail) {
            fail = false;
            return Promise.reject(new Error('first delivery fails'));
          }
          return Promise.resolve();
        },
        { prefetch: 4 },
      );
      const body = Buffer.from([0x61, 0x00, 0x62, 0x00]);
      await transport.publish('/queue/q', body, { messageId: 'ep:7' });
      const keepAlive = setInterval(() => {}, 1000);
      const deadline = Date.now() + 5000;
      while (!broker.received.some((f) => f.command === 'ACK') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      clearInterval(keepAlive);

      const connect = broker.received[0];
      assert.equal(connect?.command, 'CONNECT');
      assert.equal(connect.headers['accept-version'], '1.0,1.1,1.2');
      assert.equal(connect.headers.login, 'user');
      assert.equal(connect.headers.passcode, 'pw');
      const subscribe = broker.received.find((f) => f.command === 'SUBSCRIBE');
      assert.equal(subscribe?.headers.ack, 'client-individual');
      assert.equal(subscribe.headers['prefetch-count'], '4');
      assert.ok(subscribe.headers.receipt !== undefined, 'SUBSCRIBE without receipt');
      const send = broker.received.find((f) => f.command === 'SEND');
      assert.equal(send?.headers['content-length'], '4');
      assert.equal(send.headers.persistent, 'true');
      assert.equal(send.headers['aes-message-id'], 'ep:7');
      assert.ok(send.body.equals(body), 'body with NUL bytes altered');

      const nacks = broker.received.filter((f) => f.command === 'NACK');
      const acks = broker.received.filter((f) => f.command === 'ACK');
      assert.equal(acks.length, 1);
      // 1.0 has no NACK: the message runs again locally and m-1 is acked; from 1.1 on, m-1 is
      // nacked and the broker's redelivery m-2 acked.
      const acked = version === '1.0' ? '1' : '2';
      assert.equal(nacks.length, version === '1.0' ? 0 : 1);
      if (version === '1.2') {
        assert.equal(acks[0]?.headers.id, `a-${acked}`);
        assert.equal(nacks[0]?.headers.id, 'a-1');
      } else {
        assert.equal(acks[0]?.headers['message-id'], `m-${acked}`);
        assert.equal(acks[0]?.headers.subscription, subscribe.headers.id);
      }
      assert.deepEqual(
        seen.map((m) => m.deliveryCount),
        [3, 4],
      );
      assert.equal(seen[0]?.messageId, undefined); // the fake broker drops custom headers
      assert.equal(seen[0]?.deliveryCount, 3);
      assert.equal(seen[0]?.redelivered, true);
    } finally {
      await transport.close();
      await broker.close();
    }
  });
}
