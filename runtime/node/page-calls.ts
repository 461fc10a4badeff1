/**
 * What the status page asks of the cluster through the node's own control session: every
 * endpoint's status, and start / stop / restart wherever an endpoint runs.
 */
import type { Kernel } from '../../cluster/index.js';
import { EndpointNotFoundError, type EndpointAction } from './control.js';
import { CONTROL_SESSION } from './control-session.js';
import { HttpStatusError } from './http-server.js';
import type { Member } from './members.js';
import type { ClusterStatus, NodeStatus } from './status.js';

export interface PageStatus {
  readonly node: string;
  readonly members: readonly Member[];
  readonly cluster: ClusterStatus;
}

/** What `/status.json` serves: the members and every endpoint of the cluster. */
export async function pageStatus(
  kernel: Kernel | undefined,
  node: string,
  members: Promise<readonly Member[]>,
  local: () => NodeStatus,
): Promise<PageStatus> {
  const [listed, cluster] = await Promise.all([
    members,
    kernel === undefined
      ? { nodes: [local()] }
      : (kernel.call(`poe://${node}/${CONTROL_SESSION}/cluster-status`) as Promise<ClusterStatus>),
  ]);
  return { node, members: listed, cluster };
}

/** Start, stop or restart an endpoint on whichever node has it (the status page's buttons). */
export async function actAnywhere(
  kernel: Kernel | undefined,
  node: string,
  action: EndpointAction,
  endpoint: string,
): Promise<string> {
  if (kernel === undefined) throw new HttpStatusError(503, 'the node is starting');
  try {
    const answer = (await kernel.call(`poe://${node}/${CONTROL_SESSION}/endpoint`, {
      action,
      endpoint,
    })) as { node: string };
    return answer.node;
  } catch (err) {
    if (err instanceof EndpointNotFoundError) throw new HttpStatusError(404, err.message);
    throw err;
  }
}
