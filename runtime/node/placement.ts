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
import { ConfigError, StateError } from '../errors.js';
import {
  describeDesired,
  readDesired,
  RUNNING,
  writeDesired,
  type DesiredState,
} from './desired-state.js';
import type { Logger } from './logger.js';

/** What the placement asks of its node. */
export interface PlacementHost {
  /** Starts endpoint `name`'s process: this node now holds its lease. */
  start(name: string): Promise<void>;
  /** Stops it (draining), SIGKILL after `killAfterMs`; resolves once it exited. */
  stop(name: string, killAfterMs: number): Promise<void>;
  /**
   * While another node may hold the lease: keep endpoint `name`'s warm standby (`keep`: a
   * process loaded and waiting for the lease, where the node keeps one), or end it (operators
   * want the endpoint stopped). Called on every campaign round; idempotent.
   */
  standBy?(name: string, keep: boolean): Promise<void>;
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
  /** What operators asked, cluster-wide: `running`, `stopped` or `moving to NODE` (absent from older nodes). */
  readonly desired?: string;
  /**
   * A `shared` endpoint (`coordination.shared`): `role`, `owner` and `token` are this node's
   * instance's lease; other nodes run instances of their own. Absent otherwise.
   */
  readonly shared?: true;
  /**
   * A standby whose process is loaded and waits for the lease (`coordination.warmStandby`): it
   * takes over as soon as this node gets the lease. Absent otherwise.
   */
  readonly warm?: true;
}

/** Lease keys of endpoints: `endpoint/<name>` (endpoint names fit the contract's key alphabet). */
export function endpointLeaseKey(name: string): string {
  return `endpoint/${name}`;
}

/**
 * Lease key of one node's instance of a `shared` endpoint (`coordination.shared`): every node
 * declaring it runs it under a lease of its own, `instance/<name>/<node>`, which fences its
 * writes to the claims ledger the instances share (`endpoint/<name>`).
 */
