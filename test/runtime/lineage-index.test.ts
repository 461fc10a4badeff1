/**
 * The node's lineage index: steps found by message id and by FIFO id, oldest first, kept across
 * a reopen, bounded by count and by age, garbage and other endpoints' steps refused; and the
 * link's batcher: batches, a bound that drops the oldest and says how many.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineageIndex, type LineageEntry } from '../../runtime/node/lineage-index.js';
import {
  formatRecordTrace,
  mergeSteps,
  TraceNotFoundError,
} from '../../runtime/node/lineage-trace.js';
import { LineageBatcher } from '../../runtime/link/lineage-batcher.js';
import type { EndpointLineageReport } from '../../runtime/link/protocol.js';
import type { LineageEvent } from '../../runtime/endpoint/lineage.js';
import { tempDir } from './support/helpers.js';

function step(n: number, atMs: number, more: Partial<LineageEvent> = {}): LineageEvent {
  return {
    endpoint: 'orders-out',
    step: 'popped',
    atMs,
    messageId: `orders-out:${n}`,
    fifoId: String(n),
    ...more,
  };
}

test('lineage index: by message id and FIFO id, oldest first, kept across a reopen', async () => {
  await using dir = await tempDir();
  const index = await LineageIndex.open(dir.path, { now: () => 4_000 });
  assert.equal(
    index.add('a', 'orders-out', [
      step(1, 2_000, { step: 'confirmed' }),
      step(1, 1_000),
      step(2, 1_500),
      { nonsense: true },
      step(3, 1_000, { endpoint: 'someone-else' }),
    ]),
    3,
  );
  // Queued steps are found before they are written.
  assert.deepEqual(
    index.find('orders-out:1').map((e) => e.step),
    ['popped', 'confirmed'],
  );
  await index.flushed();
  index.add('a', 'orders-in', [
    {
      endpoint: 'orders-in',
      step: 'put',
      atMs: 3_000,
      messageId: 'orders-out:1',
      fifoId: '1',
      attempt: 1,
      outcome: 'failed',
      detail: 'down',
    },
  ]);
  await index.close();

  const again = await LineageIndex.open(dir.path, { now: () => 4_000 });
  try {
    const byMessage = again.find('orders-out:1');
    assert.deepEqual(
      byMessage.map((e) => `${e.node}/${e.endpoint}/${e.step}@${e.atMs}`),
      ['a/orders-out/popped@1000', 'a/orders-out/confirmed@2000', 'a/orders-in/put@3000'],
    );
    assert.equal(byMessage[2]?.detail, 'down');
    assert.deepEqual(
      again.find('2').map((e) => e.messageId),
      ['orders-out:2'],
    );
    assert.deepEqual(again.find('orders-out:9'), []);
    assert.deepEqual(again.find(''), []);
    assert.equal(again.size, 4);
  } finally {
    await again.close();
  }
});

test('lineage index: bounded by count and by age, oldest first', async () => {
  await using dir = await tempDir();
  let now = 10_000;
  const index = await LineageIndex.open(dir.path, {
    maxEntries: 3,
    maxAgeMs: 5_000,
    now: () => now,
  });
  try {
    index.add(
      'a',
      'orders-out',
      [1, 2, 3, 4, 5].map((n) => step(n, 9_000 + n)),
    );
    await index.flushed();
    assert.equal(index.size, 3);
    assert.deepEqual(index.find('orders-out:2'), []);
    assert.equal(index.find('orders-out:3').length, 1);
    now = 14_004; // 3 is now older than 5 s
    await index.prune();
    assert.deepEqual(index.find('3'), []);
    assert.equal(index.find('orders-out:5').length, 1);
    assert.equal(index.size, 2);
  } finally {
    await index.close();
  }
});

test('lineage batcher: one report per batch, the oldest dropped past the bound and counted', () => {
  const sent: EndpointLineageReport[] = [];
  const batcher = new LineageBatcher({
    send: (r) => sent.push(r) > 0,
    batchSize: 3,
    maxQueued: 4,
    intervalMs: 60_000,
  });
  batcher.push(step(1, 1));
  batcher.push(step(2, 2));
  assert.equal(sent.length, 0, 'held for company');
  batcher.push(step(3, 3));
  assert.deepEqual(
    sent.map((r) => r.events.map((e) => e.fifoId)),
    [['1', '2', '3']],
  );
  // A send that does not take them (a node away) is the same to the batcher: bounded memory.
  const slow = new LineageBatcher({
    send: (r) => sent.push(r) > 0,
    batchSize: 10,
    maxQueued: 4,
    intervalMs: 60_000,
  });
  for (let n = 1; n <= 7; n++) slow.push(step(n, n));
  assert.equal(slow.queued, 4);
  slow.flush();
  const last = sent.at(-1);
  assert.deepEqual(
    last?.events.map((e) => e.fifoId),
    ['4', '5', '6', '7'],
  );
  assert.equal(last?.dropped, 3);
  assert.equal(slow.queued, 0);
});

test('a trace: steps of several nodes merged by time, a step reported twice once; the table names missing nodes', () => {
  const a: LineageEntry[] = [
    { ...step(1, 1_000), node: 'a' },
    { ...step(1, 1_001, { step: 'confirmed' }), node: 'a' },
  ];
  const replayed = {
    endpoint: 'orders-in',
    step: 'replayed',
    atMs: 1_500,
    messageId: 'orders-out:1',
    detail: '/queue/orders',
  } as const;
  const b: LineageEntry[] = [
    { ...replayed, node: 'b' },
    { ...step(1, 1_001, { endpoint: 'orders-in', step: 'received', attempt: 1 }), node: 'b' },
  ];
  const merged = mergeSteps([b, a, [{ ...replayed, node: 'c' }]]);
  assert.deepEqual(
    merged.map((s) => `${s.node} ${s.step}`),
    ['a popped', 'a confirmed', 'b received', 'b replayed'],
  );
  const text = formatRecordTrace({
    id: 'orders-out:1',
    steps: merged,
    nodes: ['a', 'b'],
    unreachable: [{ node: 'c', error: 'not linked to a: connection refused' }],
  });
  assert.match(text, /^orders-out:1: 4 steps \(nodes asked: a, b\)$/m);
  assert.match(text, /^TIME \(UTC\)\s+NODE\s+ENDPOINT\s+STEP\s+TRY\s+OUTCOME\s+DETAIL$/m);
  assert.match(text, /^1970-01-01 00:00:01\.500\s+b\s+orders-in\s+replayed\s+\/queue\/orders$/m);
  assert.match(
    text,
    /^unreachable: c \(not linked to a: connection refused\): its steps are missing$/m,
  );
  assert.equal(new TraceNotFoundError('x:1').code, 'RUNTIME_NOT_FOUND');
  assert.match(
    new TraceNotFoundError('x:1', [{ node: 'c', error: 'down' }]).message,
    /no record 'x:1' in the lineage of the nodes that answered .*unreachable: c \(down\)/,
  );
});
