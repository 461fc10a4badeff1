/**
 * Every bad input from the issue: each gets an error or a disconnect for the offender, a monitor
 * `error` event and a counter, while the node keeps serving its other peers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kernel, type MonitorErrorEvent } from '../../cluster/index.js';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { FrameType } from '../../cluster/messages.js';
import { encodeCall, encodeReply } from '../../cluster/message-encoding.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'bad-input-secret';
let node: Kernel;
let good: Kernel;
let address: string;
const errors: MonitorErrorEvent[] = [];

before(async () => {
  node = new Kernel({
    name: 'node',
    secret: SECRET,
    handshakeTimeoutMs: 500,
    maxFrameBytes: 64 * 1024,
  });
  node.addSession('svc', { echo: (x) => x, hidden: () => 'no' });
  node.publish('svc', ['echo']);
  node.monitor('*', { error: (e) => errors.push(e) });
  address = (await node.listen()).address;
  good = new Kernel({ name: 'good', secret: SECRET });
  await good.connect(address);
});

after(async () => {
  await Promise.all([good.shutdown(), node.shutdown()]);
});

/** The node still answers its well-behaved peer. */
async function stillServing(): Promise<void> {
  assert.equal(
    await good.call('poe://node/svc/echo', 'still here', { timeoutMs: 5_000 }),
    'still here',
  );
}

function errorsSince(mark: number): MonitorErrorEvent[] {
  return errors.slice(mark);
}

test('connect and close before the handshake', async () => {
  const mark = errors.length;
  const before = node.stats().closedBeforeHandshake;
  const peer = await RawPeer.connect(address);
  peer.destroy();
  await waitUntil('counter', () => node.stats().closedBeforeHandshake === before + 1);
  await waitUntil('monitor error', () =>
    errorsSince(mark).some((e) => e.op === 'handshake' && e.code === 'CHANNEL_CLOSED'),
  );
  await stillServing();
});

test('random bytes are refused and the connection dropped', async () => {
  const mark = errors.length;
  const before = node.stats().protocolErrors;
  const peer = await RawPeer.connect(address);
  peer.write(randomBytes(256));
  await peer.waitClosed();
  assert.ok(node.stats().protocolErrors > before);
  await waitUntil('monitor error', () =>
    errorsSince(mark).some((e) => e.op === 'parse' || e.op === 'handshake'),
  );
  await stillServing();
});

test('a valid handshake then an invalid frame', async () => {
  const mark = errors.length;
  const peer = await RawPeer.connect(address);
  await peer.handshake('raw-1', SECRET);
  await waitUntil('registered', () => node.getKernel('raw-1') !== undefined);
  peer.write(encodeFrame(FrameType.POST, '{"not":"an array"'));
  const error = await peer.waitFor((m) => m.kind === 'error');
  assert.ok(error.kind === 'error' && error.code === 'BAD_MESSAGE' && error.op === 'parse');
  await peer.waitClosed();
  const event = errorsSince(mark).find((e) => e.op === 'parse');
  assert.equal(event?.kernel, 'raw-1');
  assert.equal(event?.code, 'BAD_MESSAGE');
  await waitUntil('unregistered', () => node.getKernel('raw-1') === undefined);
  await stillServing();
});

test('a declared length over the limit, before and after the handshake', async () => {
  const mark = errors.length;
  const before = node.stats().framesTooLarge;
  const early = await RawPeer.connect(address);
  early.write(Buffer.from([0x00, 0x01, 0x00, 0x00])); // 64 KiB > the 4 KiB handshake limit
  await early.waitClosed();
  const late = await RawPeer.connect(address);
  await late.handshake('raw-2', SECRET);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(0xfffffff0);
  header[4] = FrameType.POST;
  late.write(header);
  const error = await late.waitFor((m) => m.kind === 'error');
  assert.ok(error.kind === 'error' && error.code === 'FRAME_TOO_LARGE');
  await late.waitClosed();
  assert.equal(node.stats().framesTooLarge, before + 2);
  assert.equal(errorsSince(mark).filter((e) => e.code === 'FRAME_TOO_LARGE').length, 2);
  await stillServing();
});

