/**
 * A peer that floods requests whose answers are control frames (PING → PONG) and never reads
 * cannot make the kernel buffer without bound: the link stops reading from it, other peers are
 * still served, and the peer is disconnected after the heartbeat timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_HEADER_BYTES } from '../../cluster/frame-codec.js';
import { Kernel, type MonitorErrorEvent } from '../../cluster/index.js';
import { FrameType } from '../../cluster/messages.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'unread-secret';
const FLOOD_BYTES = 16 * 1024 * 1024;
/** The kernel's bound is 1 MiB of unread answers, plus what one read's frames produce. */
const MAX_BACKLOG_BYTES = 3 * 1024 * 1024;

/** Back-to-back PING frames with 16-digit ids, `total` bytes or a little more. */
function pingFlood(total: number): Buffer {
  const frameBytes = FRAME_HEADER_BYTES + 1 + 18;
  const count = Math.ceil(total / frameBytes);
  const buf = Buffer.allocUnsafe(count * frameBytes);
  for (let i = 0, at = 0; i < count; i++, at += frameBytes) {
    buf.writeUInt32BE(frameBytes - FRAME_HEADER_BYTES, at);
    buf[at + FRAME_HEADER_BYTES] = FrameType.PING;
    buf.write(`[${1e15 + i}]`, at + FRAME_HEADER_BYTES + 1, 'latin1');
  }
  return buf;
}

test('a peer that never reads its PONGs is paused, then dropped; others are served', async () => {
  const node = new Kernel({ name: 'node', secret: SECRET, mesh: false });
  const errors: MonitorErrorEvent[] = [];
  node.monitor('*', { error: (e) => errors.push(e) });
  const { address } = await node.listen();
  const other = new Kernel({ name: 'other', secret: SECRET, mesh: false });
  const raw = await RawPeer.connect(address);
  let maxBacklog = 0;
  const sample = (): void => {
    const info = node.getKernel('flooder');
    if (info !== undefined) maxBacklog = Math.max(maxBacklog, info.socketBytes + info.queuedBytes);
  };
  const sampler = setInterval(sample, 5);
  try {
    await other.connect(address);
    node.addSession('svc', { echo: (x: unknown) => x });
    node.publish('svc', ['echo']);
    await raw.handshake('flooder', SECRET);
    await waitUntil('flooder linked', () => node.getKernel('flooder') !== undefined);
    raw.socket.pause(); // never reads again
    raw.write(pingFlood(FLOOD_BYTES));
    await waitUntil('reading paused', () => node.stats().readsPaused > 0, 15_000);
    // The node still serves everybody else.
    assert.equal(await other.ping('node', { timeoutMs: 5_000 }), 'PONG');
    assert.equal(
      await other.call('poe://node/svc/echo', 'still here', { timeoutMs: 5_000 }),
      'still here',
    );
    // Past the heartbeat timeout, the peer that does not read is disconnected.
    await waitUntil('flooder dropped', () => node.getKernel('flooder') === undefined, 15_000);
    sample();
    assert.ok(
      maxBacklog < MAX_BACKLOG_BYTES,
      `unread answers stayed bounded: at most ${maxBacklog} bytes (limit ${MAX_BACKLOG_BYTES})`,
    );
    assert.ok(
      errors.some((e) => e.kernel === 'flooder' && /does not read/.test(e.message)),
      'the drop is reported as a monitor error',
    );
    assert.ok(node.stats().framesIn < FLOOD_BYTES / 23, 'the node stopped reading the flood');
  } finally {
    clearInterval(sampler);
    raw.destroy();
    await Promise.all([node.shutdown(), other.shutdown()]);
  }
});
