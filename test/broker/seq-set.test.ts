/**
 * The queues' and the store index's set of sequence numbers: a chunked bitmap that must behave
 * as a sorted set (checked against one), give its chunks back as they empty, and survive a
 * round trip through its chunks (as the persisted index does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEQ_CHUNK_BITS, SeqSet } from '../../broker/seq-set.js';

/** A deterministic pseudo-random sequence (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('behaves as a sorted set under random adds and deletes', () => {
  const next = random(42);
  const set = new SeqSet();
  const model = new Set<number>();
  for (let i = 0; i < 20_000; i += 1) {
    const seq = Math.floor(next() * 5 * SEQ_CHUNK_BITS) + (next() < 0.1 ? 2 ** 40 : 0);
    if (next() < 0.6) {
      assert.equal(set.add(seq), !model.has(seq));
      model.add(seq);
    } else {
      assert.equal(set.delete(seq), model.has(seq));
      model.delete(seq);
    }
    if (i % 997 === 0) {
      const sorted = [...model].sort((a, b) => a - b);
      assert.deepEqual([...set], sorted);
      assert.equal(set.size, model.size);
      assert.equal(set.first(), sorted[0]);
      assert.equal(set.max(), sorted[sorted.length - 1] ?? 0);
    }
  }
});

test('drains from the front in order and gives its chunks back', () => {
  const set = new SeqSet();
  const count = 10 * SEQ_CHUNK_BITS + 7;
  for (let seq = 1; seq <= count; seq += 1) set.add(seq);
  assert.equal(set.size, count);
  assert.equal(set.chunkNumbers().length, 11);
  set.add(3 * SEQ_CHUNK_BITS + 5); // already there
  assert.equal(set.size, count);
  for (let expected = 1; expected <= count; expected += 1) {
    const first = set.first();
    assert.equal(first, expected);
    set.delete(expected);
  }
  assert.equal(set.size, 0);
  assert.equal(set.first(), undefined);
  assert.equal(set.max(), 0);
  assert.deepEqual(set.chunkNumbers(), []);
});

test('a returned sequence number goes back in front', () => {
  const set = new SeqSet();
  for (const seq of [5000, 5001, 9000]) set.add(seq);
  set.delete(5000);
  set.add(17); // a message delivered long ago comes back
  assert.deepEqual([...set], [17, 5001, 9000]);
  assert.equal(set.first(), 17);
});

test('round-trips through its chunks; a clone is independent', () => {
  const set = new SeqSet();
  for (const seq of [0, 31, 32, 1023, 1024, 4095, 70_000]) set.add(seq);
  const copy = new SeqSet();
  for (const chunk of set.chunkNumbers())
    copy.setChunk(chunk, set.chunk(chunk) ?? new Uint32Array(0));
  assert.deepEqual([...copy], [...set]);
  const clone = set.clone();
  clone.delete(31);
  assert.equal(set.has(31), true);
  assert.equal(clone.has(31), false);
  copy.setChunk(0, new Uint32Array(SEQ_CHUNK_BITS / 32)); // an empty chunk clears it
  assert.deepEqual([...copy], [1024, 4095, 70_000]);
  assert.equal(copy.size, 3);
});
