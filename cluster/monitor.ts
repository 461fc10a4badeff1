/**
 * `monitor(kernel | '*', callbacks)`: typed events about other kernels — who registers and
 * leaves, subscriptions, channels, errors with the operation they concern, and shutdown.
 */
import { debuglog } from 'node:util';
import type { ClusterError, ClusterErrorCode } from './errors.js';
import type { ErrorOperation, KernelRole } from './messages.js';

const trace = debuglog('aes-cluster');

export interface RegisterEvent {
  readonly kernel: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  /** Where the link goes (outbound) or comes from (inbound). */
  readonly address: string;
  readonly direction: 'inbound' | 'outbound';
}
export interface UnregisterEvent {
  readonly kernel: string;
  /** `left`: the peer said goodbye; `lost`: the connection died (crash, network, heartbeat). */
  readonly cause: 'left' | 'lost' | 'shutdown' | 'disconnected';
  readonly reason: string;
}
export interface SubscribeEvent {
  readonly kernel: string;
  readonly session: string;
  readonly states: readonly string[];
  /** `local`: we subscribed to `kernel`'s session; `remote`: `kernel` subscribed to ours. */
  readonly direction: 'local' | 'remote';
}
export interface UnsubscribeEvent {
  readonly kernel: string;
  readonly session: string;
  readonly direction: 'local' | 'remote';
  readonly cause: 'requested' | 'retracted' | 'unregistered';
  /** For `retracted`: the states withdrawn, and those still published. */
  readonly states: readonly string[];
  readonly remaining: readonly string[];
}
export interface ChannelEvent {
  /** Undefined for a connection that closed before the peer named itself. */
  readonly kernel: string | undefined;
  readonly event: 'ready' | 'close';
  readonly address: string;
  readonly reason: string;
}
export interface MonitorErrorEvent {
  /** The peer concerned, when known. */
  readonly kernel: string | undefined;
  /** `local`: this kernel found the fault; `remote`: a peer reported it to us. */
  readonly side: 'local' | 'remote';
  readonly op: ErrorOperation;
  readonly code: ClusterErrorCode;
  readonly message: string;
  /** The state or session concerned, when there is one (`session/state`). */
  readonly ref: string | undefined;
  readonly address: string;
  readonly error: ClusterError;
}
export interface ShutdownEvent {
  readonly reason: string;
}

/** The callbacks of one monitor; all optional. */
export interface MonitorCallbacks {
  register?(event: RegisterEvent): void;
  unregister?(event: UnregisterEvent): void;
  subscribe?(event: SubscribeEvent): void;
  unsubscribe?(event: UnsubscribeEvent): void;
  channel?(event: ChannelEvent): void;
  error?(event: MonitorErrorEvent): void;
  shutdown?(event: ShutdownEvent): void;
}

type EventOf<K extends keyof MonitorCallbacks> = Parameters<NonNullable<MonitorCallbacks[K]>>[0];

interface Registration {
  readonly target: string;
  readonly callbacks: MonitorCallbacks;
}

export class MonitorRegistry {
  #registrations: Registration[] = [];
  readonly #resolve: (nameOrAlias: string) => string;

  /** `resolve` maps an alias to its kernel's name (identity when unknown). */
  constructor(resolve: (nameOrAlias: string) => string) {
    this.#resolve = resolve;
  }

  add(target: string, callbacks: MonitorCallbacks): () => void {
    const registration: Registration = { target, callbacks };
    this.#registrations = [...this.#registrations, registration];
    return () => {
      this.#registrations = this.#registrations.filter((r) => r !== registration);
    };
  }

  get size(): number {
    return this.#registrations.length;
  }

  /** Delivers to monitors of `kernel` and of `*`; a throwing callback never reaches the kernel. */
  emit<K extends keyof MonitorCallbacks>(
    kind: K,
    kernel: string | undefined,
    event: EventOf<K>,
  ): void {
    for (const r of this.#registrations) {
      if (r.target !== '*' && (kernel === undefined || this.#resolve(r.target) !== kernel))
        continue;
      const callback = r.callbacks[kind] as ((e: EventOf<K>) => void) | undefined;
      if (callback === undefined) continue;
      try {
        callback.call(r.callbacks, event);
      } catch (err) {
        trace(
          'monitor %s callback threw: %s',
          kind,
          err instanceof Error ? err.message : String(err),
        );
      }
    }
  }
}
