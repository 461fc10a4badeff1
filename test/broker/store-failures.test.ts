/**
 * The store when the disk fails under it: a failed LMDB commit never costs a receipted message
 * (the journal is kept and replayed), and a SEND or ACK whose journal write failed is not stored.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerJournal, type JournalOp } from '../../broker/journal.js';
import { MessageStore } from '../../broker/store.js';
import type { LmdbCommitHook } from '../../broker/store-options.js';
import { encodeRecord, type StoredRecord } from '../../broker/record.js';
import { sleep, storedMessages, tempDir, waitFor } from './support.js';

const message = (id: string): StoredRecord => ({
  messageId: id,
  deliveries: 0,
  headers: [['k', id]],
  body: Buffer.from(`body of ${id}`),
});

const journalFiles = (dir: string): string[] =>
  readdirSync(dir).filter((f) => f.startsWith('journal-'));

async function contents(dir: string): Promise<string[]> {
  const store = await MessageStore.open(dir);
  try {
    return storedMessages(store).map((m) => `${m.destination}#${m.seq}:${m.record.messageId}`);
  } finally {
    await store.close();
  }
}

/** A commit hook failing as a full disk would while `failing()` holds; counts the attempts. */
function failingCommits(failing: () => boolean): { hook: LmdbCommitHook; attempts: () => number } {
  let attempts = 0;
  return {
    hook: (commit) => {
      attempts += 1;
      if (failing()) return Promise.reject(new Error('ENOSPC: no space left on device (test)'));
      return commit();
    },
    attempts: () => attempts,
  };
}

/** The descriptor this process holds on `path` (Linux: read through /proc/self/fd). */
function fdOf(path: string): number | undefined {
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === path) return Number(name);
    } catch {
      // closed meanwhile
    }
  }
  return undefined;
}

describe('store failures', () => {
  test('LMDB commits keep failing: a clean close keeps the journal and nothing receipted is lost', async () => {
    const dir = tempDir('aes-store-fail-');
    try {
      const commits = failingCommits(() => true);
      const store = await MessageStore.open(dir.path, {
        commitDelayMs: 20,
        commitHook: commits.hook,
      });
      await store.append('/queue/q', 1, message('m1'));
      await store.append('/queue/q', 2, message('m2'));
      await store.append('/queue/q', 3, message('m3'));
      await store.remove('/queue/q', 2); // acknowledged: must stay gone
      await waitFor('a background LMDB commit to fail', () => commits.attempts() >= 1);
      assert.equal(store.read('/queue/q', 1)?.messageId, 'm1', 'reads are still served');
      await store.close();
      assert.notDeepEqual(journalFiles(dir.path), [], 'the journal is the only copy: kept');
      assert.deepEqual(await contents(dir.path), ['/queue/q#1:m1', '/queue/q#3:m3']);
      assert.deepEqual(journalFiles(dir.path), [], 'replayed at open, then deleted');
    } finally {
      dir.remove();
    }
  });

  test('a failed LMDB commit is retried, in order, and a later clean close deletes the journal', async () => {
    const dir = tempDir('aes-store-fail-');
    try {
      let failing = false;
      const commits = failingCommits(() => failing);
      const store = await MessageStore.open(dir.path, {
        commitDelayMs: 20,
        commitHook: commits.hook,
      });
      await store.append('/queue/q', 0, message('m0'));
      await waitFor('the first LMDB commit', () => commits.attempts() >= 1);
      await sleep(50);
      failing = true;
      await store.remove('/queue/q', 0);
      await store.append('/queue/q', 1, message('m1'));
      await waitFor('a background LMDB commit to fail', () => commits.attempts() >= 2);
      failing = false;
      await store.append('/queue/q', 2, message('m2'));
      await waitFor('the retry to commit', () => commits.attempts() >= 3);
      await sleep(50);
      await store.close();
      assert.deepEqual(journalFiles(dir.path), [], 'LMDB holds everything: journal deleted');
      assert.deepEqual(await contents(dir.path), ['/queue/q#1:m1', '/queue/q#2:m2']);
    } finally {
      dir.remove();
    }
  });

  test('a SEND or ACK whose journal write failed is not applied to the store', async (t) => {
    if (!existsSync('/proc/self/fd')) {
      t.skip('needs /proc/self/fd to fail a journal write');
      return;
    }
    const dir = tempDir('aes-store-fail-');
    try {
      const store = await MessageStore.open(dir.path, { commitDelayMs: 20 });
      await store.append('/queue/q', 1, message('m1'));
      const segment = journalFiles(dir.path)[0] ?? '';
      const fd = fdOf(join(dir.path, segment));
      assert.ok(fd !== undefined, `the store holds ${segment} open`);
      // Pull the file out from under the next write, as an I/O error would.
      closeSync(fd);
      const failedSend = store.append('/queue/q', 2, message('m2'));
      const failedAck = store.remove('/queue/q', 1);
      await assert.rejects(failedSend, /could not store message: cannot write .*EBADF/);
      await assert.rejects(failedAck, /could not delete message/);
      assert.equal(store.read('/queue/q', 2), undefined, 'the failed SEND is not readable');
      assert.equal(store.read('/queue/q', 1)?.messageId, 'm1', 'the failed ACK deleted nothing');
      await store.append('/queue/q', 3, message('m3')); // a new segment takes over
      await store.close();
      assert.deepEqual(await contents(dir.path), ['/queue/q#1:m1', '/queue/q#3:m3']);
    } finally {
      dir.remove();
    }
  });

  test('Journal.close(true) deletes only segments whose entries are all in LMDB', async () => {
    const dir = tempDir('aes-store-fail-');
    const put = (seq: number): JournalOp => ({
      kind: 'put',
      destination: '/queue/q',
      seq,
      value: encodeRecord(message(`m${seq}`)),
    });
    try {
      const { journal } = BrokerJournal.open(dir.path, 100);
      const first = journal.append([put(1)]);
      const second = journal.append([put(2)]);
      await Promise.all([first.durable, second.durable]);
      assert.notEqual(first.segment, second.segment);
      journal.applied(first.segment); // LMDB holds the first entry, not the second
      await journal.close(true);
      const { journal: reopened, replay } = BrokerJournal.open(dir.path, 100);
      assert.deepEqual(
        replay.map((ops) => ops[0]?.seq),
        [2],
      );
      await reopened.close(false);
    } finally {
      dir.remove();
    }
  });
});
