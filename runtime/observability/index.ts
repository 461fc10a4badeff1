/**
 * The public API of runtime/observability: the catalogue of every aes metric, the collectors that
 * fill one prom-client registry per node, the endpoint-process reports merged at the node,
 * Prometheus service discovery, and the renderer of docs/metrics.md.
 */
export {
  METRICS,
  CALL_BUCKETS_S,
  CONFIRM_BUCKETS_S,
  FSYNC_BUCKETS_S,
  MAX_QUEUE_SERIES,
  OTHER_QUEUE,
  ENDPOINT_STATES,
  ENDPOINT_EVENTS,
  ENDPOINT_STEPS,
  LINEAGE_DROP_REASONS,
  CALL_OUTCOMES,
  TRANSPORT_STATES,
  TRANSPORT_SCHEMES,
  PEER_STATES,
  CLUSTER_ERROR_CODES,
  getMetricSpec,
  getMetricSpecOrThrow,
  labelNames,
  seriesNames,
  type LabelSpec,
  type MetricGroup,
  type MetricSource,
  type MetricSpec,
  type MetricType,
} from './catalogue.js';
export { MetricsReportError } from './errors.js';
export { LineageMetrics, type LineageDropReason } from './lineage-metrics.js';
export {
  collectClusterMetrics,
  type ClusterCallOutcome,
  type ClusterMetrics,
  type ClusterStatsLike,
  type ClusterStatsSource,
} from './cluster-collector.js';
export {
  collectBrokerMetrics,
  type BrokerCollectorOptions,
  type BrokerStatsSource,
} from './broker-collector.js';
export { TransportMetrics } from './transport-collector.js';
export { SupervisorMetrics } from './supervisor-collector.js';
export {
  snapshotEndpointMetrics,
  parseEndpointMetricsMessage,
  MAX_SAMPLES_PER_FAMILY,
  MAX_LABEL_VALUE_LENGTH,
  type EndpointMetricsMessage,
  type MetricFamilySnapshot,
  type MetricSample,
  type MetricsRetractMessage,
  type MetricsSnapshotMessage,
} from './endpoint-report.js';
export { EndpointMetricsMerger } from './endpoint-merger.js';
export {
  MetricsReporter,
  DEFAULT_METRICS_REPORT_INTERVAL_MS,
  type MetricsReporterOptions,
} from './metrics-reporter.js';
export { NodeMetrics, type NodeMetricsOptions } from './node-metrics.js';
export {
  serviceDiscoveryTargets,
  SD_PATH,
  METRICS_PATH,
  type ClusterMember,
  type ServiceDiscoveryOptions,
  type TargetGroup,
} from './service-discovery.js';
export { renderMetricsDoc, processMetricNames } from './metrics-doc.js';
