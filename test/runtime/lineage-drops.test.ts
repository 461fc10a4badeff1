/**
 * `aes_endpoint_lineage_steps_dropped_total{endpoint, reason}`: every way a step of a record's lineage can
 * miss the node's index is counted, read back from the node's real registry — the endpoint's
 * batcher over its bound and with its link down (carried by the next report that goes), steps
 * the node refuses, a node without an index or with it closing, and a write the real LMDB refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LineageEvent } from '../../runtime/endpoint/lineage.js';
import { LineageBatcher } from '../../runtime/link/lineage-batcher.js';
import type { EndpointLineageReport } from '../../runtime/link/protocol.js';
import { applyEndpointReport, type ReportHost } from '../../runtime/node/endpoint-reports.js';
import { openNodeLineage, type LineageIndex } from '../../runtime/node/lineage-index.js';
import type { Managed } from '../../runtime/node/managed-endpoint.js';
import { NodeMetrics } from '../../runtime/observability/node-metrics.js';
import { tempDir } from './support/helpers.js';

function step(n: number, endpoint = 'orders-in'): LineageEvent {
  return { endpoint, step: 'received', atMs: Date.now() + n, messageId: `m:${n}` };
}

/** The counter's samples for `endpoint`, by reason. */
async function dropped(metrics: NodeMetrics, endpoint: string): Promise<Record<string, number>> {
  const metric = await metrics.registry
    .getSingleMetric('aes_endpoint_lineage_steps_dropped_total')
    ?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) {
    if (v.labels.endpoint === endpoint) out[String(v.labels.reason)] = v.value;
  }
  return out;
}

test('lineage batcher: events of reports the link could not take are counted, and told by the next report that goes', () => {
  const sent: EndpointLineageReport[] = [];
  let up = false;
  const batcher = new LineageBatcher({
    send: (r) => up && sent.push(r) > 0,
    batchSize: 2,
    maxQueued: 3,
    intervalMs: 60_000,
  });
  for (let n = 1; n <= 5; n++) batcher.push(step(n)); // two batches of 2 refused by the link
  batcher.flush(); // the fifth, refused too
  assert.equal(sent.length, 0);
  up = true;
  batcher.push(step(6));
  batcher.push(step(7));
  assert.deepEqual(
    sent.map((r) => [r.events.map((e) => e.messageId), r.dropped, r.lost]),
    [[['m:6', 'm:7'], 0, 5]],
  );
  // Counted once: the next report starts from zero.
  batcher.push(step(8));
  batcher.flush();
  assert.deepEqual(sent.at(-1)?.lost, 0);
  // Over the bound while the link is down: the oldest dropped, counted apart.
  up = false;
  for (let n = 9; n <= 12; n++) batcher.push(step(n));
  batcher.flush();
  up = true;
  batcher.push(step(13));
  batcher.flush();
  const last = sent.at(-1);
  assert.deepEqual([last?.dropped, last?.lost], [0, 4]);
});

test('the node counts each lost step by endpoint and reason, from its own losses and the endpoint’s reports', async () => {
  await using dir = await tempDir();
  const metrics = new NodeMetrics({ node: 'n', version: '0', processMetrics: false });
  const warnings: string[] = [];
  const log = {
    warn: (msg: string) => warnings.push(msg),
    error: (msg: string) => warnings.push(msg),
  };
  const index = await openNodeLineage(
    { dataDir: dir.path, lineage: { maxEntries: 1_000, maxAgeMs: 3_600_000 } },
    log,
    metrics.lineage,
  );
  assert.ok(index !== undefined);
  const managed = { log } as unknown as Managed;
  let current: LineageIndex | undefined = index;
  const host: ReportHost = {
    node: 'n',
    metrics,
    get lineage() {
      return current;
    },
    brokerChanged: () => undefined,
  };
  const report = (events: readonly unknown[], dropped = 0, lost = 0): void =>
    applyEndpointReport(host, 'orders-in', managed, {
      kind: 'lineage',
      events: events as LineageEvent[],
      dropped,
      lost,
    });

  // Two well-formed, one of another endpoint, one not a step; the endpoint's own losses.
  report([step(1), step(2), step(3, 'orders-out'), { ...step(4), step: 'teleported' }], 5, 7);
  await index.flushed();
  assert.equal(index.size, 2);
  assert.deepEqual(await dropped(metrics, 'orders-in'), {
    malformed: 2,
    'endpoint-queue-full': 5,
    'link-down': 7,
  });
  assert.ok(warnings.some((w) => /5 lineage step\(s\) dropped/.test(w)));
  assert.ok(warnings.some((w) => /7 lineage step\(s\) lost while the link/.test(w)));

  // The real LMDB refusing the write (its environment closed under the index): counted.
  (index as unknown as { env: { close(): void } }).env.close();
  report([step(5), step(6)]);
  await index.flushed();
  assert.equal((await dropped(metrics, 'orders-in'))['write-failed'], 2);
  assert.ok(warnings.some((w) => /writing lineage failed/.test(w)));

  // No index (it did not open), then one closing: nothing taken, every step counted.
  current = undefined;
  report([step(7), step(8), step(9)]);
  assert.equal((await dropped(metrics, 'orders-in'))['no-index'], 3);
  current = index;
  void index.close().catch(() => undefined);
  report([step(10)]);
  assert.equal((await dropped(metrics, 'orders-in'))['no-index'], 4);
  metrics.close();
});