test('a handshake trickling in byte by byte never completes and times out', async () => {
  const mark = errors.length;
  const before = node.stats().handshakeTimeouts;
  const peer = await RawPeer.connect(address);
  const hello = encodeFrame(
    FrameType.HELLO,
    JSON.stringify({ protocol: 'aes-ikc', versions: [1], name: 'slow' }),
  );
  let i = 0;
  const drip = setInterval(() => {
    if (i < hello.length - 1 && !peer.closed) peer.write(hello.subarray(i, ++i));
  }, 20);
  try {
    await peer.waitClosed(5_000);
  } finally {
    clearInterval(drip);
  }
  assert.equal(node.stats().handshakeTimeouts, before + 1);
  const error = peer.messages().find((m) => m.kind === 'error');
  assert.ok(error?.kind === 'error' && error.code === 'HANDSHAKE_TIMEOUT');
  assert.ok(errorsSince(mark).some((e) => e.code === 'HANDSHAKE_TIMEOUT' && e.op === 'handshake'));
  await stillServing();
});

test('a wrong secret', async () => {
  const mark = errors.length;
  const before = node.stats().authFailures;
  const peer = await RawPeer.connect(address);
  await peer.handshake('raw-3', 'wrong secret');
  const error = await peer.waitFor((m) => m.kind === 'error');
  assert.ok(error.kind === 'error' && error.code === 'AUTH_FAILED');
  await peer.waitClosed();
  assert.equal(node.stats().authFailures, before + 1);
  assert.ok(errorsSince(mark).some((e) => e.code === 'AUTH_FAILED'));
  assert.equal(node.getKernel('raw-3'), undefined);
  await stillServing();
});

test('post and call to an unpublished state', async () => {
  const mark = errors.length;
  const before = node.stats().notPublished;
  const peer = await RawPeer.connect(address);
  await peer.handshake('raw-4', SECRET);
  peer.write(encodeFrame(FrameType.CALL, encodeCall(1, 'svc', 'hidden', null)));
  peer.write(encodeFrame(FrameType.POST, JSON.stringify(['nosuch', 'state', 1])));
  const fail = await peer.waitFor((m) => m.kind === 'fail');
  assert.ok(fail.kind === 'fail' && fail.code === 'NOT_PUBLISHED' && fail.id === 1);
  const error = await peer.waitFor((m) => m.kind === 'error');
  assert.ok(
    error.kind === 'error' && error.code === 'NOT_PUBLISHED' && error.ref === 'nosuch/state',
  );
  assert.equal(node.stats().notPublished, before + 2);
  assert.equal(
    errorsSince(mark).filter((e) => e.code === 'NOT_PUBLISHED' && e.op === 'find').length,
    2,
  );
  peer.destroy();
  await stillServing();
});

test('a reply from the wrong peer is refused; the called peer’s reply is taken, once', async () => {
  const mark = errors.length;
  const before = node.stats().unexpectedReplies;
  // good answers slowly; meanwhile an impostor sends a reply with the same call id.
  good.addSession('slow', {
    answer: async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return 'from good';
    },
  });
  good.publish('slow', ['answer']);
  const impostor = await RawPeer.connect(address);
  await impostor.handshake('impostor', SECRET);
  await waitUntil('impostor registered', () => node.getKernel('impostor') !== undefined);
  const pending = node.call('poe://good/slow/answer', null, { timeoutMs: 5_000 });
  for (let id = 1; id <= 3; id++)
    impostor.write(encodeFrame(FrameType.REPLY, encodeReply(id, 'forged')));
  const error = await impostor.waitFor((m) => m.kind === 'error');
  assert.ok(error.kind === 'error' && error.code === 'UNEXPECTED_REPLY' && error.op === 'check');
  assert.equal(await pending, 'from good');
  assert.equal(node.stats().unexpectedReplies, before + 3);
  assert.ok(
    errorsSince(mark).some((e) => e.code === 'UNEXPECTED_REPLY' && e.kernel === 'impostor'),
  );
  impostor.destroy();
  await stillServing();
});
