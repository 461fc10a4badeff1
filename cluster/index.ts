/**
 * `aes-endpoint-server/cluster`: the kernel-to-kernel protocol (POE::Component::IKC's semantics).
 * Kernels, sessions and states, publish/retract, post/call/subscribe/monitor/ping, listeners,
 * membership, ClientLite, and the types and errors their callers handle. The codec, links and
 * defaults stay inside. The wire format is specified in docs/protocol.md; the guide is
 * docs/cluster.md.
 */
export { Kernel } from './kernel.js';
export type { KernelInfo, KernelWaitOptions } from './kernel-types.js';
export type { KernelMember } from './membership.js';
export type { KernelRefusal } from './refusals.js';
export type { KernelUnreachableEvent } from './dial-reports.js';
export type {
  KernelCallEvent,
  KernelCallOutcome,
  KernelListener,
  KernelWaitEvent,
} from './kernel-listener.js';
export { ClientLite, type ClientLiteOptions } from './client-lite.js';
export { Listener, type ListenOptions } from './listener.js';
export type { ClusterTlsOptions, KernelOptions } from './options.js';
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
export type { KernelCounters, KernelStats } from './stats.js';
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
export type { BackoffJitterKind, BackoffOptions } from '../util/index.js';