export function instanceLeaseKey(name: string, node: string): string {
  return `instance/${name}/${node}`;
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
    ...(config.shared.length > 0 && { shared: config.shared.join(', ') }),
  });
  return new Placement(coordinator, config.leaseMs, node, log, host, new Set(config.shared));
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
  /** The desired state as last read from the engine. */
  desired: DesiredState;
  /** A move to another node, and since when this node sees it (its monotonic clock). */
  moveSeen: { to: string; since: number } | undefined;
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
    private readonly shared: ReadonlySet<string> = new Set(),
  ) {}

  /** True when endpoint `name` runs on every node that declares it (`coordination.shared`). */
  isShared(name: string): boolean {
    return this.shared.has(name);
  }

  /** The lease endpoint `name` runs under here: the endpoint's, or this node's instance's. */
  leaseKeyOf(name: string): string {
    return this.shared.has(name) ? instanceLeaseKey(name, this.node) : endpointLeaseKey(name);
  }

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
      desired: RUNNING,
      moveSeen: undefined,
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
      const token = String(c.lease.token);
      const desired = describeDesired(c.desired);
      const shared = this.shared.has(name) ? { shared: true as const } : {};
      return { role: 'owner', owner: this.node, token, ageMs, error: null, desired, ...shared };
    }
    const seen = c.seen;
    return {
      role: 'standby',
      owner: seen?.info.holder ?? null,
      token: seen === undefined ? null : String(seen.info.token),
      ageMs: seen === undefined ? null : Math.round(now - seen.since),
      error: this.engineError ?? c.error,
      desired: describeDesired(c.desired),
      ...(this.shared.has(name) && { shared: true as const }),
    };
  }

  /** True when endpoint `name` is a candidate here. */
  has(name: string): boolean {
    return this.candidates.has(name);
  }

  /**
   * Sets what operators ask of endpoint `name`, cluster-wide and lasting: `stopped` makes its
   * owner drain and release it and every node stand by; `running` lets them campaign again.
   */
  async setDesired(name: string, desired: DesiredState): Promise<void> {
    await writeDesired(this.coordinator, name, desired, this.node);
    const c = this.candidates.get(name);
    if (c !== undefined) c.desired = desired;
    this.log.info(`desired state of ${name}: ${describeDesired(desired)} (requested)`, {
      endpoint: name,
    });
  }

  /**
   * Hands endpoint `name` over to node `to`: its owner drains and releases it, and only `to`
   * campaigns until it holds the lease (then it sets the desired state back to `running`).
   * Resolves once `to` holds it; after `timeoutMs` the move is called off (`running` again) and
   * it rejects with a `StateError`.
   */
  async move(name: string, to: string, timeoutMs: number): Promise<void> {
    if (this.shared.has(name)) {
      throw new StateError(
        `${name} is shared (coordination.shared): it runs on every node that declares it, so it cannot be moved; stop it, or take it out of a node's endpoints folder`,
      );
    }
    if ((await this.coordinator.holderOf(endpointLeaseKey(name)))?.holder === to) return;
    await this.setDesired(name, { state: 'moving', to });
    if (await this.holderBecomes(name, (holder) => holder === to, timeoutMs)) return;
    await this.setDesired(name, RUNNING).catch(() => undefined);
    throw new StateError(
      `${to} did not take ${name} over within ${Math.round(timeoutMs / 1000)} s (does it run, with ${name} in its endpoints folder and the same coordination?); the move is called off`,
    );
  }

  /** Waits until the holder of `name`'s lease (undefined: none) passes `ok`; false at the deadline. */
  async holderBecomes(
    name: string,
    ok: (holder: string | undefined) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    const key = this.leaseKeyOf(name);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const info = await this.coordinator.holderOf(key).then(
        (i) => ({ holder: i?.holder }),
        () => undefined,
      );
      if (info !== undefined && ok(info.holder)) return true;
      if (performance.now() >= deadline) return false;
      await sleep(100);
    }
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
    const key = this.leaseKeyOf(c.name);
    // A freed key is taken within this pause, small beside the ttl a failover waits out.
    const pauseMs = Math.min(1000, Math.floor(this.leaseMs / 4));
    while (!signal.aborted) {
      try {
        const may = await this.mayCampaign(c, signal);
        await this.host
          .standBy?.(c.name, c.desired.state !== 'stopped')
          .catch((err: unknown) => c.log.warn(`warm standby not kept: ${(err as Error).message}`));
        if (!may) {
          this.observe(c, await this.coordinator.holderOf(key, { signal }));
          await sleep(pauseMs, signal).catch(() => undefined);
          continue;
        }
        const sentAt = performance.now();
        const lease = await this.coordinator.acquire(key, this.node, {
          ttlMs: this.leaseMs,
          keepAlive: false,
          signal,
        });
        this.engineAnswered();
        if (lease !== undefined) {
          if (c.desired.state === 'moving' && c.desired.to === this.node) {
            await this.setDesired(c.name, RUNNING).catch((err: unknown) =>
              c.log.warn(`moved here, but the desired state stays: ${(err as Error).message}`),
            );
          }
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

  /** Reads the desired state; keeps the last one known when the engine's value is unreadable. */
  private async refreshDesired(c: Candidate, signal?: AbortSignal): Promise<DesiredState> {
    const desired = await readDesired(this.coordinator, c.name, signal);
    if (desired !== undefined && describeDesired(desired) !== describeDesired(c.desired)) {
      c.log.info(`desired state: ${describeDesired(desired)}`);
    }
    if (desired !== undefined) c.desired = desired;
    return c.desired;
  }

  /**
   * False while operators keep the endpoint stopped, or move it to another node: that node alone
   * campaigns, until it took over or — should it never — three lease times after this node first
   * saw the move (measured here, no clocks compared).
   */
  private async mayCampaign(c: Candidate, signal: AbortSignal): Promise<boolean> {
    const desired = await this.refreshDesired(c, signal);
    if (desired.state !== 'moving') c.moveSeen = undefined;
    if (desired.state === 'running') return true;
    if (desired.state === 'stopped') return false;
    // A shared endpoint is not moved (move() refuses): each node runs its instance.
    if (desired.to === this.node || this.shared.has(c.name)) return true;
    if (c.moveSeen?.to !== desired.to) c.moveSeen = { to: desired.to, since: performance.now() };
    return performance.now() - c.moveSeen.since >= 3 * this.leaseMs;
  }

  /** True when the owner must hand the endpoint back: stopped, or moving to another node. */
  private mustYield(c: Candidate): boolean {
    const d = c.desired;
    if (this.shared.has(c.name)) return d.state === 'stopped';
    return d.state === 'stopped' || (d.state === 'moving' && d.to !== this.node);
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
    let yieldNow: (why: string) => void = () => undefined;
    const yielded = new Promise<string>((resolve) => (yieldNow = resolve));
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
                void this.refreshDesired(c).then(
                  () => this.mustYield(c) && yieldNow(describeDesired(c.desired)),
                  () => undefined,
                );
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
    const why = await Promise.race([ended, stopped, yielded.then((d) => ({ yielded: d }))]);
    if (typeof why === 'object') {
      // Operators asked: drain under the lease (renewed meanwhile), then hand it back.
      c.log.info(`desired state ${why.yielded}: stopping the endpoint, then releasing the lease`, {
        token,
      });
      void ended.then(async (late) => {
        if (done) return;
        c.endHold?.();
        c.log.warn(`lease ${late} while draining: killing the endpoint in time`, { token });
        await this.host.stop(c.name, killAfterMs);
      });
      await this.host.stop(c.name, ttl);
      await this.release(c);
      return;
    }
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

/** How long `aes endpoint start|stop|move` waits for the cluster to do it (within the control call's deadline). */
export const LEASE_ACTION_TIMEOUT_MS = 25_000;

/**
 * `aes endpoint start|stop|move` of an endpoint placed by lease: its desired state, cluster-wide
 * and lasting; resolves once the cluster did it (some node runs it, none does, `to` does).
 */
export async function actByLease(
  placement: Placement,
  action: 'start' | 'stop' | 'move',
  endpoint: string,
  to: string | undefined,
): Promise<void> {
  const timeoutMs = LEASE_ACTION_TIMEOUT_MS;
  if (action === 'move') {
    if (to === undefined || to === '') throw new StateError('move: name the node to move to');
    return placement.move(endpoint, to, timeoutMs);
  }
  const running = action === 'start';
  await placement.setDesired(endpoint, running ? RUNNING : { state: 'stopped' });
  const done = await placement.holderBecomes(
    endpoint,
    (holder) => (holder !== undefined) === running,
    timeoutMs,
  );
  if (!done) {
    throw new StateError(
      `${endpoint} is desired ${running ? 'running' : 'stopped'}, but ${running ? 'no node took it' : 'its owner did not stop it'} within ${timeoutMs / 1000} s`,
    );
  }
}
