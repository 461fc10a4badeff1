/**
 * The broker's heap headroom (broker/heap-headroom.ts): the growth factor chosen for
 * a live heap, and the process-wide hold that brokers take and release.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import {
  collectHeadroomGarbage,
  growingPercent,
  heldHeapHeadroomMb,
  holdHeapHeadroom,
} from '../../broker/heap-headroom.js';
import { testBroker } from './support.js';

const MiB = 1024 * 1024;

describe('growingPercent', () => {
  test('lets a small heap grow by the headroom, at most 4x (V8s own maximum)', () => {
    assert.equal(growingPercent(64 * MiB, 128 * MiB), 200);
    assert.equal(growingPercent(100 * MiB, 128 * MiB), 128);
    assert.equal(growingPercent(20 * MiB, 128 * MiB), 300);
    // A nearly empty heap counts as 1 MiB (no division by zero, still the cap).
    assert.equal(growingPercent(0, 128 * MiB), 300);
  });

  test('leaves V8 its own factor once the heap is twice the headroom, or with no headroom', () => {
    assert.equal(growingPercent(256 * MiB, 128 * MiB), 50);
    assert.equal(growingPercent(257 * MiB, 128 * MiB), 0);
    assert.equal(growingPercent(2048 * MiB, 128 * MiB), 0);
    assert.equal(growingPercent(20 * MiB, 0), 0);
  });
});

describe('holdHeapHeadroom', () => {
  test('the largest hold applies until released; a second release changes nothing', () => {
    assert.equal(heldHeapHeadroomMb(), 0);
    const a = holdHeapHeadroom(256);
    const b = holdHeapHeadroom(128);
    const c = holdHeapHeadroom(128);
    assert.equal(heldHeapHeadroomMb(), 256);
    a();
    assert.equal(heldHeapHeadroomMb(), 128);
    // Releasing `a` again must not take away `b`'s or `c`'s hold.
    a();
    b();
    assert.equal(heldHeapHeadroomMb(), 128);
    c();
    assert.equal(heldHeapHeadroomMb(), 0);
  });

  test('0 holds nothing; a hold after all were released starts over', () => {
    const none = holdHeapHeadroom(0);
    assert.equal(heldHeapHeadroomMb(), 0);
    none();
    const again = holdHeapHeadroom(64);
    assert.equal(heldHeapHeadroomMb(), 64);
    again();
    assert.equal(heldHeapHeadroomMb(), 0);
  });
});

describe('collectHeadroomGarbage', () => {
  /**
   * Leaves about `mib` MiB of unreachable objects in the old generation: held long enough to
   * outlive the young generation's collections, as a drain's messages in flight do, then let go.
   */
  function garbage(mib: number): number {
    let held: { i: number; text: string }[][] | undefined = [];
    for (let round = 0; round < mib * 4; round += 1) {
      held.push(Array.from({ length: 4096 }, (_, i) => ({ i, text: `junk-${round}-${i}` })));
    }
    const count = held.length;
    held = undefined;
    return count;
  }

  test('collects the garbage a held headroom let pile up, and only then', () => {
    assert.equal(collectHeadroomGarbage(), false, 'no headroom held: nothing to do');
    const release = holdHeapHeadroom(128);
    try {
      garbage(64);
      const before = getHeapStatistics().used_heap_size;
      assert.equal(collectHeadroomGarbage(), true);
      const after = getHeapStatistics().used_heap_size;
      assert.ok(
        before - after > 16 * MiB,
        `heap used ${(before / MiB).toFixed(0)} MiB, then ${(after / MiB).toFixed(0)} MiB`,
      );
      assert.equal(collectHeadroomGarbage(), false, 'just collected: not again');
    } finally {
      release();
    }
  });
});

describe('a broker', () => {
  test('holds its headroom while it runs and releases it when closed', async () => {
    const broker = await testBroker();
    const small = await testBroker({ heapHeadroomMb: 32 });
    const none = await testBroker({ heapHeadroomMb: 0 });
    try {
      assert.equal(heldHeapHeadroomMb(), 128);
      await broker.stop();
      assert.equal(heldHeapHeadroomMb(), 32);
    } finally {
      await broker.stop();
      await small.stop();
      await none.stop();
    }
    assert.equal(heldHeapHeadroomMb(), 0);
  });
});
