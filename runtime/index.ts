/**
 * The public API of `runtime/`: endpoint base classes with their journal and de-duplication
 * store, progress listeners, the node config, and the supervision policy and process runner.
 */
export * from './errors.js';
export type { JsonPrimitive, JsonValue } from './json.js';
export { encodeJson, decodeJson } from './json.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export { Backoff, type BackoffOptions } from '../util/backoff.js';

export {
  Endpoint,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  ENDPOINT_NAME_PATTERN,
  type CallContext,
  type EndpointOptions,
  type RetryOptions,
  type StopOptions,
} from './endpoint/endpoint.js';
export {
  OutboundEndpointBase,
  OutboundEndpoint,
  DoublePhaseOutboundEndpoint,
  DEFAULT_BATCH_SIZE,
  DEFAULT_IDLE_POLL_INITIAL_MS,
  DEFAULT_IDLE_POLL_MAX_MS,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  MAX_FIFO_ID_LENGTH,
  ENDPOINT_HEADER,
  FIFO_ID_HEADER,
  type FifoRecord,
  type OutboundEndpointOptions,
} from './endpoint/outbound-endpoint.js';
export {
  InboundEndpoint,
  defaultDeadLetter,
  DEFAULT_PREFETCH,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_NACK_DELAY_INITIAL_MS,
  DEFAULT_NACK_DELAY_MAX_MS,
  DEFAULT_DEAD_LETTER_TIMEOUT_MS,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_ENDPOINT_HEADER,
  DEAD_LETTER_FROM_HEADER,
  DEAD_LETTER_AT_HEADER,
  DELIVERY_COUNT_HEADER,
  type Delivery,
  type InboundEndpointOptions,
} from './endpoint/inbound-endpoint.js';
export {
  WAITING_STEPS,
  zeroCounters,
  type CallEvent,
  type CallOutcome,
  type CounterEvent,
  type EndpointCounter,
  type EndpointCounters,
  type EndpointListener,
  type EndpointSnapshot,
  type EndpointStep,
  type ErrorEvent,
  type InboundStep,
  type OutboundStep,
  type StepEvent,
  type WaitingStep,
} from './endpoint/progress.js';
export { OutboundJournal, type JournalEntry } from './store/outbound-journal.js';
export {
  DeliveredStore,
  DEFAULT_DEDUP_MAX_AGE_MS,
  DEFAULT_DEDUP_MAX_ENTRIES,
  type DeliveredStoreOptions,
} from './store/delivered-store.js';
export * from './config/defaults.js';
export {
  CONFIG_SCHEMA,
  DEFAULT_ENDPOINT_SETTINGS,
  deadLetterOf,
  endpointSettings,
  loadConfig,
  parseConfig,
  type BackoffSettings,
  type BrokerConfig,
  type EmbeddedBrokerTlsConfig,
  type EndpointSettings,
  type EndpointSettingsInput,
  type NodeConfig,
  type ParseConfigOptions,
  type PeerAddress,
} from './config/config.js';
export { EndpointLifecycle, type EndpointState, type StateChange } from './supervisor/lifecycle.js';
export {
  RestartPolicy,
  type RestartDecision,
  type RestartPolicyOptions,
} from './supervisor/restart-policy.js';
export {
  HangDetector,
  describeHang,
  type EndpointReports,
  type HangDetectorOptions,
  type HangReason,
} from './supervisor/hang-detector.js';
export {
  EndpointProcess,
  type EndpointProcessListener,
  type EndpointProcessOptions,
  type EndpointProcessSettings,
  type EndpointProcessSnapshot,
} from './supervisor/endpoint-process.js';
export { describeConfig, redactConfig } from './config/describe.js';
export { packageVersion } from './version.js';
export {
  EndpointMetrics,
  CALL_DURATION_BUCKETS_S,
  type EndpointMetricsOptions,
} from './observability/endpoint-collector.js';
export { serveEndpoint, type ServeEndpointOptions } from './endpoint/serve.js';
export { reportTo } from './supervisor/reporter.js';
export {
  Supervisor,
  UnknownEndpointError,
  type SupervisorOptions,
} from './supervisor/supervisor.js';

// The node behind `aes run`, its endpoint link and cluster-wide control.
export {
  NODE_SESSION,
  ENDPOINT_SESSION,
  ENV_ENDPOINT_NAME,
  ENV_ENDPOINT_TOKEN,
  ENV_NODE_NAME,
  ENV_NODE_SOCKET,
  endpointKernelName,
  endpointOfKernel,
  parseReport,
  type EndpointLaunchConfig,
  type EndpointReport,
  type LogLevel,
} from './link/protocol.js';
export { EndpointLink, type EndpointLinkOptions } from './link/endpoint-link.js';
export {
  createLogger,
  loggerOptionsFromEnv,
  type LogFormat,
  type LogRecord,
  type Logger,
  type LoggerOptions,
} from './node/logger.js';
export {
  defineEndpoint,
  type EndpointContext,
  type EndpointFactory,
} from './node/endpoint-module.js';
export { findEndpoints, ENTRY_MODULES, type EndpointEntry } from './node/endpoint-folder.js';
export { runEndpointHost, type EndpointHostOptions } from './node/endpoint-host.js';
export { AesNode, type StartNodeOptions } from './node/node.js';
export { nodeSocketPath, readNodeSecret } from './node/secret.js';
export { CONTROL_SESSION } from './node/control-session.js';
export {
  EndpointNotFoundError,
  connectToNode,
  controlEndpoint,
  fetchClusterStatus,
  type ControlClientOptions,
  type EndpointAction,
} from './node/control.js';
export {
  formatClusterStatus,
  type ClusterStatus,
  type EndpointStatus,
  type NodeStatus,
} from './node/status.js';
