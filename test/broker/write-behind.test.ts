/**
 * The store's write-behind: a journaled operation reaches LMDB only once it is due (its delay
 * is up, or the records waiting in memory exceed the budget). A message deleted before then is
 * never written to LMDB, and a delete that follows an update LMDB never saw still removes what
 * LMDB holds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'lmdb';
import { MessageStore } from '../../broker/store.js';
import type { LmdbCommitHook, MessageStoreOptions } from '../../broker/store-options.js';
import type { StoredRecord } from '../../broker/record.js';
import { storedMessages, tempDir, waitFor } from './support.js';

const message = (id: string, deliveries = 0, bytes = 16): StoredRecord => ({
  messageId: id,
  deliveries,
  headers: [['k', id]],
  body: Buffer.alloc(bytes, id),
});

/** Counts LMDB commits that have finished (successfully or not). */
function countingCommits(): { hook: LmdbCommitHook; done: () => number } {
  let done = 0;
  return {
    hook: (commit) =>
      commit().finally(() => {
        done += 1;
      }),
    done: () => done,
  };
}

/** A second handle on the store's LMDB database, to see what LMDB itself holds. */
function lmdbView(dir: string): {
  has: (destination: string, seq: number) => boolean;
  deliveries: (destination: string, seq: number) => number | undefined;
  lastTxnId: () => number;
  close: () => Promise<void>;
} {
  const db = open<Buffer, [string, number]>({ path: dir, encoding: 'binary', readOnly: true });
  // Every look starts a fresh read transaction: an old one would show an old snapshot.
  const get = (destination: string, seq: number): Buffer | undefined => {
    db.resetReadTxn();
    return db.getBinary([destination, seq]);
  };
  return {
    has: (destination, seq) => get(destination, seq) !== undefined,
    // A record starts [u8 version][u32 deliveries].
    deliveries: (destination, seq) => get(destination, seq)?.readUInt32BE(1),
    lastTxnId: () => {
      db.resetReadTxn();
      return (db.getStats() as { lastTxnId: number }).lastTxnId;
    },
    close: () => db.close(),
  };
}

/**
 * Opens a store in a fresh directory and a second handle on its LMDB, runs `body`, then closes
 * both (the store's close is idempotent: `body` may close it itself) and removes the directory.
 */
async function withStore(
  options: MessageStoreOptions,
  body: (store: MessageStore, view: ReturnType<typeof lmdbView>, dir: string) => Promise<void>,
): Promise<void> {
  const dir = tempDir('aes-write-behind-');
  const store = await MessageStore.open(dir.path, options);
  const view = lmdbView(dir.path);
  try {
    await body(store, view, dir.path);
  } finally {
    await view.close();
    await store.close();
    dir.remove();
  }
}

describe('store write-behind', () => {
  test('a message deleted before its commit is due never reaches LMDB', async () => {
    const commits = countingCommits();
    await withStore({ commitDelayMs: 100, commitHook: commits.hook }, async (store, view) => {
      const before = view.lastTxnId();
      await store.append('/queue/a', 1, message('m1'));
      await store.remove('/queue/a', 1);
      await store.append('/queue/a', 2, message('m2'));
      // Commits go in order: once m2 is in LMDB, m1's put and delete have been through it.
      await waitFor('m2 to reach LMDB', () => view.has('/queue/a', 2));
      assert.equal(view.has('/queue/a', 1), false);
      assert.equal(
        view.lastTxnId(),
        before + 1,
        'one LMDB transaction, for m2: none wrote the put its delete undid',
      );
      assert.ok(commits.done() >= 1);
    });
  });

  test('a delete after an update LMDB never saw removes the version LMDB holds', async () => {
    const commits = countingCommits();
    await withStore({ commitDelayMs: 50, commitHook: commits.hook }, async (store, view, dir) => {
      await store.append('/queue/a', 1, message('m1'));
      await waitFor('m1 to reach LMDB', () => view.has('/queue/a', 1));
      assert.equal(view.deliveries('/queue/a', 1), 0);
      // Returned to its queue (delivery count persisted), then acknowledged: the update is
      // skipped (a durable delete follows it), the delete must still reach LMDB.
      await store.update('/queue/a', 1, message('m1', 1));
      await store.remove('/queue/a', 1);
      // A clean close commits everything to LMDB and deletes the journal: LMDB alone must
      // then hold the delete (a skipped one would leave the version it already had).
      await store.close();
      assert.ok(commits.done() >= 2);
      assert.equal(view.has('/queue/a', 1), false, 'LMDB no longer holds the acknowledged message');
      const again = await MessageStore.open(dir, { commitDelayMs: 50 });
      try {
        assert.deepEqual(storedMessages(again), [], 'nothing comes back after a restart');
      } finally {
        await again.close();
      }
    });
  });

  test('an update that stays goes to LMDB over the version it replaces', async () => {
    await withStore({ commitDelayMs: 50 }, async (store, view) => {
      await store.append('/queue/a', 1, message('m1'));
      await waitFor('m1 to reach LMDB', () => view.has('/queue/a', 1));
      await store.update('/queue/a', 1, message('m1', 2));
      assert.equal(store.read('/queue/a', 1)?.deliveries, 2, 'read from memory before LMDB has it');
      await waitFor('the update to reach LMDB', () => view.deliveries('/queue/a', 1) === 2);
    });
  });

  test('a backlog over the memory budget is committed before its delay is up', async () => {
    // A delay no test waits for: only the budget (8 KiB of records) can start this commit.
    await withStore({ commitDelayMs: 60_000, queueBytes: 8192 }, async (store, view) => {
      for (let seq = 1; seq <= 4; seq += 1) {
        await store.append('/queue/a', seq, message(`m${seq}`, 0, 1024));
      }
      assert.equal(view.has('/queue/a', 1), false, '4 KiB waits in memory');
      for (let seq = 5; seq <= 12; seq += 1) {
        await store.append('/queue/a', seq, message(`m${seq}`, 0, 1024));
      }
      await waitFor('the backlog to reach LMDB', () => view.has('/queue/a', 8));
      assert.ok(view.has('/queue/a', 1), 'the whole backlog is committed, oldest first');
    });
  });
});
