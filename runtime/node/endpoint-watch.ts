/**
 * What a node does with its supervisor's events: metrics for every change, exit and hang; each
 * endpoint's state changes and output lines in its log; and what a state change means for what
 * the node keeps of the endpoint (`processStateChanged`).
 */
import type { EndpointProcessListener } from '../supervisor/endpoint-process.js';
import type { SupervisorMetrics } from '../observability/supervisor-collector.js';
import type { Managed } from './managed-endpoint.js';
import { logOutputLine, type Logger } from './logger.js';
import { logEndpointChange } from './log-levels.js';
import { processStateChanged } from './endpoint-status.js';

export function watchEndpoints(
  watch: SupervisorMetrics,
  endpoints: ReadonlyMap<string, Managed>,
  log: Logger,
): EndpointProcessListener {
  return {
    stateChange: (c) => {
      watch.stateChange(c);
      const managed = endpoints.get(c.endpoint);
      if (managed !== undefined) logEndpointChange(managed.log, c);
      if (managed !== undefined) processStateChanged(managed, c.to, Date.now());
    },
    output: (o) =>
      logOutputLine(
        endpoints.get(o.endpoint)?.log ?? log.child({ endpoint: o.endpoint }),
        o.stream,
        o.line,
      ),
    exit: (e) => watch.exit(e),
    hang: (h) => {
      watch.hang(h);
      endpoints.get(h.endpoint)?.log.error('hung; terminating', { ...h.reason });
    },
  };
}
