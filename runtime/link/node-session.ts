/**
 * The node's end of its endpoints' links: the `aes-node` session, published to the node's own
 * endpoint kernels only. `report` (post) carries heartbeats, progress and log lines; `config`
 * (call) answers what a launched endpoint should run. Garbage is dropped, never thrown at.
 */
import { debuglog } from 'node:util';
import type { Kernel } from '../../cluster/index.js';
import {
  NODE_SESSION,
  endpointOfKernel,
  parseReport,
  type EndpointLaunchConfig,
  type EndpointReport,
} from './protocol.js';

const trace = debuglog('aes-runtime');

export interface NodeSessionHost {
  /** The launch config of `endpoint`, or `undefined` when the node has no such endpoint. */
  launchConfig(endpoint: string): EndpointLaunchConfig | undefined;
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
    config: (_args, context) => {
      const endpoint = endpointOf(context.sender);
      const config = host.launchConfig(endpoint);
      if (config === undefined) throw new Error(`node ${node} has no endpoint '${endpoint}'`);
      return config;
    },
  });
  kernel.publish(NODE_SESSION, ['report', 'config'], {
    allow: (peer) => endpointOfKernel(peer.name, node) !== undefined,
  });
}
