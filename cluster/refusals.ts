/**
 * Handshakes refused for a reason that retrying does not fix — a name already taken
 * (`NAME_TAKEN`), a secret that does not match (`AUTH_FAILED`) — on either side: a kernel that
 * refused one (inbound) or was refused (outbound). A refused node redials about once a second,
 * so each is kept once per side, code, claimed name and host (not port: every dial has a new
 * one), with a count, and reported to listeners at its first occurrence and then at most once
 * per `REFUSAL_REPORT_EVERY_MS`: a retry loop does not flood a log. One not seen again for
 * `REFUSAL_EXPIRE_MS` is forgotten (the other side was fixed or stopped).
 */
import type { ClusterError, ClusterErrorCode } from './errors.js';
import type { Link } from './link.js';
import type { LinkDirection } from './link-types.js';
import type { KernelRole } from './messages.js';

/** How often a refusal that keeps happening is reported again. */
export const REFUSAL_REPORT_EVERY_MS = 60_000;
/** A refusal not seen again for this long is forgotten. */
export const REFUSAL_EXPIRE_MS = 30_000;
/** Refusals kept at most: a stream of strangers cannot make this grow without bound. */
export const MAX_REFUSALS = 256;

/** A refused handshake, as `Kernel.refusals()` lists it and `KernelListener.refusal` reports it. */
export interface KernelRefusal {
  /** `inbound`: this kernel refused a kernel that dialed it; `outbound`: a dial of ours was refused. */
  readonly direction: LinkDirection;
  readonly code: ClusterErrorCode;
  /** Inbound: the name the other kernel claimed. Outbound: the name dialed, when known. */
  readonly name: string | undefined;
  /**
   * Inbound: the role it claimed (`kernel` for a node, `client` for a command-line tool, …),
   * when its HELLO arrived. A status may leave clients out: a mistyped secret in one command is
   * not a fault of the cluster.
   */
  readonly role: KernelRole | undefined;
  /** Inbound: where it connected from (host:port of the latest); outbound: the address dialed. */
  readonly address: string;
  /** The latest refusal's message. */
  readonly message: string;
  /** When it was first refused, and last (milliseconds since the epoch). */
  readonly since: number;
  readonly last: number;
  /** How many times since `since`. */
  readonly count: number;
  /** Times not reported to listeners since the last report (0 at the first). */
  readonly unreported: number;
}

type Entry = { -readonly [K in keyof KernelRefusal]: KernelRefusal[K] } & { reportedAt?: number };

/** The host part of `10.0.0.5:41234`, `[::1]:41234` or an address like `tcp://h1:7420`. */
function hostOf(address: string): string {
  const bare = address.replace(/^[a-z]+:\/\//, '');
  const colon = bare.lastIndexOf(':');
  return colon <= 0 || bare.startsWith('unix:') ? bare : bare.slice(0, colon);
}

export class Refusals {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records one refusal; returns it when it is to be reported now (else undefined). */
  record(
    direction: LinkDirection,
    code: ClusterErrorCode,
    name: string | undefined,
    address: string,
    message: string,
    role?: KernelRole,
  ): KernelRefusal | undefined {
    const now = this.#now();
    this.#expire(now);
    const key = [
      direction,
      code,
      name ?? '',
      direction === 'inbound' ? hostOf(address) : address,
    ].join('\n');
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= MAX_REFUSALS) return undefined;
      entry = {
        direction,
        code,
        name,
        role,
        address,
        message,
        since: now,
        last: now,
        count: 0,
        unreported: 0,
      };
      this.#entries.set(key, entry);
    }
    entry.address = address;
    entry.message = message;
    entry.last = now;
    entry.count += 1;
    if (entry.reportedAt !== undefined && now - entry.reportedAt < REFUSAL_REPORT_EVERY_MS) {
      entry.unreported += 1;
      return undefined;
    }
    const report = toRefusal(entry);
    entry.reportedAt = now;
    entry.unreported = 0;
    return report;
  }

  /** A failed handshake: recorded when it is a refusal; returned when it is to be reported now. */
  handshakeFailed(link: Link, error: ClusterError): KernelRefusal | undefined {
    if (error.code !== 'NAME_TAKEN' && error.code !== 'AUTH_FAILED') return undefined;
    return link.direction === 'inbound'
      ? this.record(
          'inbound',
          error.code,
          link.peerName,
          link.remoteAddress,
          error.message,
          link.peerRole,
        )
      : this.record('outbound', error.code, link.peer?.name, link.label, error.message);
  }

  /**
   * Kernel `name` linked: its secret matches now (fixed and restarted), so its `AUTH_FAILED`
   * refusals are history. A `NAME_TAKEN` stays: the one linked is the first claimant.
   */
  linked(name: string): void {
    for (const [key, e] of this.#entries) {
      if (e.name === name && e.code === 'AUTH_FAILED') this.#entries.delete(key);
    }
  }

  /** The refusals seen within `REFUSAL_EXPIRE_MS`, oldest first. */
  list(): KernelRefusal[] {
    this.#expire(this.#now());
    return [...this.#entries.values()].map(toRefusal).sort((a, b) => a.since - b.since);
  }

  #expire(now: number): void {
    for (const [key, e] of this.#entries) {
      if (now - e.last > REFUSAL_EXPIRE_MS) this.#entries.delete(key);
    }
  }
}

function toRefusal(e: Entry): KernelRefusal {
  const { direction, code, name, role, address, message, since, last, count, unreported } = e;
  return { direction, code, name, role, address, message, since, last, count, unreported };
}
