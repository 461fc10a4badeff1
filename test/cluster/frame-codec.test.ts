import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame, type Frame } from '../../cluster/frame-codec.js';
import { ProtocolError } from '../../cluster/errors.js';

const FIXTURE = [
  encodeFrame(16, '["svc","echo",{"a":1}]'),
  encodeFrame(22),
  encodeFrame(17, `[1,"svc","echo","${'é'.repeat(300)}"]`),
  encodeFrame(18, '[1,null]'),
];
const STREAM = Buffer.concat(FIXTURE);

function simplify(frames: Frame[]): { type: number; body: string }[] {
  return frames.map((f) => ({ type: f.type, body: f.body.toString('utf8') }));
}
const EXPECTED = simplify(FIXTURE.map((f) => ({ type: f[4] as number, body: f.subarray(5) })));

test('decodes a stream fed one byte at a time', () => {
  const decoder = new FrameDecoder(1024);
  const out: Frame[] = [];
  for (let i = 0; i < STREAM.length; i++) out.push(...decoder.push(STREAM.subarray(i, i + 1)));
  assert.deepEqual(simplify(out), EXPECTED);
  assert.equal(decoder.bufferedBytes, 0);
});

test('decodes a stream cut at random places (200 runs)', () => {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let run = 0; run < 200; run++) {
    const decoder = new FrameDecoder(1024);
    const out: Frame[] = [];
    let at = 0;
    while (at < STREAM.length) {
      const n = 1 + Math.floor(random() * 40);
      out.push(...decoder.push(STREAM.subarray(at, at + n)));
      at += n;
    }
    assert.deepEqual(simplify(out), EXPECTED);
  }
});

test('a reused chunk (a socket read buffer): what is kept of it is copied', () => {
  const decoder = new FrameDecoder(1024);
  const scratch = Buffer.alloc(64);
  const out: { type: number; body: string }[] = [];
  for (let at = 0; at < STREAM.length; at += 7) {
    const piece = STREAM.subarray(at, at + 7);
    piece.copy(scratch);
    // Frames are read before the next chunk overwrites them, as a link does.
    out.push(...simplify(decoder.push(scratch.subarray(0, piece.length), Infinity, true)));
    scratch.fill(0xff);
  }
  assert.deepEqual(out, EXPECTED);
});

test('a declared length over the limit fails before the body is buffered', () => {
  const decoder = new FrameDecoder(100);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(101);
  assert.throws(
    () => decoder.push(header),
    (err: unknown) => err instanceof ProtocolError && err.code === 'FRAME_TOO_LARGE',
  );
});

test('a 4 GiB declaration is refused from its 4 header bytes alone', () => {
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff])), /FRAME_TOO_LARGE|limit/);
});

test('length 0 is a bad frame', () => {
  assert.throws(
    () => new FrameDecoder().push(Buffer.alloc(4)),
    (err: unknown) => err instanceof ProtocolError && err.code === 'BAD_FRAME',
  );
});

test('maxFrames leaves the rest buffered until asked again', () => {
  const decoder = new FrameDecoder(1024);
  const first = decoder.push(STREAM, 1);
  assert.equal(first.length, 1);
  assert.equal(decoder.bufferedBytes, STREAM.length - (FIXTURE[0] as Buffer).length);
  assert.deepEqual(simplify([...first, ...decoder.push(Buffer.alloc(0))]), EXPECTED);
});

test('a large body split in many chunks is joined once and decoded', () => {
  const body = 'z'.repeat(200_000);
  const frame = encodeFrame(16, body);
  const decoder = new FrameDecoder();
  const out: Frame[] = [];
  for (let at = 0; at < frame.length; at += 1000)
    out.push(...decoder.push(frame.subarray(at, at + 1000)));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.body.toString(), body);
});
