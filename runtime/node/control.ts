/**
 * Cluster-wide control: every node publishes `aes-control`, so a tool connected to any node can
 * list the whole cluster and start, stop or restart an endpoint wherever it runs; the node it
 * reached asks the others. Endpoint kernels may not use it.
 */
import { existsSync } from 'node:fs';
import { ClientLite, type Kernel } from '../../cluster/index.js';
import type { NodeConfig } from '../config/config.js';
import { RuntimeError } from '../errors.js';
import { endpointOfKernel } from '../link/protocol.js';
import { nodeSocketPath, readNodeSecret } from './secret.js';
import { clusterTlsOptions, kernelAddress } from './cluster-tls.js';
import type { NodeInfo } from './members.js';
import type { ClusterStatus, NodeStatus, RefusedNode, UnreachableNode } from './status.js';
import { CONTROL_SESSION } from './control-session.js';

/** How long a node waits for each other node's answer. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;

/** `move` applies to endpoints placed by lease (with the node to move to). */
export type EndpointAction = 'start' | 'stop' | 'restart' | 'move';
const ACTIONS: ReadonlySet<string> = new Set(['start', 'stop', 'restart', 'move']);

/** No node in the cluster has an endpoint of that name. */
export class EndpointNotFoundError extends RuntimeError {
  override readonly name = 'EndpointNotFoundError';
  /** `unreachable`: the nodes that could not be asked, each with why; it may be on one of them. */
  constructor(
    readonly endpoint: string,
    readonly unreachable: readonly string[] = [],
  ) {
    super(
      'RUNTIME_BAD_STATE',
      unreachable.length === 0
        ? `no endpoint '${endpoint}' on any node of the cluster`
        : `no endpoint '${endpoint}' on the nodes that answered; not asked, unreachable: ${unreachable.join('; ')}`,
      // Worth trying again: an unreachable node may come back.
      unreachable.length > 0,
    );
  }
}

export interface ControlHost {
  readonly node: string;
  status(): NodeStatus;
  /** The node's name and HTTP URL (for service discovery and the status page). */
  info(): NodeInfo;
  /** Acts on a local endpoint (`to`: where `move` takes it); false when this node has none of that name. */
  act(action: EndpointAction, endpoint: string, to?: string): Promise<boolean>;
  /**
   * Restarts the local warm standby of `endpoint` (placed by lease, held by another node), so
   * that it loads the code in place now; false when there is none. A `restart` also does this on
   * every node it reaches: the owner restarts, the standbys load the same code.
   */
  refreshStandby?(endpoint: string): Promise<boolean>;
}

/** The other nodes this kernel is linked to (not endpoints, not clients). */
export function otherNodes(kernel: Kernel): string[] {
  return kernel
    .kernels()
    .filter((k) => k.role === 'kernel' && !k.name.includes('@'))
    .map((k) => k.name)
    .sort();
}

/**
 * The members this kernel knows and is not linked to — seeds not reached yet, nodes lost —
 * other than itself, the nodes in `linked` and endpoint kernels: the nodes a cluster-wide
 * question could not ask, each with why (`not linked to SELF: …`).
 */
export function unlinkedNodes(
  kernel: Kernel,
  self: string,
  linked: readonly string[],
): { node: string; error: string }[] {
  const gaps: { node: string; error: string }[] = [];
  for (const m of kernel.members()) {
    const name = m.name ?? m.address;
    if (m.connected || m.name === self || name.includes('@') || linked.includes(name)) continue;
    gaps.push({
      node: name,
      error: `not linked to ${self}${m.error === undefined ? '' : `: ${m.error}`}`,
    });
  }
  return gaps;
}

/**
 * Every other node the cluster status must account for: the linked ones, to ask, and every other
 * member membership knows — seeds (by address until first reached), learned, once linked — as
 * unreachable since it was lost or learned.
 */
