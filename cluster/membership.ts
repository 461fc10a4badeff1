/**
 * Full-mesh membership: the kernels this one was configured with (seeds) or heard of (from their
 * own handshake, or from a peer's PEERS), one record per kernel **name**, a link kept to each, lost
 * ones redialed with backoff and jitter. A record says whether the member is linked, since when,
 * and why not; it outlives the dialing: a learned kernel that stays unreachable for
 * `forgetAfterMs` is no longer dialed but stays known (down) until it links again or a peer tells
 * of it, and one that left gracefully is dropped `forgetAfterMs` after it left. An address that
 * turns out to be this kernel itself is never dialed again. Works over a narrow host interface.
 */
import { debuglog } from 'node:util';
import { Backoff, type BackoffOptions } from '../util/index.js';
import { parseAddress } from './address.js';
import { ClusterError, HandshakeError, SelfDialError } from './errors.js';

const trace = debuglog('aes-cluster');

export interface MembershipHost {
  readonly name: string;
  /** Connects and completes the handshake; resolves with the peer's name. */
  dial(address: string): Promise<string>;
  isConnected(name: string): boolean;
  now(): number;
  schedule(fn: () => void, ms: number): () => void;
  /** A dial failed with a refusal that retrying will not fix soon (e.g. NAME_TAKEN). */
  refused(address: string, error: ClusterError): void;
  /**
   * The linked kernel that listens at `address`, when that can be told: a seed answered
   * DUPLICATE_LINK (we are linked to it already), which does not say who it is.
   */
  identify(address: string): Promise<string | undefined>;
  /** Every failed attempt to link a member (each address tried, and why it failed). */
  dialFailed(failure: DialFailure): void;
}

/** One failed attempt to link a member: every address it was dialed at, in turn. */
export interface DialFailure {
  /** Undefined for a seed never reached yet. */
  readonly name: string | undefined;
  readonly seed: boolean;
  readonly failures: readonly { readonly address: string; readonly error: ClusterError }[];
  /** When this run of failures began (milliseconds since the epoch). */
  readonly failingSince: number;
  /** Whether it is dialed again (false: it stayed unreachable for `forgetAfterMs`). */
  readonly redialing: boolean;
}

export interface MembershipOptions {
  readonly backoff: BackoffOptions;
  readonly forgetAfterMs: number;
  /** Learn the kernels links and peers tell of (a full mesh); false: the seeds only. */
  readonly mesh: boolean;
}

/** A kernel of the cluster as this kernel knows it (`Kernel.members()`). */
export interface KernelMember {
  /** Undefined for a seed never reached yet. */
  readonly name: string | undefined;
  /** The address dialed first: the seed's, else the first one the member advertised. */
  readonly address: string;
  /** Every address it is dialed at, seeds first. */
  readonly addresses: readonly string[];
  readonly seed: boolean;
  /**
   * A link to it is up (also for a seed that answered DUPLICATE_LINK: linked, under a name
   * not known yet).
   */
  readonly connected: boolean;
  /** When it was last linked or lost (milliseconds since the epoch); when first known, if never. */
  readonly since: number;
  /** Why it is not linked: how its link was lost, and the latest dial failure. */
  readonly error: string | undefined;
  /** It is being redialed (false: it left, or stayed unreachable for `forgetAfterMs`). */
  readonly redialing: boolean;
}

interface Member {
  name: string | undefined;
  /** Seed addresses that reached this member (or are to be dialed to find out). */
  seeds: string[];
  /** What it advertised, directly or through a peer. */
  addresses: string[];
  connected: boolean;
  since: number;
  /** How the link was lost (undefined while linked, or never linked). */
  lost: string | undefined;
  lastDialError: string | undefined;
  dialing: boolean;
  /** A pending redial, or the drop of a member that left. */
  cancel: (() => void) | undefined;
  readonly backoff: Backoff;
  failingSince: number | undefined;
  redial: boolean;
  /** An unnamed seed that answered DUPLICATE_LINK: linked to someone; retried on a link loss. */
  parked: boolean;
  /** Disconnected on purpose: not dialed, even when a peer tells of it, until linked again. */
  held: boolean;
}

