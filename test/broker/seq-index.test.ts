/**
 * The store's sequence index: a store written before it existed gets it built once from the
 * records' keys at the next open, and from then on the index alone tells the queues what is
 * stored (the records are read at delivery).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'lmdb';
import { MessageStore } from '../../broker/store.js';
import { storedMessages, tempDir } from './support.js';

const record = (n: number) => ({
  messageId: `m-${n}`,
  deliveries: n % 3,
  headers: [['x-n', String(n)] as const],
  body: Buffer.from(`body-${n}`),
});

test('a store without the index (an older broker) gets it built at open', async () => {
  const dir = tempDir();
  try {
    const first = await MessageStore.open(dir.path);
    for (let n = 1; n <= 2500; n += 1)
      await first.append(n % 2 ? '/queue/a' : '/queue/b', n, record(n));
    await first.remove('/queue/a', 1);
    await first.close();
    // What an older broker left: the records, no index.
    const raw = open<Buffer, [string, number]>({ path: dir.path, encoding: 'binary' });
    await raw.openDB<Buffer, [string, number]>({ name: 'seq-index', encoding: 'binary' }).drop();
    await raw.close();

    const store = await MessageStore.open(dir.path);
    try {
      const listed = storedMessages(store);
      assert.equal(listed.length, 2499);
      assert.deepEqual(listed[0]?.record.body.toString(), 'body-3');
      assert.equal(listed[0]?.record.deliveries, 0);
      assert.equal(store.maxSeq(), 2500);
      assert.equal(store.storedSeqs().get('/queue/b')?.size, 1250);
    } finally {
      await store.close();
    }
    const again = await MessageStore.open(dir.path);
    try {
      assert.equal(storedMessages(again).length, 2499, 'the built index was kept');
    } finally {
      await again.close();
    }
  } finally {
    dir.remove();
  }
});
