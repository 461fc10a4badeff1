/**
 * `aes-endpoint-server` (also `aes-endpoint-server/runtime`, kept for existing projects): what
 * endpoint authors use. The endpoint base classes and their options, `defineEndpoint` with the
 * context a node hands an entry module, the record and delivery types, progress listeners and
 * metrics, `serveEndpoint`, and the errors an endpoint raises. Embedding a node is
 * `aes-endpoint-server/node`; the node's internals (supervision, the endpoint link, its secret, the
 * stores) are not exported.
 */
export {
  AbortedError,
  BadRecordError,
  CallTimeoutError,
  LockedError,
  OptionError,
  RuntimeError,
  StateError,
  StoreError,
  type RuntimeErrorCode,
} from './errors.js';
export type { JsonPrimitive, JsonValue } from './json.js';
export type { Clock, TimerHandle } from './clock.js';
export { Backoff, type BackoffJitterKind, type BackoffOptions } from '../util/index.js';
export type { Destination, MessageHeaders } from '../transports/index.js';

export {
  DEFAULT_CALL_TIMEOUT_MS,
  Endpoint,
  type CallContext,
  type EndpointOptions,
  type RetryOptions,
  type StopOptions,
} from './endpoint/endpoint.js';
export {
  DoublePhaseOutboundEndpoint,
  ENDPOINT_HEADER,
  FIFO_ID_HEADER,
  POPPED_AT_HEADER,
  OutboundEndpoint,
  OutboundEndpointBase,
  type FifoRecord,
  type OutboundEndpointOptions,
} from './endpoint/outbound-endpoint.js';
export {
  InboundEndpoint,
  type Delivery,
  type InboundEndpointOptions,
} from './endpoint/inbound-endpoint.js';
export {
  DEAD_LETTER_AT_HEADER,
  DEAD_LETTER_ENDPOINT_HEADER,
  DEAD_LETTER_FROM_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DELIVERY_COUNT_HEADER,
} from './endpoint/dead-letter.js';
export {
  WAITING_STEPS,
  type CallEvent,
  type CallOutcome,
  type CounterEvent,
  type EndpointCounter,
  type EndpointCounters,
  type EndpointListener,
  type EndpointQueues,
  type EndpointSnapshot,
  type EndpointStep,
  type ErrorEvent,
  type InboundStep,
  type LatencyEvent,
  type OutboundStep,
  type StepEvent,
  type WaitingStep,
} from './endpoint/progress.js';
export type { LineageEvent, LineageStep } from './endpoint/lineage.js';
export {
  EndpointMetrics,
  type EndpointMetricsOptions,
} from './observability/endpoint-collector.js';
export { serveEndpoint, type ServeEndpointOptions } from './endpoint/serve.js';

// An endpoint folder's entry module: the factory a node calls, and what it is given.
export {
  defineEndpoint,
  type EndpointContext,
  type EndpointFactory,
} from './node/endpoint-module.js';
export type { BackoffSettings, EndpointSettings } from './config/config.js';
export type { Logger, LogLevel } from './node/logger.js';
export type { EndpointFence, FencedStore } from './store/engine-fence.js';
