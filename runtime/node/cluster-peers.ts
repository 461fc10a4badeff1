/**
 * What a node says about its cluster in its log: the addresses other nodes are told to dial
 * (and a warning when nodes on other hosts could not reach it at all), and every peer node
 * linked, lost (warn, with the reason), back or left (info). Endpoint processes (`<endpoint>@<node>`)
 * and clients (`aes status`, `aes post`) are not peer nodes.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Kernel } from '../../cluster/index.js';
import { isLoopbackHost } from '../../cluster/internal.js';
import type { NodeConfig } from '../config/config.js';
import type { Logger } from './logger.js';

/**
 * The start-up warning of a node that other hosts cannot reach: it advertises no address but
 * loopback or its Unix socket, yet it is bound beyond loopback or joins a seed on another host.
 */
export function advertiseWarning(
  config: NodeConfig,
  advertised: readonly string[],
): string | undefined {
  if (advertised.length > 0) return undefined;
  const { host, port, seeds } = config.cluster;
  const elsewhere = !isLoopbackHost(host) || seeds.some((s) => !isLoopbackHost(s.host));
  if (!elsewhere) return undefined;
  return `cluster: no address that nodes on other hosts can dial (listening on ${host}:${port}, no non-loopback interface found); set cluster.advertise to an address of this host they can reach`;
}

/**
 * The start-up warning of a node that advertises an IP address none of its interfaces has: right
 * behind NAT or a port forward, a typo otherwise — and then every node that dials it fails (each
 * logs `cannot reach … (advertised by …)`). Host names are not looked up here.
 */
export function foreignAdvertiseWarning(
  config: NodeConfig,
  interfaces: typeof networkInterfaces = networkInterfaces,
): string | undefined {
  const own = new Set(
    Object.values(interfaces())
      .flat()
      .map((i) => i?.address),
  );
  const foreign = (config.cluster.advertise ?? [])
    .filter((a) => isIP(a.host) !== 0 && !own.has(a.host))
    .map((a) => `${a.host}:${a.port}`);
  if (foreign.length === 0) return undefined;
  return `cluster: cluster.advertise ${foreign.join(', ')} is not an address of this host; right behind NAT or a port forward, else other nodes cannot dial this node`;
}

/** Logs peer nodes linked, lost, back and left; returns the function that stops it. */
export function watchPeerNodes(kernel: Kernel, log: Logger, now = Date.now): () => void {
  const nodes = new Set<string>();
  const downSince = new Map<string, number>();
  return kernel.monitor('*', {
    register: (e) => {
      if (e.role !== 'kernel' || e.kernel.includes('@')) return;
      nodes.add(e.kernel);
      const since = downSince.get(e.kernel);
      downSince.delete(e.kernel);
      if (since === undefined) log.info('peer node linked', { peer: e.kernel, address: e.address });
      else {
        log.info('peer node back', { peer: e.kernel, address: e.address, downMs: now() - since });
      }
    },
    unregister: (e) => {
      if (!nodes.has(e.kernel) || e.cause === 'shutdown') return;
      downSince.set(e.kernel, now());
      if (e.cause === 'lost') log.warn('peer node lost', { peer: e.kernel, reason: e.reason });
      else log.info('peer node left', { peer: e.kernel, reason: e.reason });
    },
  });
}

/**
 * The other nodes (`MemberDirectory.others()`) by state, for `aes_cluster_peers`: linked, being
 * redialed, or no longer redialed.
 */
export function peerStates(
  others: readonly { readonly connected: boolean; readonly redialing?: boolean }[],
): { connected: number; reconnecting: number; down: number } {
  const states = { connected: 0, reconnecting: 0, down: 0 };
  for (const o of others) {
    if (o.connected) states.connected += 1;
    else if (o.redialing === false) states.down += 1;
    else states.reconnecting += 1;
  }
  return states;
}
