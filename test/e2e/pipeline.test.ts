/**
 * End to end on real processes: a SOAP source system and target system, two `aes run` nodes in
 * one cluster (node a: embedded broker and the outbound endpoint; node b: the inbound endpoint,
 * using a's broker), every record at the target exactly once and in order. Then the cluster seen
 * and controlled from node b, and node a's HTTP surface.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { makeProject, RunningNode } from './support/project.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';
import { pollWhileProgressing } from '../support/wait.js';
import type { ClusterStatus } from '../../runtime/node/index.js';

const SECRET = 'e2e-cluster-secret-0123456789';

test('two nodes: every record arrives exactly once, in order; status and control from either node', async () => {
  const source = await SourceSystem.start(makeRecords(20));
  const target = await TargetSystem.start();
  const queue = `/queue/e2e-${randomUUID()}`;
  const env = { E2E_SOURCE_URL: source.url, E2E_TARGET_URL: target.url, E2E_QUEUE: queue };
  await using projectA = await makeProject({
    node: 'a',
    endpoints: { 'orders-out': 'orders-out.ts' },
    config: { cluster: { port: 0, secret: SECRET } },
  });
  await using a = await RunningNode.start('a', projectA, env);
  const cluster = a.field('kernel listening', 'cluster');
  const broker = a.field('embedded broker listening', 'url');
  await using projectB = await makeProject({
    node: 'b',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      cluster: { port: 0, secret: SECRET, seeds: [cluster.replace('tcp://', '')] },
      broker: { urls: [broker] },
    },
  });
  await using b = await RunningNode.start('b', projectB, env);
  try {
    await waitDelivered(source, target, 20);
    assertExactlyOnceInOrder(source, target, 'orders-out');

    // The whole cluster, from node b. Node a's counters travel with its endpoint's heartbeats:
    // the last records' count arrives with the heartbeat after them.
    const outOf = (s: ClusterStatus) => {
      const nodeA = s.nodes.find((n) => n.node === 'a');
      return nodeA?.error === undefined ? nodeA?.endpoints[0] : undefined;
    };
    const status = await pollWhileProgressing(
      "node a's orders-out counters showing 20 completed, seen from node b",
      () => {
        const listed = b.cli(['status', '--json']);
        assert.equal(listed.status, 0, listed.stderr);
        return JSON.parse(listed.stdout) as ClusterStatus;
      },
      (s) => outOf(s)?.counters?.completed === 20,
      {
        progress: (s) => outOf(s)?.counters ?? null,
        stallMs: 60_000,
        intervalMs: 250,
        describe: (s) => `${JSON.stringify(s)}\nnode a's log:\n${a.tail(20)}`,
      },
    );
    const rows = status.nodes.flatMap((n) =>
      n.error === undefined ? n.endpoints.map((e) => `${n.node}/${e.name}:${e.state}`) : [],
    );
    assert.deepEqual(rows, ['a/orders-out:running', 'b/orders-in:running']);
    const out = status.nodes.find((n) => n.node === 'a');
    assert.equal(out?.error, undefined);
    assert.equal(out?.endpoints[0]?.counters?.completed, 20);

    // Control of node a's endpoint from node b.
    const pid = out?.endpoints[0]?.pid;
    const restarted = b.cli(['endpoint', 'restart', 'orders-out']);
    assert.equal(restarted.status, 0, restarted.stderr);
    assert.match(restarted.stdout, /restart: orders-out on a/);
    const after = JSON.parse(a.cli(['status', '--json']).stdout) as ClusterStatus;
    const outAfter = after.nodes.find((n) => n.node === 'a');
    assert.equal(outAfter?.error, undefined);
    assert.equal(outAfter?.endpoints[0]?.state, 'running');
    assert.notEqual(outAfter?.endpoints[0]?.pid, pid);
    const unknown = b.cli(['endpoint', 'stop', 'nope']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no endpoint 'nope' on any node/);

    // Node a's HTTP surface.
    const http = a.field('http listening', 'url');
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
    // Ready again once the restarted endpoint is connected to its broker.
    const readyBy = Date.now() + 60_000;
    let ready = await fetch(`${http}/readyz`);
    while (ready.status !== 200 && Date.now() < readyBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await fetch(`${http}/readyz`);
    }
    assert.equal(ready.status, 200, await ready.clone().text());
    const metrics = await (await fetch(`${http}/metrics`)).text();
    assert.match(metrics, /process_cpu_seconds_total/);
    // The restarted process reports its own counts, from zero; the restart is counted.
    assert.match(metrics, /aes_endpoint_restarts_total\{endpoint="orders-out"\} 1/);
    assert.match(metrics, /aes_endpoint_events_total\{endpoint="orders-out",event="completed"\} 0/);

    // Graceful stop: both nodes drain and exit 0; the endpoints' lines carry their names.
    assert.equal(await b.stop(), 0);
    assert.equal(await a.stop(), 0);
    assert.ok(a.lines.some((l) => l.endpoint === 'orders-out' && l.msg === 'outbound ready'));
  } finally {
    await source.close();
    await target.close();
  }
});
