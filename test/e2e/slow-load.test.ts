/**
 * An endpoint whose event loop is busy for longer than the cluster's heartbeat timeout (2 s)
 * while it loads keeps its link to the node: the node judges it by its start and hang limits,
 * not by a few seconds of link silence (which used to cut it off: it then ran with every report
 * dropped, its counters never seen). Its log lines and counters reach the node; no restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, RunningNode } from './support/project.js';
import { pollWhileProgressing } from '../support/wait.js';
import type { ClusterStatus, EndpointStatus } from '../../runtime/node/index.js';

function slowOf(node: RunningNode): EndpointStatus | undefined {
  const listed = node.cli(['status', '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  const first = (JSON.parse(listed.stdout) as ClusterStatus).nodes[0];
  return first?.error === undefined ? first?.endpoints.find((e) => e.name === 'slow') : undefined;
}

test('an endpoint busy for seconds while it loads keeps its link: its reports reach the node', async () => {
  await using project = await makeProject({ node: 'slow', endpoints: { slow: 'slow-load.ts' } });
  await using node = await RunningNode.start('slow', project);
  await node.waitLine(
    'the line the endpoint logs once loaded (through its link)',
    (l) => l.endpoint === 'slow' && l.msg === 'loaded',
    60_000,
  );
  const slow = await pollWhileProgressing(
    "the endpoint's counters, which travel with its heartbeats",
    () => slowOf(node),
    (s) => s?.counters !== null && s?.counters !== undefined,
    {
      progress: (s) => s?.counters ?? null,
      stallMs: 30_000,
      intervalMs: 250,
      describe: (s) => `${JSON.stringify(s)}\nnode log:\n${node.tail(20)}`,
    },
  );
  assert.equal(slow?.state, 'running');
  assert.equal(slow?.restarts, 0);
  assert.ok(!node.lines.some((l) => l.endpoint === 'slow' && l.msg === 'link lost'), node.tail());
});
