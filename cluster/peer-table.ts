/**
 * The kernels this kernel is linked to, by name and alias: who may join (unique names, one link
 * per pair of kernels), what happens when a link is ready (register, channel ready, gossip of the
 * mesh) and when it closes (unregister with its cause, subscriptions dropped, redial).
 */
import { debuglog } from 'node:util';
import { ClusterError, HandshakeError } from './errors.js';
import type { KernelInfo } from './kernel-types.js';
import type { Link } from './link.js';
import type { LinkCloseCause } from './outgoing-calls.js';
import type { PeerIdentity } from './link-types.js';
import type { Membership } from './membership.js';
import { FrameType, type HelloMessage, type PeerEntry } from './messages.js';
import { addressesFor } from './advertise.js';
import { probeStale } from './stale-link.js';
import { encodePeers } from './message-encoding.js';
import type { MonitorRegistry } from './monitor.js';

const trace = debuglog('aes-cluster');

export interface PeerTableHost {
  readonly name: string;
  readonly monitors: MonitorRegistry;
  readonly membership: Membership;
  isLocal(name: string): boolean;
  isClosing(): boolean;
  /** How long a linked kernel's old link has to answer a ping when a namesake arrives. */
  readonly staleProbeTimeoutMs: number;
  /** A kernel unregistered: drop what it subscribed to and what we subscribed to on it. */
  kernelGone(name: string): void;
}

/** A ready link's kernel, as `Kernel.kernels()` lists it. */
export function kernelInfo(link: Link): KernelInfo {
  const peer = link.peer as PeerIdentity;
  return {
    name: peer.name,
    aliases: peer.aliases,
    role: peer.role,
    direction: link.direction,
    address: link.remoteAddress,
    listen: peer.listen,
    authenticated: peer.authenticated,
    queuedBytes: link.queuedBytes,
    socketBytes: link.socketBytes,
  };
}

export class PeerTable {
  readonly #host: PeerTableHost;
  /** Ready links by peer name. */
  readonly #links = new Map<string, Link>();
  readonly #aliasToName = new Map<string, string>();
  readonly #leaving = new WeakSet<Link>();
  readonly #disconnecting = new WeakSet<Link>();
  /** Links that did not answer the probe of a newcomer of their name, and why: to be replaced. */
  readonly #stale = new WeakMap<Link, string>();

  constructor(host: PeerTableHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#links.size;
  }

  has(name: string): boolean {
    return this.#links.has(name);
  }

  /** A kernel's name from one of its aliases (the argument itself when unknown). */
  resolveName(nameOrAlias: string): string {
    return this.#aliasToName.get(nameOrAlias) ?? nameOrAlias;
  }

  linkFor(nameOrAlias: string): Link | undefined {
    return (
      this.#links.get(nameOrAlias) ?? this.#links.get(this.#aliasToName.get(nameOrAlias) ?? '')
    );
  }

