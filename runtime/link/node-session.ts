/**
 * The node's end of its endpoints' links: the `aes-node` session, published to the node's own
 * endpoint kernels only. `report` (post) carries heartbeats, progress and log lines; `config`
 * (call) answers what a launched endpoint should run; `lease` (call) holds a warm standby until
 * its node holds the endpoint's lease. Garbage is dropped, never thrown at.
 */
import { debuglog } from 'node:util';
import type { Kernel } from '../../cluster/index.js';
import {
  NODE_SESSION,
  endpointOfKernel,
  parseReport,
  type EndpointLaunchConfig,
  type EndpointLeaseAnswer,
  type EndpointReport,
} from './protocol.js';

const trace = debuglog('aes-runtime');

export interface NodeSessionHost {
  /**
   * The launch config of `endpoint`, or `undefined` when the node has no such endpoint;
   * `standby`: the process asking may stand by warm for the lease.
   */
  launchConfig(endpoint: string, standby: boolean): EndpointLaunchConfig | undefined;
  /**
   * A warm standby's wait for the lease (`lease`): the config to run once this node holds it,
   * `null` after `LEASE_WAIT_MS` without; rejects when the node has no such endpoint. Absent on
   * a node that keeps no warm standbys.
   */
  awaitLease?(endpoint: string): Promise<EndpointLeaseAnswer>;
  report(endpoint: string, report: EndpointReport): void;
}

export function installNodeSession(kernel: Kernel, node: string, host: NodeSessionHost): void {
  const endpointOf = (sender: string): string => {
    const endpoint = endpointOfKernel(sender, node);
    if (endpoint === undefined) throw new Error(`'${sender}' is not an endpoint of ${node}`);
    return endpoint;
  };
  kernel.addSession(NODE_SESSION, {
    report: (args, context) => {
      const endpoint = endpointOfKernel(context.sender, node);
      const report = parseReport(args);
      if (endpoint === undefined || report === undefined) {
        trace('dropped a report from %s', context.sender);
        return undefined;
      }
      host.report(endpoint, report);
      return undefined;
    },
    config: (args, context) => {
      const endpoint = endpointOf(context.sender);
      const standby = (args as { standby?: unknown } | null)?.standby === true;
      const config = host.launchConfig(endpoint, standby);
      if (config === undefined) throw new Error(`node ${node} has no endpoint '${endpoint}'`);
      return config;
    },
    lease: (_args, context) => {
      const endpoint = endpointOf(context.sender);
      if (host.awaitLease === undefined) throw new Error(`node ${node} keeps no warm standbys`);
      return host.awaitLease(endpoint);
    },
  });
  kernel.publish(NODE_SESSION, ['report', 'config', 'lease'], {
    allow: (peer) => endpointOfKernel(peer.name, node) !== undefined,
  });
}
