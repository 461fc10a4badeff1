/** A PONG never settles a CALL, and a REPLY or FAIL never settles a PING, even with the same id. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { Kernel } from '../../cluster/index.js';
import { FrameType } from '../../cluster/messages.js';
import { encodeFail, encodeId, encodeReply } from '../../cluster/message-encoding.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'kinds-secret';

test('answers are matched by kind as well as by id', async () => {
  const node = new Kernel({ name: 'node', secret: SECRET, mesh: false });
  const raw = await RawPeer.connect((await node.listen()).address);
  try {
    await raw.handshake('raw', SECRET);
    await waitUntil('raw linked', () => node.kernels().length === 1);
    const unexpected = async (n: number): Promise<void> => {
      await waitUntil(`${n} unexpected answers`, () => node.stats().unexpectedReplies === n);
    };

    let callSettled = false;
    const call = node.call('poe://raw/svc/st', null, { timeoutMs: 10_000 });
    call.then(
      () => (callSettled = true),
      () => (callSettled = true),
    );
    const c = await raw.waitFor((m) => m.kind === 'call');
    assert.equal(c.kind, 'call');
    raw.write(encodeFrame(FrameType.PONG, encodeId(c.id)));
    await unexpected(1);
    assert.equal(callSettled, false, 'a PONG does not answer a call');
    raw.write(encodeFrame(FrameType.REPLY, encodeReply(c.id, 'the reply')));
    assert.equal(await call, 'the reply');

    let pingSettled = false;
    const ping = node.ping('raw', { timeoutMs: 10_000 });
    ping.then(
      () => (pingSettled = true),
      () => (pingSettled = true),
    );
    const p = await raw.waitFor((m) => m.kind === 'ping');
    assert.equal(p.kind, 'ping');
    raw.write(encodeFrame(FrameType.REPLY, encodeReply(p.id, 'not a pong')));
    raw.write(encodeFrame(FrameType.FAIL, encodeFail(p.id, 'HANDLER_ERROR', 'nor this')));
    await unexpected(3);
    assert.equal(pingSettled, false, 'a REPLY or FAIL does not answer a ping');
    raw.write(encodeFrame(FrameType.PONG, encodeId(p.id)));
    assert.equal(await ping, 'PONG');
    assert.ok(
      raw.messages().filter((m) => m.kind === 'error' && m.code === 'UNEXPECTED_REPLY').length >= 1,
    );
  } finally {
    raw.destroy();
    await node.shutdown();
  }
});
