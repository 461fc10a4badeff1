/**
 * Durability under kill -9: the broker runs as a child process, receives a stream of receipted
 * SENDs (and holds unacked deliveries), is killed with SIGKILL mid-stream, restarts on the same
 * data directory, and must deliver every message it had receipted, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { RawClient, tempDir, waitFor, within } from './support.js';
import { exited, FrameReader, spawnBroker } from './broker-child.js';

test('every receipted message survives SIGKILL of the broker', async () => {
  const dir = tempDir('aes-broker-crash-');
  const children: ChildProcess[] = [];
  try {
    const first = await spawnBroker(dir.path);
    children.push(first.child);
    await assert.rejects(
      spawnBroker(dir.path),
      /exited early \(1\):[^]*in use by another broker \(pid \d+\)/,
      'a second broker on the same data dir is refused',
    );
    const dest = '/queue/crash';
    const body = 'b'.repeat(1024);

    // A consumer holding 20 deliveries unacked through the crash.
    const producer = new FrameReader(await RawClient.connected(first.port));
    for (let i = 0; i < 20; i += 1) {
      producer.raw.write(`SEND\ndestination:${dest}\nseq:${i}\nreceipt:${i}\n\n${body}\0`);
    }
    const holder = new FrameReader(await RawClient.connected(first.port));
    holder.raw.write(`SUBSCRIBE\nid:h\ndestination:${dest}\nack:client-individual\n\n\0`);
    await waitFor(
      '20 unacked deliveries',
      () => holder.frames.filter((f) => f.command === 'MESSAGE').length === 20,
    );

    // A stream of receipted SENDs, 100 outstanding; SIGKILL once 1500 receipts are in.
    const receipted = new Set<number>();
    let next = 20;
    let outstanding = 0;
    let killed = false;
    let inFlightAtKill = 0;
    producer.raw.socket.on('data', () => {
      for (const f of producer.frames.splice(0)) {
        if (f.command !== 'RECEIPT') continue;
        receipted.add(Number(f.headers.get('receipt-id')));
        outstanding -= 1;
      }
    });
    outstanding = 20;
    await within(
      'the stream to reach the kill point',
      new Promise<void>((resolve) => {
        const pump = (): void => {
          if (killed) return;
          while (outstanding < 100) {
            producer.raw.write(
              `SEND\ndestination:${dest}\nseq:${next}\nreceipt:${next}\n\n${body}\0`,
            );
            next += 1;
            outstanding += 1;
          }
          if (receipted.size >= 1500) {
            // Kill with a full window of SENDs written and not yet receipted.
            killed = true;
            inFlightAtKill = next - receipted.size;
            first.child.kill('SIGKILL');
            resolve();
            return;
          }
          setImmediate(pump);
        };
        pump();
      }),
      60_000,
    );
    await exited(first.child);
    producer.raw.destroy();
    holder.raw.destroy();
    assert.ok(inFlightAtKill > 0, 'SENDs were in flight when the broker was killed');

    const second = await spawnBroker(dir.path);
    children.push(second.child);
    const consumer = new FrameReader(await RawClient.connected(second.port));
    consumer.raw.write(`SUBSCRIBE\nid:c\ndestination:${dest}\nack:auto\n\n\0`);
    const seen: number[] = [];
    await waitFor(
      'every receipted message after the restart',
      () => {
        for (const f of consumer.frames.splice(0)) {
          if (f.command === 'MESSAGE') seen.push(Number(f.headers.get('seq')));
        }
        const got = new Set(seen);
        return [...receipted].every((r) => got.has(r));
      },
      30_000,
    );
    const sorted = [...seen].sort((a, b) => a - b);
    assert.deepEqual(seen, sorted, 'queue order kept across the crash');
    assert.equal(new Set(seen).size, seen.length, 'no message delivered twice');
    for (let i = 0; i < 20; i += 1) assert.ok(seen.includes(i), `unacked message ${i} kept`);
    consumer.raw.destroy();
    second.child.kill('SIGTERM');
    await exited(second.child);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    dir.remove();
  }
});
