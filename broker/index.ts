/**
 * `aes-endpoint-server/broker`: the embedded durable STOMP broker (STOMP 1.0/1.1/1.2) that `aes
 * run` starts when no external broker is configured, and `aes broker` runs alone. What starting one
 * needs: the function, its options, the running handle with its listener and statistics, and the
 * errors it raises. Its frame codec, store and defaults stay inside. See docs/broker.md.
 */
export { startBroker, type BrokerHandle, type BrokerListener, type BrokerStats } from './broker.js';
export type { UnreadableMessage } from './router.js';
export { describeQuarantined, type QuarantinedRecord } from './quarantine.js';
export type { StoreFailure } from './store-health.js';
export type { QueueStats } from './queue.js';
export type { BrokerTlsOptions } from './tls-options.js';
export type { BrokerOptions, InternalListenerOptions, ResolvedBrokerOptions } from './options.js';
export {
  BrokerError,
  BrokerOptionsError,
  BrokerStoreError,
  FrameError,
  StompProtocolError,
  type BrokerErrorCode,
} from './errors.js';
