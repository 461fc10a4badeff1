/**
 * Durability under kill -9 (the scenario of crash.test.ts and crash-million.test.ts): the broker
 * runs as a child process, receives a backlog of `backlog` receipted messages of `bodyBytes`
 * bytes, then a stream of receipted SENDs (and holds the first 20 deliveries unacked), is killed
 * with SIGKILL mid-stream, restarts on the same data directory, and must deliver every message it
 * had receipted, in order, once, bodies intact.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { RawClient, tempDir, waitFor, within } from './support.js';
import { exited, FrameReader, spawnBroker } from './broker-child.js';

/** Deliveries held unacked through the kill: the backlog's first ones. */
export const HELD = 20;

export async function killNineScenario(backlog: number, bodyBytes: number): Promise<void> {
  // A backlog of a million takes its time to send and to drain: its phases' deadlines grow.
  const phaseMs = Math.max(60_000, backlog / 10);

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
    const body = 'b'.repeat(bodyBytes);

    // The backlog, receipted, 1,000 outstanding.
    const producer = new FrameReader(await RawClient.connected(first.port));
    const receipted = new Set<number>();
    let outstanding = 0;
    producer.raw.socket.on('data', () => {
      for (const f of producer.frames.splice(0)) {
        if (f.command !== 'RECEIPT') continue;
        receipted.add(Number(f.headers.get('receipt-id')));
        outstanding -= 1;
      }
    });
    let next = 0;
    await within(
      `a backlog of ${backlog}`,
      new Promise<void>((resolve) => {
        const pump = (): void => {
          while (outstanding < 1000 && next < backlog) {
            producer.raw.write(
              `SEND\ndestination:${dest}\nseq:${next}\nreceipt:${next}\n\n${body}\0`,
            );
            next += 1;
            outstanding += 1;
          }
          if (receipted.size === backlog) resolve();
          else setTimeout(pump, 1);
        };
        pump();
      }),
      phaseMs,
    );

    // A consumer holding the first 20 deliveries unacked through the crash.
    const holder = new FrameReader(await RawClient.connected(first.port));
    holder.raw.write(
      `SUBSCRIBE\nid:h\ndestination:${dest}\nack:client-individual\nprefetch-count:${HELD}\n\n\0`,
    );
    await waitFor(
      `${HELD} unacked deliveries`,
      () => holder.frames.filter((f) => f.command === 'MESSAGE').length === HELD,
    );

    // A stream of receipted SENDs, 100 outstanding; SIGKILL once 1500 more receipts are in.
    const killAt = backlog + 1500;
    let killed = false;
    let inFlightAtKill = 0;
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
          if (receipted.size >= killAt) {
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
    // Checked as they come (a million of them): in order, once each, every receipted one.
    const missing = new Set(receipted);
    const seen = new Set<number>();
    let last = -1;
    let outOfOrder: string | undefined;
    let badBody: number | undefined;
    await waitFor(
      'every receipted message after the restart',
      () => {
        for (const f of consumer.frames.splice(0)) {
          if (f.command !== 'MESSAGE') continue;
          const seq = Number(f.headers.get('seq'));
          if (seq <= last) outOfOrder ??= `${seq} after ${last}`;
          if (f.body.length !== bodyBytes) badBody ??= seq;
          last = seq;
          seen.add(seq);
          missing.delete(seq);
        }
        return missing.size === 0;
      },
      phaseMs,
    );
    assert.equal(outOfOrder, undefined, 'queue order kept across the crash, each message once');
    assert.equal(badBody, undefined, 'bodies intact');
    for (let i = 0; i < HELD; i += 1) assert.ok(seen.has(i), `unacked message ${i} kept`);
    consumer.raw.destroy();
    second.child.kill('SIGTERM');
    await exited(second.child);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    dir.remove();
  }
}
