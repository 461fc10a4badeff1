/**
 * The kernel-to-kernel protocol (POE::Component::IKC's semantics): kernels, sessions and states,
 * publish/retract, post/call/subscribe/monitor/ping, listeners, membership, and ClientLite.
 * The wire format is specified in docs/protocol.md.
 */
export { Kernel } from './kernel.js';
export type { KernelInfo, KernelWaitOptions } from './kernel-types.js';
export type {
  KernelCallEvent,
  KernelCallOutcome,
  KernelListener,
  KernelWaitEvent,
} from './kernel-listener.js';
export { ClientLite, type ClientLiteOptions } from './client-lite.js';
export {
  Listener,
  DEFAULT_LISTEN_ADDRESS,
  DEFAULT_MAX_CONNECTIONS,
  type ListenOptions,
} from './listener.js';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT_CALLS,
  DEFAULT_MAX_QUEUE_BYTES,
  type ClusterTlsOptions,
  type KernelOptions,
} from './options.js';
export type {
  Authorization,
  PublishedSession,
  SessionOptions,
  StateContext,
  StateHandler,
} from './sessions.js';
export type {
  ChannelEvent,
  MonitorCallbacks,
  MonitorErrorEvent,
  RegisterEvent,
  ShutdownEvent,
  SubscribeEvent,
  UnregisterEvent,
  UnsubscribeEvent,
} from './monitor.js';
export { RemoteSession } from './remote-session.js';
export type { SubscribeResult } from './subscriptions.js';
export { createCounters, type KernelStats, type KernelCounters } from './stats.js';
export {
  ANY_KERNEL,
  formatSessionSpec,
  formatStateSpec,
  parseSessionSpec,
  parseStateSpec,
  type SessionSpec,
  type StateSpec,
} from './specifier.js';
export { formatAddress, parseAddress, type Address } from './address.js';
export {
  CallError,
  ClusterError,
  ERROR_CODES,
  HandshakeError,
  ProtocolError,
  QueueFullError,
  RemoteError,
  UsageError,
  type ClusterErrorCode,
} from './errors.js';
export type { ErrorOperation, KernelRole } from './messages.js';
export type { PeerIdentity } from './link-types.js';
export { Backoff, type BackoffOptions } from '../util/backoff.js';
export {
  DEFAULT_CLIENT_TIMEOUT_MS,
  callOnce,
  clientOptionsFrom,
  parseJsonArgument,
  pingOnce,
  postOnce,
  type ClientFlags,
} from './client-commands.js';
