/**
 * SUBSCRIBED answers are accepted only from the links the SUBSCRIBE went to, once each; ids are
 * sequential, so any other kernel could otherwise guess one and hijack a subscription.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { Kernel, type MonitorErrorEvent } from '../../cluster/index.js';
import { FrameType } from '../../cluster/messages.js';
import { encodeSubscribed } from '../../cluster/message-encoding.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'acks-secret';

async function rawKernel(address: string, name: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(address);
  await peer.handshake(name, SECRET);
  return peer;
}

async function subscribeId(peer: RawPeer): Promise<number> {
  const m = await peer.waitFor((x) => x.kind === 'subscribe');
  assert.equal(m.kind, 'subscribe');
  return m.id;
}

function ack(peer: RawPeer, id: number, result: Parameters<typeof encodeSubscribed>[1]): void {
  peer.write(encodeFrame(FrameType.SUBSCRIBED, encodeSubscribed(id, result)));
}

test('a SUBSCRIBED from a link the SUBSCRIBE did not go to is refused and reported', async () => {
  const b = new Kernel({ name: 'b', secret: SECRET, mesh: false });
  const errors: MonitorErrorEvent[] = [];
  b.monitor('*', { error: (e) => errors.push(e) });
  const { address } = await b.listen();
  const a = await rawKernel(address, 'a');
  const c = await rawKernel(address, 'c');
  try {
    await waitUntil('both linked', () => b.kernels().length === 2);
    const pending = b.subscribe(['poe://a/svc'], { timeoutMs: 10_000 });
    const id = await subscribeId(a);
    ack(c, id, { states: ['ping'] });
    await c.waitFor((m) => m.kind === 'error' && m.code === 'UNEXPECTED_REPLY');
    assert.equal(b.stats().unexpectedReplies, 1);
    assert.ok(errors.some((e) => e.code === 'UNEXPECTED_REPLY' && e.kernel === 'c'));
    ack(a, id, { states: ['ping'] });
    const r = await pending;
    assert.equal(r.subscribed.length, 1);
    assert.equal(r.subscribed[0]?.kernel, 'a', 'the proxy is bound to the kernel asked');
  } finally {
    a.destroy();
    c.destroy();
    await b.shutdown();
  }
});

test('a candidate answering twice is counted once: the other candidate still decides', async () => {
  const b = new Kernel({ name: 'b', secret: SECRET, mesh: false });
  const { address } = await b.listen();
  const a = await rawKernel(address, 'a');
  const x = await rawKernel(address, 'x');
  try {
    await waitUntil('both linked', () => b.kernels().length === 2);
    const pending = b.subscribe(['poe://*/svc'], { timeoutMs: 10_000 });
    const idA = await subscribeId(a);
    const idX = await subscribeId(x);
    assert.equal(idA, idX);
    const refusal = { code: 'NOT_PUBLISHED', message: 'no' } as const;
    ack(a, idA, refusal);
    ack(a, idA, refusal);
    await a.waitFor((m) => m.kind === 'error' && m.code === 'UNEXPECTED_REPLY');
    ack(x, idX, { states: ['ping'] });
    const r = await pending;
    assert.deepEqual(r.failed, []);
    assert.equal(r.subscribed[0]?.kernel, 'x');
    assert.equal(b.stats().unexpectedReplies, 1);
  } finally {
    a.destroy();
    x.destroy();
    await b.shutdown();
  }
});
