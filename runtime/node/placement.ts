/**
 * Placement by lease (issue 16): with `coordination` in the node config, every endpoint of the
 * endpoints folder is a candidate here. The node campaigns for the lease `endpoint/<name>` (its
 * holder the node's name) and runs the endpoint's process only while it holds it; other nodes
 * with the same endpoint stand by and keep campaigning, so an endpoint declared on several nodes
 * runs on exactly one, and moves when its node dies.
 *
 * Safety over availability: the holder renews its lease itself (every sixth of the ttl) and
 * keeps its own fence, two thirds of the ttl after it *sent* its last successful renewal. When
 * the fence passes (the engine unreachable, or too slow) or the engine says the lease is gone,
 * the endpoint gets its stop (drain) and SIGKILL a quarter of the ttl later: it is gone a twelfth
 * of the ttl before the holder's local deadline, which itself passes before the engine can give
 * the key to a standby (coordination/held-lease.ts). Two nodes never run one endpoint at once.
 */
import { performance } from 'node:perf_hooks';
import {
  LeaseLostError,
  openCoordinator,
  redactCoordinationUrl,
  type Coordinator,
  type Lease,
  type LeaseInfo,
} from '../../coordination/index.js';
import { sleep } from '../../util/index.js';
import type { CoordinationConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from './logger.js';

/** What the placement asks of its node. */
export interface PlacementHost {
  /** Starts endpoint `name`'s process: this node now holds its lease. */
  start(name: string): Promise<void>;
  /** Stops it (draining), SIGKILL after `killAfterMs`; resolves once it exited. */
  stop(name: string, killAfterMs: number): Promise<void>;
}

/** An endpoint's lease as `aes status` shows it. */
export interface EndpointLeaseStatus {
  /** `owner`: this node holds the lease; `standby`: it does not (another node may). */
  readonly role: 'owner' | 'standby';
  /** The node holding the lease as last seen; null when none does (or the engine is unreachable). */
  readonly owner: string | null;
  /** The lease's fencing token (a decimal string); null when none is known. */
  readonly token: string | null;
  /** How long that lease has been held, as seen from this node: since it acquired or first saw it. */
  readonly ageMs: number | null;
  /** Why this node cannot decide: the engine unreachable, or how the last lease here ended. */
  readonly error: string | null;
}

/** Lease keys of endpoints: `endpoint/<name>` (endpoint names fit the contract's key alphabet). */
export function endpointLeaseKey(name: string): string {
  return `endpoint/${name}`;
}

/**
 * Connects to `config.url`'s engine; an unknown scheme, a bad URL, an unreachable engine or
 * refused credentials is a `ConfigError` naming `/coordination/url` (password removed).
 */
export async function openPlacement(
  file: string,
  config: CoordinationConfig,
  node: string,
  log: Logger,
  host: PlacementHost,
): Promise<Placement> {
  let coordinator: Coordinator;
  try {
    coordinator = await openCoordinator(config.url);
  } catch (err) {
    const url = redactCoordinationUrl(config.url);
    throw new ConfigError(file, [
      { pointer: '/coordination/url', message: `cannot use ${url}: ${(err as Error).message}` },
    ]);
  }
  log.info('placing endpoints by lease', {
    coordination: coordinator.url,
    leaseMs: config.leaseMs,
  });
  return new Placement(coordinator, config.leaseMs, node, log, host);
}

interface Candidate {
  readonly name: string;
  readonly stop: AbortController;
  readonly log: Logger;
  run: Promise<void>;
  lease: Lease | undefined;
  heldSince: number;
  /** The other holder last seen, and since when (this node's monotonic clock). */
  seen: { info: LeaseInfo; since: number } | undefined;
  error: string | null;
  /** Ends the holder's renewals and fence (set while it holds the lease). */
  endHold?: () => void;
}

export class Placement {
  private readonly candidates = new Map<string, Candidate>();
  private readonly closing = new AbortController();
  /** The engine's last failure while unanswered, for `/readyz`; undefined while it answers. */
  private engineError: string | undefined;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly leaseMs: number,
    private readonly node: string,
    private readonly log: Logger,
    private readonly host: PlacementHost,
  ) {}

  /** Starts campaigning for endpoint `name`'s lease; its process starts once this node holds it. */
  add(name: string): void {
    if (this.closing.signal.aborted || this.candidates.has(name)) return;
    const candidate: Candidate = {
      name,
      stop: new AbortController(),
      log: this.log.child({ endpoint: name }),
      run: Promise.resolve(),
      lease: undefined,
      heldSince: 0,
      seen: undefined,
      error: null,
    };
    this.candidates.set(name, candidate);
    candidate.run = this.candidacy(candidate);
  }

  /**
   * Gives endpoint `name` up (gone from the config): campaigning ends, `stopEndpoint` drains its
   * process, then the lease is released so a standby elsewhere takes over at once.
   */
  async remove(name: string, stopEndpoint: () => Promise<void>): Promise<void> {
    const candidate = this.candidates.get(name);
    candidate?.stop.abort();
    await stopEndpoint();
    if (candidate === undefined) return;
    await candidate.run;
    await this.release(candidate);
    this.candidates.delete(name);
  }

  /** False while another node may run `name` (this one does not hold its lease). */
  holds(name: string): boolean {
    return this.candidates.get(name)?.lease?.held === true;
  }

  /** The token of endpoint `name`'s lease while this node holds it. */
  tokenOf(name: string): bigint | undefined {
    const lease = this.candidates.get(name)?.lease;
    return lease?.held === true ? lease.token : undefined;
  }

  status(name: string): EndpointLeaseStatus | undefined {
    const c = this.candidates.get(name);
    if (c === undefined) return undefined;
    const now = performance.now();
    if (c.lease?.held === true) {
      const ageMs = Math.round(now - c.heldSince);
      return { role: 'owner', owner: this.node, token: String(c.lease.token), ageMs, error: null };
    }
    const seen = c.seen;
    return {
      role: 'standby',
      owner: seen?.info.holder ?? null,
      token: seen === undefined ? null : String(seen.info.token),
      ageMs: seen === undefined ? null : Math.round(now - seen.since),
      error: this.engineError ?? c.error,
    };
  }

  /** Why `/readyz` answers 503 on this account: the engine unreachable. */
  reasons(): string[] {
    return this.engineError === undefined
      ? []
      : [`coordination engine ${this.coordinator.url} unreachable: ${this.engineError}`];
  }

  /** No more campaigns or starts (the node is stopping); held leases stay until `close()`. */
  stopCampaigning(): Promise<void> {
    this.closing.abort();
    return Promise.all([...this.candidates.values()].map((c) => c.run)).then(() => undefined);
  }

  /** Releases every lease held (call it once the endpoints stopped), then disconnects. */
  async close(): Promise<void> {
    await this.stopCampaigning();
    await Promise.all([...this.candidates.values()].map((c) => this.release(c)));
    await this.coordinator.close();
  }

  private async release(c: Candidate): Promise<void> {
    const lease = c.lease;
    c.lease = undefined;
    c.endHold?.();
    if (lease?.held !== true) return;
    try {
      await lease.release({ timeoutMs: Math.floor(this.leaseMs / 3) });
      c.log.info('lease released', { token: String(lease.token) });
    } catch (err) {
      c.log.warn(`lease not released (${(err as Error).message}): it ends at its expiry`);
    }
  }

  private engineFailed(err: unknown): void {
    const message = (err as Error).message;
    if (this.engineError === undefined) {
      this.log.warn(`coordination engine unreachable: ${message}`, {
        coordination: this.coordinator.url,
      });
    }
    this.engineError = message;
  }

  private engineAnswered(): void {
    if (this.engineError === undefined) return;
    this.engineError = undefined;
    this.log.info('coordination engine reachable again', { coordination: this.coordinator.url });
  }

  /** Campaign, hold, stop on loss, campaign again: until removed or the node stops. */
  private async candidacy(c: Candidate): Promise<void> {
    const signal = AbortSignal.any([c.stop.signal, this.closing.signal]);
    while (!signal.aborted) {
      const won = await this.campaign(c, signal);
      if (won === undefined) return;
      await this.hold(c, won.lease, won.sentAt, signal);
    }
  }

  /** Tries `acquire` until it wins (or `signal`); notes who holds the key meanwhile. */
  private async campaign(
    c: Candidate,
    signal: AbortSignal,
  ): Promise<{ lease: Lease; sentAt: number } | undefined> {
    const key = endpointLeaseKey(c.name);
    // A freed key is taken within this pause, small beside the ttl a failover waits out.
    const pauseMs = Math.min(1000, Math.floor(this.leaseMs / 4));
    while (!signal.aborted) {
      try {
        const sentAt = performance.now();
        const lease = await this.coordinator.acquire(key, this.node, {
          ttlMs: this.leaseMs,
          keepAlive: false,
          signal,
        });
        this.engineAnswered();
        if (lease !== undefined) {
          if (!signal.aborted) return { lease, sentAt };
          await lease.release().catch(() => undefined);
          return undefined;
        }
        this.observe(c, await this.coordinator.holderOf(key, { signal }));
      } catch (err) {
        if (signal.aborted) return undefined;
        this.engineFailed(err);
      }
      await sleep(pauseMs * (0.8 + Math.random() * 0.4), signal).catch(() => undefined);
    }
    return undefined;
  }

  private observe(c: Candidate, info: LeaseInfo | undefined): void {
    if (info === undefined) {
      c.seen = undefined;
      return;
    }
    if (c.seen?.info.token === info.token) return;
    c.seen = { info, since: performance.now() };
    c.log.info(`standing by: ${info.holder} holds the lease`, { token: String(info.token) });
  }

  /**
   * Runs the endpoint while the lease holds; stops it in time when the lease cannot be renewed or
   * is lost. When the node stops (or the endpoint is removed) renewals go on while the endpoint
   * drains, under the same fence, until `release()`.
   */
  private async hold(c: Candidate, lease: Lease, sentAt: number, signal: AbortSignal) {
    const ttl = this.leaseMs;
    const killAfterMs = Math.floor(ttl / 4);
    c.lease = lease;
    c.heldSince = performance.now();
    c.seen = undefined;
    c.error = null;
    const token = String(lease.token);
    c.log.info('lease acquired: starting', { token });
    let lastSent = sentAt;
    let lastError = '';
    let done = false;
    let fence: NodeJS.Timeout | undefined;
    let renewer: NodeJS.Timeout | undefined;
    c.endHold = () => {
      done = true;
      clearTimeout(fence);
      clearTimeout(renewer);
    };
    const ended = new Promise<string>((resolve) => {
      const arm = () => {
        clearTimeout(fence);
        const left = lastSent + (ttl * 2) / 3 - performance.now();
        fence = setTimeout(
          () => resolve(`not renewed for ${Math.round((ttl * 2) / 3)} ms${lastError}`),
          Math.max(0, left),
        );
      };
      const renew = () => {
        renewer = setTimeout(
          () => {
            const sent = performance.now();
            lease.renew({ timeoutMs: Math.floor(ttl / 6) }).then(
              () => {
                if (done) return;
                this.engineAnswered();
                lastSent = sent;
                lastError = '';
                arm();
                renew();
              },
              (err: unknown) => {
                if (done || err instanceof LeaseLostError) return; // the signal says so
                this.engineFailed(err);
                lastError = `: ${(err as Error).message}`;
                renew();
              },
            );
          },
          Math.floor(ttl / 6),
        );
      };
      lease.signal.addEventListener('abort', () => {
        const reason = (lease.signal.reason as LeaseLostError).reason;
        if (reason !== 'released') resolve(`lost (${reason})`);
      });
      arm();
      renew();
    });
    if (!signal.aborted) await this.host.start(c.name);
    const stopped = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined));
    });
    const why = await Promise.race([ended, stopped]);
    if (why === undefined) {
      // Draining under the lease: should it end first, the endpoint must still go in time.
      void ended.then(async (late) => {
        if (done) return;
        c.endHold?.();
        c.log.warn(`lease ${late} while draining: killing the endpoint in time`, { token });
        await this.host.stop(c.name, killAfterMs);
      });
      return;
    }
    c.endHold();
    c.error = `lease ${why}`;
    c.log.warn(`lease ${why}: stopping the endpoint before the lease can expire`, {
      token,
      killAfterMs,
    });
    await this.host.stop(c.name, killAfterMs);
    c.log.info('stopped after losing its lease: standing by');
    await this.release(c);
  }
}
