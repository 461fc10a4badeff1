import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameWriter, type WriterSink } from '../../cluster/frame-writer.js';
import { FrameDecoder, encodeFrame } from '../../cluster/frame-codec.js';

class Sink implements WriterSink {
  chunks: Buffer[] = [];
  writableNeedDrain = false;
  write(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }
  cork(): void {}
  uncork(): void {}
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

test('frames queued in one tick leave in one write', async () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 64 * 1024);
  for (let i = 0; i < 100; i++) writer.enqueue(16, `["s","t",${i}]`);
  assert.equal(sink.chunks.length, 0);
  await tick();
  assert.equal(sink.chunks.length, 1);
  const frames = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.equal(frames.length, 100);
  assert.equal(frames[99]?.body.toString(), '["s","t",99]');
});

test('passing the high-water mark flushes at once', () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 1024);
  for (let i = 0; i < 20; i++) writer.enqueue(16, 'x'.repeat(100));
  assert.ok(sink.chunks.length >= 1);
});

test('control frames overtake queued bulk frames while the socket is backed up', async () => {
  const sink = new Sink();
  sink.writableNeedDrain = true;
  const writer = new FrameWriter(sink, 1024);
  for (let i = 0; i < 50; i++) writer.enqueue(16, 'y'.repeat(100));
  assert.equal(writer.writable, false);
  writer.enqueueControl(encodeFrame(22));
  await tick();
  const early = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.deepEqual(
    early.map((f) => f.type),
    [22],
    'only the heartbeat went out',
  );
  assert.ok(writer.queuedBytes > 5000);
  sink.writableNeedDrain = false;
  writer.flush();
  const all = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.equal(all.length, 51);
  assert.equal(writer.queuedBytes, 0);
  assert.equal(writer.writable, true);
});

test('control frames handed to a backed-up socket count as backlog until it drains', async () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 1024);
  const pong = encodeFrame(21, '[1]');
  writer.enqueueControl(pong);
  assert.equal(writer.controlBacklogBytes, pong.length, 'queued control bytes count');
  await tick();
  assert.equal(writer.controlBacklogBytes, 0, 'a socket that is not backed up took them');
  sink.writableNeedDrain = true;
  for (let i = 0; i < 10; i++) writer.enqueueControl(pong);
  await tick();
  assert.equal(sink.chunks.length, 11, 'control frames still go out');
  assert.equal(writer.controlBacklogBytes, 10 * pong.length);
  sink.writableNeedDrain = false;
  writer.drained();
  assert.equal(writer.controlBacklogBytes, 0);
});

test('multi-byte UTF-8 bodies are framed with their byte length', async () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 64);
  writer.enqueue(16, '"ééé😀"');
  await tick();
  const [frame] = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.equal(frame?.body.toString(), '"ééé😀"');
});

test('a text frame is written as head, newline, raw tail', async () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 1024);
  writer.enqueue(30, '["s","t"]', 'raw "text"\nwith é');
  await tick();
  const [frame] = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.equal(frame?.type, 30);
  assert.equal(frame?.body.toString(), '["s","t"]\nraw "text"\nwith é');
});

test('frames flushed one by one through several buffers, some too big to fit, arrive intact', () => {
  const sink = new Sink();
  const writer = new FrameWriter(sink, 64 * 1024);
  const sent: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const body = i % 500 === 499 ? `${i}:${'y'.repeat(70_000)}` : `${i}:${'x'.repeat(i % 200)}`;
    sent.push(body);
    writer.enqueue(16, body);
    if (i % 3 !== 0) writer.flush();
  }
  writer.flush();
  assert.equal(writer.queuedBytes, 0);
  const frames = new FrameDecoder().push(Buffer.concat(sink.chunks));
  assert.deepEqual(
    frames.map((f) => f.body.toString()),
    sent,
  );
});
