/** Many random and mutated frames thrown at a node within a bounded time; it must still answer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../cluster/index.js';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { FrameType } from '../../cluster/messages.js';
import { encodeCall, encodePost } from '../../cluster/message-encoding.js';
import { RawPeer } from './support/raw-peer.js';
import { seededRandom, type Random } from '../support/random.js';

const SECRET = 'fuzz-secret';
const CONNECTIONS = 120;
const FRAMES_PER_CONNECTION = 40;

const VALID = [
  encodeFrame(FrameType.POST, encodePost('svc', 'echo', { a: [1, 'two'] })),
  encodeFrame(FrameType.CALL, encodeCall(7, 'svc', 'echo', 'x')),
  encodeFrame(FrameType.PING, '[1]'),
  encodeFrame(FrameType.SUBSCRIBE, '[1,"svc"]'),
  encodeFrame(FrameType.PEERS, '[["p",["tcp://127.0.0.1:1"]]]'),
  encodeFrame(FrameType.REPLY, '[99,"x"]'),
  encodeFrame(FrameType.HEARTBEAT),
  encodeFrame(FrameType.POST_TEXT, '["svc","echo"]\nraw text'),
  encodeFrame(FrameType.CALL_TEXT, '[8,"svc","echo"]\n{"not":"parsed"}'),
];

function mutate(random: Random): Buffer {
  const base = Buffer.from(VALID[Math.floor(random() * VALID.length)] as Buffer);
  switch (Math.floor(random() * 6)) {
    case 0: // flip some bytes in the body
      for (let i = 0; i < 3; i++) {
        const at = 5 + Math.floor(random() * Math.max(1, base.length - 5));
        if (at < base.length) base[at] = Math.floor(random() * 256);
      }
      return base;
    case 1: // random type byte
      base[4] = Math.floor(random() * 256);
      return base;
    case 2: // lie about the length
      base.writeUInt32BE(Math.floor(random() * 0xffffffff), 0);
      return base;
    case 3: // truncated
      return base.subarray(0, Math.floor(random() * base.length));
    case 4: {
      // pure noise
      const noise = Buffer.alloc(1 + Math.floor(random() * 64));
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
      return noise;
    }
    default: // a valid frame
      return base;
  }
}

test('fuzz: random and mutated frames before and after the handshake', async () => {
  const seed = Number(process.env.AES_FUZZ_SEED ?? Date.now() % 100_000);
  const random = seededRandom(seed);
  const node = new Kernel({ name: 'node', secret: SECRET, handshakeTimeoutMs: 1_000 });
  node.addSession('svc', { echo: (x) => x });
  node.publish('svc', ['echo']);
  let errorEvents = 0;
  node.monitor('*', { error: () => (errorEvents += 1) });
  const { address } = await node.listen();
  const good = new Kernel({ name: 'good', secret: SECRET });
  await good.connect(address);
  const started = Date.now();
  try {
    for (let batch = 0; batch < CONNECTIONS / 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const peer = await RawPeer.connect(address);
          if ((batch + i) % 2 === 0)
            await peer.handshake(`fuzz-${batch}-${i}`, SECRET).catch(() => undefined);
          for (let f = 0; f < FRAMES_PER_CONNECTION && !peer.closed; f++)
            peer.write(mutate(random));
          await new Promise((resolve) => setTimeout(resolve, 20));
          peer.destroy();
        }),
      );
      assert.equal(
        await good.call('poe://node/svc/echo', batch, { timeoutMs: 5_000 }),
        batch,
        `seed ${seed}`,
      );
    }
    assert.equal(await good.ping('node', { timeoutMs: 5_000 }), 'PONG');
    const stats = node.stats();
    assert.ok(stats.protocolErrors > 0, `seed ${seed}: some frames were refused`);
    assert.ok(errorEvents > 0);
    assert.ok(Date.now() - started < 60_000, 'bounded time');
    assert.deepEqual(
      node.kernels().map((k) => k.name),
      ['good'],
    );
  } finally {
    await Promise.all([good.shutdown(), node.shutdown('fuzz done', { graceMs: 1_000 })]);
  }
});