const unique = (list: readonly string[]): string[] => [...new Set(list)];

/** `NAME_TAKEN: …`: a refusal's code leads, so that status and logs can be searched by it. */
function withCode(error: ClusterError): string {
  if (!(error instanceof HandshakeError) || error.message.startsWith(error.code)) {
    return error.message;
  }
  return `${error.code}: ${error.message}`;
}

/** Learned members kept at most: a peer cannot make this kernel track (and dial) without bound. */
export const MAX_LEARNED_MEMBERS = 1_024;

/** What a peer advertised that this kernel can dial: well-formed addresses only. */
function dialable(addresses: readonly string[]): string[] {
  return unique(
    addresses.filter((a) => {
      try {
        parseAddress(a);
        return true;
      } catch {
        trace('membership: ignored advertised address %j', a);
        return false;
      }
    }),
  );
}

export class Membership {
  readonly #host: MembershipHost;
  readonly #options: MembershipOptions;
  readonly #members = new Set<Member>();
  readonly #byName = new Map<string, Member>();
  /** Addresses that reached this kernel itself. */
  readonly #self = new Set<string>();
  #closed = false;

  constructor(host: MembershipHost, options: MembershipOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** Every member known, linked or not. */
  members(): KernelMember[] {
    return [...this.#members].map((m) => {
      const addresses = this.#dialList(m);
      const error =
        m.connected || m.parked
          ? undefined
          : [
              m.lost,
              m.lastDialError === undefined
                ? undefined
                : `${m.lost === undefined ? 'dial' : 'redial'}: ${m.lastDialError}`,
            ]
              .filter((e) => e !== undefined)
              .join('; ') || undefined;
      return {
        name: m.name,
        address: addresses[0] ?? m.seeds[0] ?? m.addresses[0] ?? '',
        addresses,
        seed: m.seeds.length > 0,
        connected: m.connected || m.parked,
        since: m.since,
        error,
        redialing: m.redial,
      };
    });
  }

