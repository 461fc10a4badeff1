/**
 * Releasing LMDB's memory map (broker/lmdb-map.ts): the pages reads touch leave the resident
 * set once the values read reach the memory budget, and once reads stop; the environment is
 * closed and opened again meanwhile, and no record is lost, reordered or read while it is
 * closed. The broker pauses dispatch during a release and holds returned deliveries until it
 * is over.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MessageStore } from '../../broker/store.js';
import { MAP_IDLE_MS } from '../../broker/lmdb-map.js';
import type { StoredRecord } from '../../broker/record.js';
import { RawClient, sleep, tempDir, testBroker, waitFor, within } from './support.js';
import { FrameReader } from './broker-child.js';

const DEST = '/queue/map-release';
const BODY_BYTES = 1024;
const MIB = 1024 * 1024;

/** This process's file-backed resident memory, in MiB. */
function rssFileMb(): number {
  const match = /^RssFile:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? 0 : Number(match[1]) / 1024;
}

const record = (seq: number): StoredRecord => ({
  messageId: `m-${seq}`,
  deliveries: 0,
  headers: [['seq', String(seq)]],
  body: Buffer.alloc(BODY_BYTES, seq % 251),
});

/** A store in a fresh directory whose LMDB holds messages 1..count (written, then closed). */
async function storedBacklog(dir: string, count: number): Promise<void> {
  const store = await MessageStore.open(dir, { commitDelayMs: 0 });
  try {
    const writes: Promise<void>[] = [];
    for (let seq = 1; seq <= count; seq += 1) writes.push(store.append(DEST, seq, record(seq)));
    await within('the backlog to be stored', Promise.all(writes), 60_000);
  } finally {
    await store.close();
  }
}

describe('LMDB map release', () => {
  test('reading a backlog keeps its pages out of the resident set; every record read once, in order', async () => {
    const dir = tempDir();
    const count = 40_000; // ≈ 50 MiB of LMDB pages
    await storedBacklog(dir.path, count);
    const store = await MessageStore.open(dir.path, { queueBytes: 4 * MIB });
    try {
      const seqs = store.storedSeqs().get(DEST);
      assert.equal(seqs?.size, count);
      const before = rssFileMb();
      let peak = before;
      let expected = 1;
      for (const seq of seqs ?? []) {
        if (!store.readable) {
          await waitFor('the store to be readable again', () => store.readable);
        }
        assert.equal(seq, expected);
        const got = store.read(DEST, seq);
        assert.equal(got?.messageId, `m-${seq}`);
        assert.equal(got.body.length, BODY_BYTES);
        assert.equal(got.body[0], seq % 251);
        expected += 1;
        // Let a due release run now and then, as the broker's event loop does.
        if (seq % 500 === 0) {
          peak = Math.max(peak, rssFileMb());
          await sleep(0);
        }
      }
      assert.equal(expected, count + 1);
      const releasesWhileReading = store.mapReleases;
      // ≈ 45 MiB of values read with a 4 MiB budget.
      assert.ok(releasesWhileReading >= 5, `${releasesWhileReading} releases while reading`);
      assert.ok(
        peak - before < 25,
        `resident file pages grew by ${(peak - before).toFixed(1)} MiB while reading`,
      );
      // The last pages read go once reads stop.
      await waitFor(
        'the idle release',
        () => store.mapReleases > releasesWhileReading,
        MAP_IDLE_MS * 5,
      );
      assert.ok(
        rssFileMb() - before < 6,
        `${(rssFileMb() - before).toFixed(1)} MiB of file pages still resident after the idle release`,
      );
      // Still a working store: writes reach LMDB, reads see them.
      await store.append(DEST, count + 1, record(count + 1));
      await store.remove(DEST, 1);
      assert.equal(store.read(DEST, 1), undefined);
      assert.equal(store.read(DEST, count + 1)?.messageId, `m-${count + 1}`);
    } finally {
      await store.close();
    }
    const reopened = await MessageStore.open(dir.path);
    try {
      const seqs = reopened.storedSeqs().get(DEST);
      assert.equal(seqs?.size, count);
      assert.equal(seqs.first(), 2);
      assert.equal(reopened.read(DEST, count + 1)?.messageId, `m-${count + 1}`);
    } finally {
      await reopened.close();
      dir.remove();
    }
  });

  test('a broker draining with releases every MiB delivers every message once, in order, NACKed ones again', async () => {
    const dir = tempDir();
    const count = 6_000;
    await storedBacklog(dir.path, count);
    const broker = await testBroker({ dataDir: dir.path, memoryBudgetMb: 1 });
    try {
      const consumer = new FrameReader(await RawClient.connected(broker.port));
      consumer.raw.write(
        `SUBSCRIBE\nid:s\ndestination:${DEST}\nack:client-individual\nprefetch-count:200\n\n\0`,
      );
      const firsts: number[] = [];
      const nacked = new Set<number>();
      const redelivered = new Set<number>();
      let acked = 0;
      await within(
        'the drain',
        new Promise<void>((resolve, reject) => {
          consumer.raw.socket.on('data', () => {
            try {
              for (const f of consumer.frames.splice(0)) {
                if (f.command === 'RECEIPT') resolve();
                if (f.command !== 'MESSAGE') continue;
                const seq = Number(f.headers.get('seq'));
                const ack = f.headers.get('ack') ?? '';
                if (nacked.has(seq)) {
                  assert.ok(!redelivered.has(seq), `#${seq} redelivered twice`);
                  assert.equal(f.headers.get('redelivered'), 'true');
                  redelivered.add(seq);
                } else {
                  assert.equal(f.headers.get('redelivered'), 'false', `#${seq} came again`);
                  firsts.push(seq);
                  // Every 97th is NACKed once: its return may fall in a release.
                  if (seq % 97 === 0) {
                    nacked.add(seq);
                    consumer.raw.write(`NACK\nid:${ack}\n\n\0`);
                    continue;
                  }
                }
                assert.equal(f.body.length, BODY_BYTES);
                acked += 1;
                // ACKs are applied in order: the last one's RECEIPT covers them all.
                const receipt = acked === count ? 'receipt:last\n' : '';
                consumer.raw.write(`ACK\nid:${ack}\n${receipt}\n\0`);
              }
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        }),
        60_000,
      );
      assert.deepEqual(
        firsts,
        Array.from({ length: count }, (_, i) => i + 1),
        'first deliveries in order',
      );
      assert.deepEqual(
        [...redelivered].sort((a, b) => a - b),
        [...nacked].sort((a, b) => a - b),
      );
      // ≈ 7 MiB of values read with a 1 MiB budget.
      assert.ok(
        broker.stats().storeMapReleases >= 3,
        `${broker.stats().storeMapReleases} releases`,
      );
      await waitFor('the queue to be empty', () => broker.queueDepths()[DEST] === 0);
      consumer.raw.destroy();
    } finally {
      await broker.close();
    }
    const store = await MessageStore.open(dir.path);
    try {
      assert.equal(store.storedSeqs().get(DEST)?.size ?? 0, 0, 'every ACK reached the store');
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
