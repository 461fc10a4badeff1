/**
 * The kernel's public shapes that the modules around it also use (a link's waiters, the
 * lightweight client), in a file of their own so that they need not import the kernel.
 */
import type { PeerIdentity } from './link-types.js';
import type { KernelRole } from './messages.js';

/** A connected kernel as `kernels()` lists it. */
export interface KernelInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly direction: 'inbound' | 'outbound';
  readonly address: string;
  /** The addresses it listens on (what membership dials). */
  readonly listen: readonly string[];
  readonly authenticated: PeerIdentity['authenticated'];
  /** Bulk bytes waiting in the link's queue (bounded by `maxQueueBytes`). */
  readonly queuedBytes: number;
  /** Bytes handed to the socket and not sent yet. */
  readonly socketBytes: number;
}

/** Deadline and cancellation of a network wait. */
export interface KernelWaitOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}
