/**
 * `aes-endpoint-server/node`: embedding a node, as `aes run` does. `AesNode`, the node config
 * (loading, checking, describing), the structured logger a node writes to, the cluster-wide status
 * and endpoint control behind `aes status` and `aes endpoint start|stop|restart`, records'
 * lineage behind `aes trace`, and the errors
 * these raise. Endpoint authors need none of it: their entry is the package's root,
 * `aes-endpoint-server`.
 */
export { AesNode, type StartNodeOptions } from './node.js';
export { checkConfigFile, checkNodeConfig, type CheckedConfig } from './check-config.js';
export type { ReloadResult } from './reload.js';
export type { EndpointEntry } from './endpoint-folder.js';
export type { NodeInfo } from './members.js';
export type { EndpointState } from '../supervisor/lifecycle.js';
export type { EndpointCounters } from '../endpoint/progress.js';
export type { Destination } from '../../transports/index.js';
export {
  loadConfig,
  parseConfig,
  type BackoffSettings,
  type BrokerConfig,
  type ClusterTlsConfig,
  type CoordinationConfig,
  type EmbeddedBrokerTlsConfig,
  type EndpointSettings,
  type EndpointSettingsInput,
  type NodeConfig,
  type ParseConfigOptions,
  type PeerAddress,
} from '../config/config.js';
export { describeConfig, redactConfig } from '../config/describe.js';
export {
  ConfigError,
  ConfigReadError,
  LockedError,
  PortInUseError,
  RuntimeError,
  SpawnError,
  type ConfigIssue,
  type RuntimeErrorCode,
} from '../errors.js';
export {
  createLogger,
  loggerOptionsFromEnv,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type LogRecord,
} from './logger.js';
export {
  controlEndpoint,
  EndpointNotFoundError,
  fetchClusterStatus,
  type ControlClientOptions,
  type EndpointAction,
} from './control.js';
export {
  clusterHasFaults,
  formatClusterStatus,
  type ClusterStatus,
  type EndpointBrokerStatus,
  type EndpointLeaseStatus,
  type EndpointStatus,
  type NodeStatus,
  type RefusedNode,
  type UnreachableNode,
} from './status.js';
export {
  DEFAULT_TRACE_TIMEOUT_MS,
  formatRecordTrace,
  traceRecord,
  TraceNotFoundError,
  type RecordTrace,
  type TraceGap,
  type TraceOptions,
} from './lineage-trace.js';
export type { LineageEntry } from './lineage-index.js';
export type { LineageEvent, LineageStep } from '../endpoint/lineage.js';
export type { TableStyle } from '../table-style.js';
