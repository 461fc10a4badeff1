/**
 * The embedded durable STOMP broker (STOMP 1.0/1.1/1.2) that `aes run` starts when no external
 * broker is configured, and `aes broker` runs alone. See docs/broker.md.
 */
export { startBroker, type BrokerHandle, type BrokerListener, type BrokerStats } from './broker.js';
export type { UnreadableMessage } from './router.js';
export type { QueueStats } from './queue.js';
export type { BrokerTlsOptions } from './tls-options.js';
export {
  parseBrokerOptions,
  type BrokerOptions,
  type ResolvedBrokerOptions,
  type InternalListenerOptions,
  INTERNAL_LISTENER_HOST,
  DEFAULT_BROKER_PORT,
  DEFAULT_BROKER_HOST,
  isLoopbackHost,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_HEADERS,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_TRANSACTION_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_HEARTBEAT_SEND_MS,
  DEFAULT_HEARTBEAT_RECEIVE_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_PREFETCH,
  DEFAULT_DEAD_LETTER_SUFFIX,
  DEFAULT_STORE_COMMIT_DELAY_MS,
} from './options.js';
export {
  BrokerError,
  BrokerOptionsError,
  FrameError,
  StompProtocolError,
  BrokerStoreError,
  type BrokerErrorCode,
} from './errors.js';
export { StompFrameDecoder, type DecoderLimits } from './decoder.js';
export {
  encodeFrame,
  escapeHeader,
  unescapeHeader,
  SUPPORTED_VERSIONS,
  type StompFrame,
  type HeaderList,
  type StompVersion,
} from './frame.js';