  links(): Link[] {
    return [...this.#links.values()];
  }

  /** Ready links to kernels (not ClientLite clients). */
  kernelLinks(): Link[] {
    const out: Link[] = [];
    for (const link of this.#links.values()) if (link.peer?.role === 'kernel') out.push(link);
    return out;
  }

  /** The peer said BYE: its unregister will have cause `left`. */
  markLeaving(link: Link): void {
    this.#leaving.add(link);
  }

  /** This kernel closes the link (`disconnect`): its unregister will have cause `disconnected`. */
  markDisconnecting(link: Link): void {
    this.#disconnecting.add(link);
  }

  /**
   * May this HELLO (from the connection at `from`) join? Returns the refusal, or undefined; a
   * promise when the name is linked under another incarnation and the old link is probed first
   * (see stale-link.ts).
   */
  admit(
    hello: HelloMessage,
    from: string,
  ): ClusterError | undefined | Promise<ClusterError | undefined> {
    const host = this.#host;
    if (host.isClosing())
      return new ClusterError('SHUTDOWN', `kernel '${host.name}' is shutting down`);
    if (host.isLocal(hello.name)) {
      return new ClusterError(
        'NAME_TAKEN',
        `'${hello.name}' is the name of the kernel you connected to`,
      );
    }
    const existing = this.linkFor(hello.name);
    if (existing?.peer !== undefined) {
      if (existing.peer.incarnation === hello.incarnation) {
        return new ClusterError('DUPLICATE_LINK', `already linked to '${hello.name}'`);
      }
      if (existing.peer.name !== hello.name) {
        return new HandshakeError(
          'NAME_TAKEN',
          `'${hello.name}' is an alias of linked kernel '${existing.peer.name}'`,
        );
      }
      return probeStale(existing, host.staleProbeTimeoutMs).then((stale) => {
        if (stale === undefined) return nameTaken(host.name, hello, from, existing);
        this.#stale.set(existing, stale);
        return this.nameClash(hello.name, hello.aliases);
      });
    }
    return this.nameClash(hello.name, hello.aliases);
  }

  /**
   * NAME_TAKEN when one of a peer's aliases is this kernel's name or alias, or the name or alias
   * of another linked kernel: a peer may not take over the routing of a name it does not own.
   */
  nameClash(peerName: string, aliases: readonly string[]): ClusterError | undefined {
    for (const a of aliases) {
      if (this.#host.isLocal(a)) {
        return new HandshakeError(
          'NAME_TAKEN',
          `alias '${a}' of '${peerName}' is a name of kernel '${this.#host.name}'`,
        );
      }
      const owner = this.#links.has(a) ? a : this.#aliasToName.get(a);
      if (owner !== undefined && owner !== peerName) {
        return new HandshakeError(
          'NAME_TAKEN',
          `alias '${a}' of '${peerName}' is already a name or alias of linked kernel '${owner}'`,
        );
      }
    }
    const owner = this.#aliasToName.get(peerName);
    if (owner !== undefined && owner !== peerName) {
      return new HandshakeError(
        'NAME_TAKEN',
        `'${peerName}' is already an alias of linked kernel '${owner}'`,
      );
    }
    return undefined;
  }

  ready(link: Link): void {
    const host = this.#host;
    const peer = link.peer as PeerIdentity;
    if (host.isClosing()) {
      link.close('shutting down');
      return;
    }
    const existing = this.#links.get(peer.name);
    if (
      existing !== undefined &&
      existing !== link &&
      existing.peer?.incarnation !== peer.incarnation
    ) {
      const stale = this.#stale.get(existing);
      if (stale === undefined) {
        link.destroy(nameTaken(host.name, peer, link.remoteAddress, existing), 'handshake');
        return;
      }
      // The same node restarted: its old link is dead but not timed out yet.
      const reason = `replaced by a new incarnation of '${peer.name}' from ${link.remoteAddress}: ${stale}`;
      trace('link %d to %s: %s', existing.id, peer.name, reason);
      this.#drop(existing, reason);
      existing.destroy(new ClusterError('CHANNEL_CLOSED', reason));
    } else if (existing !== undefined && existing !== link) {
      // Both kernels dialed each other at once: keep the link dialed by the smaller name, on
      // both sides alike; the other closes without any register/unregister.
      const initiator = (l: Link): string => (l.direction === 'outbound' ? host.name : peer.name);
      const keepNew = initiator(link) < initiator(existing);
      const loser = keepNew ? existing : link;
      if (keepNew) this.#links.set(peer.name, link);
      trace('duplicate link to %s: closing link %d', peer.name, loser.id);
      loser.close('duplicate link', false);
      return;
    }
    this.#links.set(peer.name, link);
    for (const a of peer.aliases) this.#aliasToName.set(a, peer.name);
    host.monitors.emit('channel', peer.name, {
      kernel: peer.name,
      event: 'ready',
      address: link.remoteAddress,
      reason: 'handshake done',
    });
    host.monitors.emit('register', peer.name, {
      kernel: peer.name,
      aliases: peer.aliases,
      role: peer.role,
      address: link.remoteAddress,
      direction: link.direction,
    });
    if (peer.role !== 'kernel') return;
    host.membership.linked(peer.name, peer.listen);
    this.#gossip(link);
  }

  /**
   * How the mesh closes: the newcomer hears of every other kernel it can dial, and every other
   * kernel of the newcomer. Addresses that only work on this host (Unix sockets, loopback) go
   * only to kernels on this host.
   */
  #gossip(newcomer: Link): void {
    const entry = (l: Link, to: Link): PeerEntry | undefined => {
      const peer = l.peer as PeerIdentity;
      const addresses = addressesFor(peer.listen, to.sameHost);
      return addresses.length === 0 ? undefined : { name: peer.name, addresses };
    };
    const others = this.kernelLinks().filter((l) => l !== newcomer);
    const toNewcomer = others
      .map((l) => entry(l, newcomer))
      .filter((e): e is PeerEntry => e !== undefined);
    if (toNewcomer.length > 0) newcomer.sendPriority(FrameType.PEERS, encodePeers(toNewcomer));
    for (const other of others) {
      const about = entry(newcomer, other);
      if (about !== undefined) other.sendPriority(FrameType.PEERS, encodePeers([about]));
    }
  }

  /** A link closed; returns why, as its unregister says (or would, for a link never registered). */
  closed(link: Link, reason: string): LinkCloseCause {
    const peer = link.peer;
    const cause = this.#causeOf(link);
    if (peer === undefined || this.#links.get(peer.name) !== link) {
      this.#host.monitors.emit('channel', peer?.name, {
        kernel: peer?.name,
        event: 'close',
        address: link.remoteAddress,
        reason,
      });
      return cause;
    }
    this.#drop(link, reason);
    return cause;
  }

  #causeOf(link: Link): LinkCloseCause {
    return this.#host.isClosing()
      ? 'shutdown'
      : this.#disconnecting.has(link)
        ? 'disconnected'
        : this.#leaving.has(link)
          ? 'left'
          : 'lost';
  }

  /** Unregisters a ready link's kernel (its link closed, or it was replaced). */
  #drop(link: Link, reason: string): void {
    const host = this.#host;
    const peer = link.peer as PeerIdentity;
    this.#links.delete(peer.name);
    for (const a of peer.aliases)
      if (this.#aliasToName.get(a) === peer.name) this.#aliasToName.delete(a);
    host.kernelGone(peer.name);
    host.monitors.emit('channel', peer.name, {
      kernel: peer.name,
      event: 'close',
      address: link.remoteAddress,
      reason,
    });
    const cause = this.#causeOf(link);
    host.monitors.emit('unregister', peer.name, { kernel: peer.name, cause, reason });
    // Seeds are redialed even without the mesh (an endpoint redials its node).
    if (peer.role === 'kernel') host.membership.linkClosed(peer.name, cause, reason);
  }
}

/**
 * The refusal of a second live kernel named like a linked one: both addresses, so that each
 * side's log says which two machines claim the name.
 */
function nameTaken(
  self: string,
  claim: { readonly name: string; readonly listen: readonly string[] },
  from: string,
  existing: Link,
): ClusterError {
  const advertising = (listen: readonly string[]): string =>
    listen.length === 0 ? '' : `, advertising ${listen.join(' ')}`;
  return new HandshakeError(
    'NAME_TAKEN',
    `a kernel named '${claim.name}' is already connected to '${self}', from ${existing.remoteAddress}${advertising(existing.peer?.listen ?? [])}, and answers; refused the one claimed by ${from}${advertising(claim.listen)}: kernel names must be unique`,
  );
}
