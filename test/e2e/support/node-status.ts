/** What a running e2e node says of itself on its status page (`/status.json`). */
import assert from 'node:assert/strict';
import type { ClusterStatus, NodeStatus } from '../../../runtime/node/index.js';
import type { RunningNode } from './project.js';

/** The node's own entry of the cluster status it serves; fails the test when it has none. */
export async function ownStatus(node: RunningNode): Promise<NodeStatus> {
  const res = await fetch(`${node.field('http listening', 'url')}/status.json`);
  const body = (await res.json()) as { cluster: ClusterStatus };
  const own = body.cluster.nodes.find((n) => n.node === node.name);
  assert.ok(own !== undefined && own.error === undefined, JSON.stringify(body));
  return own;
}
