/**
 * The types a link shares with the modules around it: its states and direction, its tunables,
 * who the peer turned out to be, and what the handshake needs from the kernel. A file of their
 * own so that the handshake, the options and the kernel's tables can name them without importing
 * the link, which imports the handshake.
 */
import type { KernelRole } from './messages.js';

export type LinkState = 'connecting' | 'handshaking' | 'ready' | 'closing' | 'closed';
export type LinkDirection = 'outbound' | 'inbound';

/** Tunables every link of a kernel shares. */
export interface LinkSettings {
  readonly handshakeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
}

/** Who the peer turned out to be. */
export interface PeerIdentity {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly listen: readonly string[];
  readonly incarnation: string;
  readonly version: number;
  readonly authenticated: 'hmac' | 'tls' | 'none';
  /**
   * What the peer said of resumed calls (its handshake's `resume`): undefined, it never resends
   * a call; otherwise it may, and it remembers the calls it ran for this many ms (0: not at all,
   * so calls to it are not resent).
   */
  readonly resume: number | undefined;
}

/** What the handshake needs from the kernel: who we are, and the secrets to prove it. */
export interface HandshakeHost {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly incarnation: string;
  readonly allowUnauthenticated: boolean;
  /** How long this kernel remembers the calls it ran (the handshake's `resume`). */
  readonly callMemoryMs: number;
  /** The addresses to tell a peer: host-local ones (Unix, loopback) only to one on this host. */
  listenAddresses(sameHost: boolean): readonly string[];
  secretFor(peer: string): string | Buffer | undefined;
}
