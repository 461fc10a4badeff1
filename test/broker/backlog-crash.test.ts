/**
 * kill -9 while LMDB commits: the broker child commits each fsynced journal entry to LMDB at
 * once (records and, in the same transaction, the chunks of the sequence index that start-up
 * reads instead of the records), while a producer streams receipted SENDs and a consumer ACKs
 * with receipts, leaving every seventh message unacked. It is killed at three points, restarted
 * on the same data each time, and finally drained: every receipted message that was never
 * acknowledged comes back, no message whose ACK was receipted does (an ACK in flight at the kill
 * may have taken effect or not), and the index on disk lists exactly the records LMDB holds.
 * Its memory budget is 1 MiB, so that LMDB's map is also released (closed and opened again,
 * lmdb-map.ts) every MiB written, read or deleted during the rounds (once or twice a round).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { open } from 'lmdb';
import { SEQ_CHUNK_BITS } from '../../broker/seq-set.js';
import { RawClient, sleep, tempDir, waitFor, within } from './support.js';
import { exited, FrameReader, spawnBroker } from './broker-child.js';

const DEST = '/queue/backlog-crash';
const BODY = 'k'.repeat(1024);
/** Kill after this many SEND receipts of the round (and a little more, at random). */
const KILL_AFTER = [600, 1500, 900];

interface History {
  /** `seq` headers whose SEND was receipted. */
  readonly receipted: Set<number>;
  /** `seq` headers whose ACK was sent: whether one in flight at the kill took effect is open. */
  readonly ackSent: Set<number>;
  /** `seq` headers whose ACK was receipted. */
  readonly acked: Set<number>;
}

/** One round: stream and consume until `killAfter` receipts, then SIGKILL. */
async function round(
  dir: string,
  killAfter: number,
  from: number,
  history: History,
): Promise<number> {
  const { child, port } = await spawnBroker(dir, 0, 1);
  let next = from;
  try {
    const producer = new FrameReader(await RawClient.connected(port));
    const consumer = new FrameReader(await RawClient.connected(port));
    consumer.raw.write(
      `SUBSCRIBE\nid:c\ndestination:${DEST}\nack:client-individual\nprefetch-count:50\n\n\0`,
    );
    consumer.raw.socket.on('data', () => {
      for (const f of consumer.frames.splice(0)) {
        if (f.command === 'RECEIPT') {
          history.acked.add(Number(f.headers.get('receipt-id')?.slice('ack-'.length)));
        } else if (f.command === 'MESSAGE') {
          const seq = Number(f.headers.get('seq'));
          if (seq % 7 === 0) continue; // held: stays stored, redelivered after the kill
          history.ackSent.add(seq);
          consumer.raw.write(`ACK\nid:${f.headers.get('ack') ?? ''}\nreceipt:ack-${seq}\n\n\0`);
        }
      }
    });
    let receiptsThisRound = 0;
    let outstanding = 0;
    producer.raw.socket.on('data', () => {
      for (const f of producer.frames.splice(0)) {
        if (f.command !== 'RECEIPT') continue;
        history.receipted.add(Number(f.headers.get('receipt-id')));
        receiptsThisRound += 1;
        outstanding -= 1;
      }
    });
    const extra = Math.floor(Math.random() * 200);
    await within(
      'the stream to reach the kill point',
      new Promise<void>((resolve) => {
        const pump = (): void => {
          while (outstanding < 100) {
            producer.raw.write(
              `SEND\ndestination:${DEST}\nseq:${next}\nreceipt:${next}\n\n${BODY}\0`,
            );
            next += 1;
            outstanding += 1;
          }
          if (receiptsThisRound >= killAfter + extra) {
            child.kill('SIGKILL');
            resolve();
            return;
          }
          setImmediate(pump);
        };
        pump();
      }),
      60_000,
    );
    await exited(child);
    producer.raw.destroy();
    consumer.raw.destroy();
    return next;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Record keys LMDB holds and the sequence numbers its index lists (the broker is stopped). */
async function onDisk(dir: string): Promise<{ records: string[]; indexed: string[] }> {
  const db = open<Buffer, [string, number]>({ path: dir, encoding: 'binary', compression: false });
  try {
    const records: string[] = [];
    for (const key of db.getKeys({})) {
      if (Array.isArray(key)) records.push(`${key[0]}#${key[1]}`);
    }
    const index = db.openDB<Buffer, [string, number]>({ name: 'seq-index', encoding: 'binary' });
    const indexed: string[] = [];
    for (const { key, value } of index.getRange({})) {
      const [destination, chunk] = key;
      if (destination === '') continue; // the marker
      for (let bit = 0; bit < SEQ_CHUNK_BITS; bit += 1) {
        if ((value[bit >>> 3] ?? 0) & (1 << (bit & 7))) {
          indexed.push(`${destination}#${chunk * SEQ_CHUNK_BITS + bit}`);
        }
      }
    }
    return { records: records.sort(), indexed: indexed.sort() };
  } finally {
    await db.close();
  }
}

test('kill -9 during LMDB commits: nothing receipted is lost, nothing acked comes back', async () => {
  const dir = tempDir('aes-broker-backlog-crash-');
  const children: ChildProcess[] = [];
  try {
    const history: History = { receipted: new Set(), ackSent: new Set(), acked: new Set() };
    let next = 1;
    for (const killAfter of KILL_AFTER) next = await round(dir.path, killAfter, next, history);
    const mustSurvive = [...history.receipted].filter((seq) => !history.ackSent.has(seq));
    assert.ok(mustSurvive.length > 100, 'a backlog is left across the kills');
    assert.ok(history.acked.size > 100, 'acknowledgements were durable before the kills');

    const last = await spawnBroker(dir.path, 0);
    children.push(last.child);
    const reader = new FrameReader(await RawClient.connected(last.port));
    reader.raw.write(`SUBSCRIBE\nid:d\ndestination:${DEST}\nack:auto\n\n\0`);
    const seen = new Set<number>();
    const collect = (): void => {
      for (const f of reader.frames.splice(0)) {
        if (f.command === 'MESSAGE') seen.add(Number(f.headers.get('seq')));
      }
    };
    await waitFor(
      'every receipted, unacknowledged message after the kills',
      () => {
        collect();
        return mustSurvive.every((seq) => seen.has(seq));
      },
      30_000,
    );
    await sleep(500);
    collect();
    const resurrected = [...seen].filter((seq) => history.acked.has(seq));
    assert.deepEqual(resurrected, [], 'no durably acknowledged message comes back');
    reader.raw.destroy();
    last.child.kill('SIGTERM');
    await exited(last.child);
    const { records, indexed } = await onDisk(dir.path);
    assert.deepEqual(indexed, records, 'the index lists exactly the records LMDB holds');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    dir.remove();
  }
});