async function clusterStatus(kernel: Kernel, host: ControlHost): Promise<ClusterStatus> {
  const timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS;
  const members = kernel
    .members()
    .filter((m) => m.name !== host.node && !(m.name ?? '').includes('@'));
  const linked = otherNodes(kernel);
  const toAsk = [
    ...new Set([
      ...linked,
      ...members.flatMap((m) => (m.connected && m.name !== undefined ? [m.name] : [])),
    ]),
  ];
  const asked = await Promise.all(
    toAsk.map(async (node): Promise<ClusterStatus['nodes'][number]> => {
      try {
        return (await kernel.call(`poe://${node}/${CONTROL_SESSION}/status`, null, {
          timeoutMs,
        })) as NodeStatus;
      } catch (err) {
        return { node, error: (err as Error).message, since: new Date().toISOString() };
      }
    }),
  );
  const down: UnreachableNode[] = [];
  for (const m of members) {
    // Connected: asked above (a seed that answered DUPLICATE_LINK is linked under a name not
    // known yet, and listed by that name).
    if (m.connected || toAsk.includes(m.name ?? '')) continue;
    const why = m.error ?? (m.name === undefined ? 'seed not reached yet' : 'not linked yet');
    down.push({
      node: m.name ?? m.address,
      error: `not linked to ${host.node}: ${why}`,
      since: new Date(m.since).toISOString(),
    });
  }
  // Who still reaches the ones we do not: reported, not hidden.
  const answered = asked.filter((n): n is NodeStatus => n.error === undefined);
  const withVia = down.map((n) => {
    const via = answered.filter((a) => a.links?.includes(n.node)).map((a) => a.node);
    return via.length === 0 ? n : { ...n, via };
  });
  const self: NodeStatus = { ...host.status(), links: linked };
  const refused = kernel
    .refusals()
    // Nodes and endpoints refused; a command-line client's wrong secret is logged, not a fault.
    .filter((r) => r.direction === 'inbound' && r.role !== 'client')
    .map((r): RefusedNode => ({
      node: r.name ?? r.address,
      address: r.address,
      code: r.code,
      error: r.message.startsWith(r.code) ? r.message : `${r.code}: ${r.message}`,
      since: new Date(r.since).toISOString(),
      count: r.count,
    }));
  return {
    nodes: [self, ...asked, ...withVia].sort((a, b) => a.node.localeCompare(b.node)),
    ...(refused.length === 0 ? {} : { refused }),
  };
}

interface ActionArgs {
  readonly action: EndpointAction;
  readonly endpoint: string;
  readonly to?: string;
}

function parseAction(args: unknown): ActionArgs {
  const a = args as { action?: unknown; endpoint?: unknown; to?: unknown } | null;
  if (
    typeof a?.action !== 'string' ||
    !ACTIONS.has(a.action) ||
    typeof a.endpoint !== 'string' ||
    (a.to !== undefined && typeof a.to !== 'string') ||
    (a.action === 'move') !== (typeof a.to === 'string')
  ) {
    throw new Error(
      'expected {"action": "start"|"stop"|"restart", "endpoint": NAME} or {"action": "move", "endpoint": NAME, "to": NODE}',
    );
  }
  const action = a.action as EndpointAction;
  return typeof a.to === 'string'
    ? { action, endpoint: a.endpoint, to: a.to }
    : { action, endpoint: a.endpoint };
}

