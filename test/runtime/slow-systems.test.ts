/**
 * The SOAP systems' delay (the pipeline bench's slow cases) and the per-record latency read from
 * their histories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecords, SourceSystem, TargetSystem } from './support/soap-systems.js';
import { sourceClient, targetClient } from './support/soap-endpoints.js';
import { percentile, recordLatencies } from './support/record-latency.js';

const DELAY_MS = 60;

test('a delayed source answers each call late and records the pop when it answers', async () => {
  const source = await SourceSystem.start(makeRecords(2), { delayMs: DELAY_MS });
  try {
    const client = await sourceClient(source.url);
    const started = Date.now();
    const [popped] = await client.PopAsync({ max: 1, idsOnly: false }, { timeout: 5_000 });
    assert.ok(Date.now() - started >= DELAY_MS - 5, 'Pop answered before its delay');
    assert.ok((source.history[0]?.at ?? 0) - started >= DELAY_MS - 5, 'pop recorded early');
    const record = Array.isArray(popped?.record) ? popped.record[0] : popped?.record;
    assert.equal(record?.id, '1');
    const before = Date.now();
    await client.PoppedAsync({ id: '1' }, { timeout: 5_000 });
    assert.ok(Date.now() - before >= DELAY_MS - 5, 'Popped answered before its delay');
    assert.equal(source.head, 1);
  } finally {
    await source.close();
  }
});

test('a delayed target accepts concurrent puts in any order, each one delay late', async () => {
  const target = await TargetSystem.start({ delayMs: DELAY_MS });
  try {
    const client = await targetClient(target.url);
    const started = Date.now();
    const ids = Array.from({ length: 8 }, (_, i) => `e:${8 - i}`);
    await Promise.all(
      ids.map((messageId) => client.PutAsync({ messageId, payload: '{}' }, { timeout: 5_000 })),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= DELAY_MS - 5, `answered after ${elapsed} ms`);
    // Eight puts in flight at once, not one after the other.
    assert.ok(elapsed < 8 * DELAY_MS, `8 concurrent puts took ${elapsed} ms`);
    assert.deepEqual(target.accepted.map((a) => a.messageId).sort(), [...ids].sort());
  } finally {
    await target.close();
  }
});

test('without a delay the systems answer as before', async () => {
  const target = await TargetSystem.start();
  try {
    const client = await targetClient(target.url);
    const started = Date.now();
    await client.PutAsync({ messageId: 'x:1', payload: '{}' }, { timeout: 5_000 });
    assert.ok(Date.now() - started < 1_000);
    assert.equal(target.accepted.length, 1);
  } finally {
    await target.close();
  }
});

test('latency runs from the first pop to the first acceptance of each record', () => {
  const history = [
    { at: 100, op: 'pop' as const, id: '1' },
    { at: 110, op: 'popped' as const, id: '1' },
    { at: 120, op: 'pop' as const, id: '2' },
    { at: 500, op: 'pop' as const, id: '2' }, // re-popped after a restart
  ];
  const accepted = [
    { messageId: 'orders-out:2', payload: {}, at: 150 },
    { messageId: 'orders-out:1', payload: {}, at: 160 },
    { messageId: 'orders-out:2', payload: {}, at: 600 }, // a duplicate
    { messageId: 'orders-out:9', payload: {}, at: 700 }, // never handed out: not counted
  ];
  assert.deepEqual(recordLatencies({ history }, { accepted }), [30, 60]);
});

test('percentile is the nearest rank', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});