  /**
   * A seed is dialed now and redialed whenever its link is lost, for as long as we run. Resolves
   * with the first attempt's error (undefined when it linked, or when it is this kernel itself).
   */
  addSeed(address: string): Promise<ClusterError | undefined> {
    if (this.#closed || this.#self.has(address)) return Promise.resolve(undefined);
    let member = [...this.#members].find((m) => m.seeds.includes(address));
    member ??= this.#create(undefined, [address], []);
    member.redial = true;
    member.held = false;
    return this.#attempt(member);
  }

  /** A peer told us of kernel `name` (PEERS): dial it now unless linked. */
  learn(name: string, told: readonly string[]): void {
    if (this.#closed || !this.#options.mesh || name === this.#host.name) return;
    const addresses = dialable(told);
    let member = this.#byName.get(name);
    if (member === undefined) {
      if (addresses.length === 0 || this.#full()) return;
      member = this.#create(name, [], addresses);
    } else if (addresses.length > 0) member.addresses = addresses;
    if (this.#host.isConnected(name) || member.held) return;
    member.redial = true;
    // A peer just linked to it: try at once rather than after the backoff.
    if (member.dialing) return;
    member.cancel?.();
    member.cancel = undefined;
    member.backoff.reset();
    void this.#attempt(member);
  }

  /** A link to kernel `name` is ready (either direction); `addresses` are what it advertised. */
  linked(name: string, told: readonly string[]): void {
    if (this.#closed || name === this.#host.name) return;
    const addresses = dialable(told);
    let member = this.#byName.get(name);
    if (member === undefined) {
      // Kernels that advertise nothing (endpoint processes) are not members.
      if (!this.#options.mesh || addresses.length === 0 || this.#full()) return;
      member = this.#create(name, [], addresses);
    } else if (addresses.length > 0) member.addresses = addresses;
    member.cancel?.();
    member.cancel = undefined;
    member.connected = true;
    member.held = false;
    member.since = this.#host.now();
    member.lost = undefined;
    member.lastDialError = undefined;
    member.failingSince = undefined;
    member.redial = true;
    member.backoff.reset();
    // A parked seed that answered DUPLICATE_LINK before this link was ready: now we know.
    for (const p of [...this.#members]) {
      if (p.parked && p.seeds.some((s) => addresses.includes(s))) this.#named(p, name);
    }
  }

  /**
   * This kernel disconnects from `name` on purpose (`Kernel.disconnect`): it is not dialed again
   * — not even when a peer tells of it, nor as a seed — until a link to it is ready again (it
   * dialed us, or `connect`) or `addSeed` names it.
   */
  hold(name: string): void {
    const member = this.#byName.get(name);
    if (member === undefined) return;
    member.held = true;
    member.redial = false;
    member.cancel?.();
    member.cancel = undefined;
  }

  /** A link to `name` closed: redial, unless a learned kernel left on purpose, or we closed it. */
  linkClosed(
    name: string,
    cause: 'left' | 'lost' | 'shutdown' | 'disconnected',
    reason: string = cause,
  ): void {
    if (this.#closed) return;
    // A parked seed may have been that link: find out.
    for (const p of this.#members) {
      if (!p.parked) continue;
      p.parked = false;
      this.#retry(p);
    }
    const member = this.#byName.get(name);
    if (member === undefined) return;
    member.connected = false;
    member.since = this.#host.now();
    member.lost = `${cause === 'left' || cause === 'disconnected' ? cause : 'lost'}: ${reason}`;
    if (cause === 'shutdown' || member.held) return;
    if (cause === 'left' && member.seeds.length === 0) {
      member.redial = false;
      member.cancel?.();
      member.cancel = this.#host.schedule(() => {
        member.cancel = undefined;
        if (!member.connected && !member.redial) this.#remove(member, 'it left');
      }, this.#options.forgetAfterMs);
      return;
    }
    this.#retry(member);
  }

  close(): void {
    this.#closed = true;
    for (const m of this.#members) m.cancel?.();
    this.#members.clear();
    this.#byName.clear();
  }

  #full(): boolean {
    const full = this.#members.size >= MAX_LEARNED_MEMBERS;
    if (full) trace('membership: %d members known already; no more learned', this.#members.size);
    return full;
  }

  #create(name: string | undefined, seeds: string[], addresses: readonly string[]): Member {
    const member: Member = {
      name,
      seeds,
      addresses: unique(addresses),
      connected: false,
      since: this.#host.now(),
      lost: undefined,
      lastDialError: undefined,
      dialing: false,
      cancel: undefined,
      backoff: new Backoff(this.#options.backoff),
      failingSince: undefined,
      redial: true,
      parked: false,
      held: false,
    };
    this.#members.add(member);
    if (name !== undefined) this.#byName.set(name, member);
    return member;
  }

  #remove(m: Member, why: string): void {
    m.cancel?.();
    m.cancel = undefined;
    this.#members.delete(m);
    if (m.name !== undefined && this.#byName.get(m.name) === m) this.#byName.delete(m.name);
    trace('membership: forgot %s (%s): %s', m.name ?? '?', this.#dialList(m).join(' '), why);
  }

  #dialList(m: Member): string[] {
    return unique([...m.seeds, ...m.addresses]).filter((a) => !this.#self.has(a));
  }

  #retry(m: Member): void {
    if (this.#closed || m.dialing || m.cancel !== undefined || !m.redial) return;
    if (!this.#members.has(m)) return;
    const delay = m.backoff.next();
    m.cancel = this.#host.schedule(() => {
      m.cancel = undefined;
      void this.#attempt(m);
    }, delay);
  }

  async #attempt(m: Member): Promise<ClusterError | undefined> {
    if (this.#closed || m.dialing || !m.redial || !this.#members.has(m)) return undefined;
    if (m.name !== undefined && this.#host.isConnected(m.name)) return undefined;
    const addresses = this.#dialList(m);
    if (addresses.length === 0) return undefined;
    m.dialing = true;
    let failure: ClusterError | undefined;
    const failures: { address: string; error: ClusterError }[] = [];
    try {
      for (const address of addresses) {
        let name: string;
        try {
          name = await this.#host.dial(address);
        } catch (err) {
          const error =
            err instanceof ClusterError
              ? err
              : new ClusterError(
                  'CHANNEL_CLOSED',
                  err instanceof Error ? err.message : String(err),
                );
          if (error instanceof SelfDialError) {
            this.#isSelf(m, address);
            continue;
          }
          if (error.code === 'DUPLICATE_LINK') {
            await this.#duplicate(m, address);
            return undefined;
          }
          trace('membership: dial %s failed: %s', address, error.message);
          if (error.code === 'NAME_TAKEN' || error.code === 'AUTH_FAILED') {
            this.#host.refused(address, error);
          }
          failure = error;
          failures.push({ address, error });
          continue;
        }
        this.#dialed(m, address, name);
        return undefined;
      }
    } finally {
      m.dialing = false;
    }
    if (failure === undefined || this.#closed || !this.#members.has(m)) return failure;
    // Linked meanwhile by its own dial: nothing to retry.
    if (m.name !== undefined && this.#host.isConnected(m.name)) return failure;
    const now = this.#host.now();
    m.lastDialError = withCode(failure);
    m.failingSince ??= now;
    if (m.seeds.length === 0 && now - m.failingSince > this.#options.forgetAfterMs) {
      m.redial = false;
      trace('membership: %s unreachable for %d ms; no longer dialed', m.name, now - m.failingSince);
    } else this.#retry(m);
    const { name, failingSince, redial } = m;
    this.#host.dialFailed({
      name,
      seed: m.seeds.length > 0,
      failures,
      failingSince,
      redialing: redial,
    });
    return failure;
  }

  /** `address` is this kernel itself (a seed list shared by every node, say): never again. */
  #isSelf(m: Member, address: string): void {
    this.#self.add(address);
    trace('membership: %s is this kernel (%s) itself; not dialed again', address, this.#host.name);
    if (m.name === undefined && this.#dialList(m).length === 0) this.#remove(m, 'itself');
  }

  /** DUPLICATE_LINK: we are linked already; an unnamed seed tries to find out to whom. */
  async #duplicate(m: Member, address: string): Promise<void> {
    m.backoff.reset();
    m.failingSince = undefined;
    m.lastDialError = undefined;
    if (m.name !== undefined) return;
    const name = await this.#host.identify(address).catch(() => undefined);
    if (this.#closed || !this.#members.has(m)) return;
    if (name === undefined) m.parked = true;
    else this.#named(m, name);
  }

  /** A dial of `address` reached kernel `name`. */
  #dialed(m: Member, address: string, name: string): void {
    m.failingSince = undefined;
    m.lastDialError = undefined;
    m.parked = false;
    m.backoff.reset();
    if (m.name === name) {
      this.#markLinked(m);
      return;
    }
    if (m.name === undefined) {
      this.#named(m, name);
      return;
    }
    // The address now belongs to another kernel (a node replaced by another, say).
    trace('membership: %s answered as %s, not %s', address, name, m.name);
    m.addresses = m.addresses.filter((a) => a !== address);
    if (!m.seeds.includes(address)) return;
    m.seeds = m.seeds.filter((a) => a !== address);
    const other = this.#byName.get(name) ?? this.#create(name, [], []);
    other.seeds = unique([...other.seeds, address]);
    this.#markLinked(other);
  }

  /** An unnamed seed turned out to be kernel `name`: one record per name. */
  #named(m: Member, name: string): void {
    const existing = this.#byName.get(name);
    if (existing !== undefined && existing !== m) {
      existing.seeds = unique([...existing.seeds, ...m.seeds]);
      existing.addresses = unique([...existing.addresses, ...m.addresses]);
      existing.redial = true;
      m.cancel?.();
      this.#members.delete(m);
      this.#markLinked(existing);
      return;
    }
    m.name = name;
    this.#byName.set(name, m);
    this.#markLinked(m);
  }

  #markLinked(m: Member): void {
    if (m.name === undefined || m.connected || !this.#host.isConnected(m.name)) return;
    m.connected = true;
    m.since = this.#host.now();
    m.lost = undefined;
  }
}
