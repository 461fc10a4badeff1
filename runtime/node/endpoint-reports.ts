/**
 * What a node does with each report of an endpoint process over its link: heartbeats, progress
 * and a warm standby's reports feed supervision, metric snapshots the node's `/metrics`, log lines its log, broker
 * reports its readiness, and records' steps its lineage index.
 */
import type { EndpointReport } from '../link/protocol.js';
import type { EndpointMetricsMerger } from '../observability/endpoint-merger.js';
import { nextBrokerView } from './broker-health.js';
import type { LineageIndex } from './lineage-index.js';
import type { Managed } from './managed-endpoint.js';

export interface ReportHost {
  readonly node: string;
  readonly metrics: Pick<EndpointMetricsMerger, 'apply'>;
  /** The node's lineage index; undefined while it opens or after it closed. */
  readonly lineage: LineageIndex | undefined;
  /** An endpoint's broker connection changed: judge readiness again. */
  brokerChanged(): void;
  /** The endpoint's warm standby reported: it is loaded and waits for the lease. */
  standby(): void;
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
      host.standby();
      break;
    case 'metrics-snapshot':
    case 'metrics-retract':
      try {
        host.metrics.apply(endpoint, report);
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
      host.lineage?.add(host.node, endpoint, report.events);
      if (report.dropped > 0) {
        managed.log.warn(
          `${report.dropped} lineage step(s) dropped: the node took them too slowly`,
        );
      }
      break;
  }
}