export function installControlSession(kernel: Kernel, host: ControlHost): void {
  const timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS;
  kernel.addSession(CONTROL_SESSION, {
    status: (): NodeStatus => ({ ...host.status(), links: otherNodes(kernel) }),
    info: () => host.info(),
    'cluster-status': () => clusterStatus(kernel, host),
    'endpoint-local': async (args) => {
      const { action, endpoint, to } = parseAction(args);
      return { found: await host.act(action, endpoint, to), node: host.node };
    },
    'standby-refresh': async (args) => {
      const endpoint = (args as { endpoint?: unknown } | null)?.endpoint;
      if (typeof endpoint !== 'string') throw new Error('expected {"endpoint": NAME}');
      return { refreshed: (await host.refreshStandby?.(endpoint)) === true };
    },
    endpoint: async (args) => {
      const parsed = parseAction(args);
      const { action, endpoint, to } = parsed;
      // A restart reaches the warm standbys on the nodes past the owner too (best effort).
      const refreshRest = async (asked: ReadonlySet<string>): Promise<void> => {
        if (action !== 'restart') return;
        const rest = otherNodes(kernel).filter((node) => !asked.has(node));
        await Promise.all(
          rest.map((node) =>
            kernel
              .call(`poe://${node}/${CONTROL_SESSION}/standby-refresh`, { endpoint }, { timeoutMs })
              .catch(() => undefined),
          ),
        );
      };
      if (await host.act(action, endpoint, to)) {
        await refreshRest(new Set());
        return { node: host.node };
      }
      // One node at a time (an endpoint acted on once), going on past a node that does not
      // answer: the endpoint may be on the next. Not found, the answer names the nodes that could
      // not be asked, since it may be on one of them.
      const unreachable: string[] = [];
      const asked = new Set<string>();
      for (const node of otherNodes(kernel)) {
        asked.add(node);
        try {
          const answer = (await kernel.call(
            `poe://${node}/${CONTROL_SESSION}/endpoint-local`,
            parsed,
            { timeoutMs: timeoutMs * 3 },
          )) as { found: boolean };
          if (answer.found) {
            await refreshRest(asked);
            return { node };
          }
        } catch (err) {
          unreachable.push(`${node} (${(err as Error).message})`);
        }
      }
      for (const gap of unlinkedNodes(kernel, host.node, [...asked])) {
        unreachable.push(`${gap.node} (${gap.error})`);
      }
      throw new EndpointNotFoundError(endpoint, unreachable);
    },
  });
  kernel.publish(
    CONTROL_SESSION,
    ['status', 'info', 'cluster-status', 'endpoint-local', 'endpoint', 'standby-refresh'],
    {
      allow: (peer) => endpointOfKernel(peer.name, host.node) === undefined,
    },
  );
}

export interface ControlClientOptions {
  /** Another node's address (`tcp://host:port`); default this config's node, on its socket. */
  readonly address?: string;
  readonly timeoutMs?: number;
}

/** Connects to the node of `config` (its Unix socket when present, else its TCP listener). */
export async function connectToNode(
  config: NodeConfig,
  options: ControlClientOptions = {},
): Promise<ClientLite> {
  const socket = nodeSocketPath(config);
  const tls = clusterTlsOptions(config);
  // A wildcard listener is reached on loopback.
  const host =
    config.cluster.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.cluster.host === '::'
        ? '::1'
        : config.cluster.host;
  const address =
    options.address ??
    (existsSync(socket)
      ? `unix:${socket}`
      : kernelAddress(host, config.cluster.port, tls !== undefined));
  return ClientLite.connect({
    address,
    // The node's certificate, for a node that asks for one (mutual TLS) on its cluster port.
    ...(tls === undefined || address.startsWith('unix:') ? {} : { tls }),
    secret: await readNodeSecret(config),
    timeoutMs: options.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS,
    callTimeoutMs: (options.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS) * 4,
  });
}

/** Every node of the cluster and every endpoint on it. */
export async function fetchClusterStatus(
  config: NodeConfig,
  options: ControlClientOptions = {},
): Promise<ClusterStatus> {
  const client = await connectToNode(config, options);
  try {
    return (await client.call(
      `poe://${client.server.name}/${CONTROL_SESSION}/cluster-status`,
    )) as ClusterStatus;
  } finally {
    await client.close();
  }
}

/** Starts, stops or restarts endpoint `endpoint` on whichever node has it; resolves its node. */
export async function controlEndpoint(
  config: NodeConfig,
  action: EndpointAction,
  endpoint: string,
  options: ControlClientOptions & { readonly to?: string } = {},
): Promise<string> {
  const client = await connectToNode(config, options);
  try {
    const args =
      options.to === undefined ? { action, endpoint } : { action, endpoint, to: options.to };
    const answer = (await client.call(
      `poe://${client.server.name}/${CONTROL_SESSION}/endpoint`,
      args,
    )) as { node: string };
    return answer.node;
  } finally {
    await client.close();
  }
}
