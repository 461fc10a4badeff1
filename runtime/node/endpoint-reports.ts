/**
 * What a node does with each report of an endpoint process over its link: heartbeats, progress
 * and a warm standby's reports feed supervision, metric snapshots the node's `/metrics`, log
 * lines its log, broker reports its readiness, and records' steps its lineage index.
 */
import type { EndpointLineageReport, EndpointReport } from '../link/protocol.js';
import type { NodeMetrics } from '../observability/node-metrics.js';
import { nextBrokerView } from './broker-health.js';
import type { LineageIndex } from './lineage-index.js';
import type { Managed } from './managed-endpoint.js';

export interface ReportHost {
  readonly node: string;
  /** Endpoint metric reports are merged into `endpoints`; lost lineage steps counted in `lineage`. */
  readonly metrics: Pick<NodeMetrics, 'endpoints' | 'lineage'>;
  /** The node's lineage index; undefined while it opens or after it closed. */
  readonly lineage: LineageIndex | undefined;
  /** An endpoint's broker connection changed: judge readiness again. */
  brokerChanged(): void;
  /** The endpoint's warm standby reported: it is loaded and waits for the lease. */
  standby?(): void;
}

export function applyEndpointReport(
  host: ReportHost,
  endpoint: string,
  managed: Managed,
  report: EndpointReport,
): void {
  switch (report.kind) {
    case 'heartbeat':
      managed.process.reports.heartbeat();
      managed.activity.heartbeat(report, Date.now());
      managed.counters = managed.activity.totals();
      managed.lastError = report.lastError;
      break;
    case 'progress':
      managed.process.reports.progress(report.step, report.sinceMs);
      managed.activity.progress(report);
      break;
    case 'standby':
      managed.process.reports.heartbeat();
      host.standby?.();
      break;
    case 'metrics-snapshot':
    case 'metrics-retract':
      try {
        host.metrics.endpoints.apply(endpoint, report);
      } catch (err) {
        managed.log.warn(`metrics report rejected: ${(err as Error).message}`);
      }
      break;
    case 'log':
      managed.log[report.level](report.msg, report.fields);
      break;
    case 'broker':
      // A late report of a process that is gone says nothing about the next one.
      if (!managed.attached && !/^(running|stopping)$/.test(managed.process.state)) break;
      managed.broker = nextBrokerView(managed.broker, report);
      host.brokerChanged();
      break;
    case 'lineage':
      applyLineageReport(host, endpoint, managed, report);
      break;
  }
}

/** Adds the steps to the index, and counts every step that never gets there. */
function applyLineageReport(
  host: ReportHost,
  endpoint: string,
  managed: Managed,
  report: EndpointLineageReport,
): void {
  const drops = host.metrics.lineage;
  const index = host.lineage;
  const events = report.events.length;
  if (index === undefined || index.closed) {
    drops.dropped(endpoint, 'no-index', events);
  } else {
    drops.dropped(endpoint, 'malformed', events - index.add(host.node, endpoint, report.events));
  }
  drops.dropped(endpoint, 'endpoint-queue-full', report.dropped);
  drops.dropped(endpoint, 'link-down', report.lost);
  if (report.dropped > 0) {
    managed.log.warn(`${report.dropped} lineage step(s) dropped: the node took them too slowly`);
  }
  if (report.lost > 0) {
    managed.log.warn(`${report.lost} lineage step(s) lost while the link to the node was down`);
  }
}
