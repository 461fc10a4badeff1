/**
 * Full-mesh membership: keep a link to every seed and to every kernel the peers tell us about,
 * redial lost ones with backoff and jitter, forget a learned kernel that left gracefully or has
 * been unreachable for `forgetAfterMs`. Works over a narrow host interface.
 */
import { debuglog } from 'node:util';
import { Backoff, type BackoffOptions } from '../util/index.js';
import { ClusterError } from './errors.js';

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
}

interface Target {
  readonly address: string;
  readonly seed: boolean;
  name: string | undefined;
  readonly backoff: Backoff;
  cancel: (() => void) | undefined;
  dialing: boolean;
  failingSince: number | undefined;
}

export class Membership {
  readonly #host: MembershipHost;
  readonly #backoff: BackoffOptions;
  readonly #forgetAfterMs: number;
  readonly #targets = new Map<string, Target>();
  #closed = false;

  constructor(host: MembershipHost, backoff: BackoffOptions, forgetAfterMs: number) {
    this.#host = host;
    this.#backoff = backoff;
    this.#forgetAfterMs = forgetAfterMs;
  }

  /** Known addresses, for inspection. */
  targets(): { address: string; name: string | undefined; seed: boolean }[] {
    return [...this.#targets.values()].map((t) => ({
      address: t.address,
      name: t.name,
      seed: t.seed,
    }));
  }

  /**
   * A seed is dialed now and redialed whenever its link is lost, for as long as we run. Resolves
   * with the first attempt's error (undefined when it linked).
   */
  addSeed(address: string): Promise<ClusterError | undefined> {
    const target = this.#target(address, true, undefined);
    return this.#attempt(target);
  }

  /** A kernel we heard of (from a peer, or from its own handshake). */
  learn(name: string, addresses: readonly string[], connected: boolean): void {
    if (this.#closed || name === this.#host.name || addresses.length === 0) return;
    for (const t of this.#targets.values()) {
      if (t.name === name || addresses.includes(t.address)) {
        t.name ??= name;
        return;
      }
    }
    const target = this.#target(addresses[0] as string, false, name);
    if (!connected) void this.#attempt(target);
  }

  /** A link to `name` closed: redial, unless a learned kernel left on purpose. */
  linkClosed(name: string, cause: 'left' | 'lost' | 'shutdown'): void {
    if (this.#closed) return;
    for (const t of [...this.#targets.values()]) {
      if (t.name !== name) continue;
      if (cause === 'left' && !t.seed) {
        this.#forget(t);
        continue;
      }
      this.#retry(t);
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#targets.values()) t.cancel?.();
    this.#targets.clear();
  }

  #target(address: string, seed: boolean, name: string | undefined): Target {
    const existing = this.#targets.get(address);
    if (existing !== undefined) return existing;
    const target: Target = {
      address,
      seed,
      name,
      backoff: new Backoff(this.#backoff),
      cancel: undefined,
      dialing: false,
      failingSince: undefined,
    };
    this.#targets.set(address, target);
    return target;
  }

  #forget(t: Target): void {
    t.cancel?.();
    this.#targets.delete(t.address);
    trace('membership: forgot %s (%s)', t.address, t.name ?? '?');
  }

  #retry(t: Target): void {
    if (this.#closed || t.dialing || t.cancel !== undefined) return;
    const delay = t.backoff.next();
    t.cancel = this.#host.schedule(() => {
      t.cancel = undefined;
      void this.#attempt(t);
    }, delay);
  }

  async #attempt(t: Target): Promise<ClusterError | undefined> {
    if (this.#closed || t.dialing || this.#targets.get(t.address) !== t) return undefined;
    if (t.name !== undefined && this.#host.isConnected(t.name)) return undefined;
    t.dialing = true;
    try {
      const name = await this.#host.dial(t.address);
      t.name = name;
      t.failingSince = undefined;
      t.backoff.reset();
      return undefined;
    } catch (err) {
      const error =
        err instanceof ClusterError
          ? err
          : new ClusterError('CHANNEL_CLOSED', err instanceof Error ? err.message : String(err));
      if (error.code === 'DUPLICATE_LINK') {
        t.backoff.reset();
        return undefined;
      }
      trace(
        'membership: dial %s failed: %s',
        t.address,
        err instanceof Error ? err.message : String(err),
      );
      if (error.code === 'NAME_TAKEN' || error.code === 'AUTH_FAILED') {
        this.#host.refused(t.address, error);
      }
      const now = this.#host.now();
      t.failingSince ??= now;
      if (!t.seed && now - t.failingSince > this.#forgetAfterMs) {
        this.#forget(t);
        return error;
      }
      t.dialing = false;
      this.#retry(t);
      return error;
    } finally {
      t.dialing = false;
    }
  }
}
