/**
 * Warm standbys' side of a node placing endpoints by lease (`coordination.warmStandby`): the
 * process of an endpoint another node holds is started ahead, loads its entry module and asks
 * `aes-node/lease`; the call is held here until this node holds the lease, and then answered
 * with the config to run under it. A failover then waits for the lease alone, not for a process
 * to start and load (about a second on a quiet machine, several on a loaded one).
 */
import {
  LEASE_WAIT_MS,
  type EndpointLaunchConfig,
  type EndpointLeaseAnswer,
} from '../link/protocol.js';

export class LeaseWaits {
  /** Held `lease` calls per endpoint: each one's wake-up. */
  readonly #waiting = new Map<string, Set<() => void>>();
  /** The pid of each endpoint's process that last said its entry module is loaded. */
  readonly #ready = new Map<string, number>();
  #closed = false;

  /**
   * Answers a standby's `lease` call: the config `held()` gives once this node holds the lease
   * (at once when it does now), `null` after `waitMs` without; `takingOver` is called when the
   * answer carries the config. Once the node closes, a call waits its `waitMs` out and gets
   * `null` (its process is stopped meanwhile), so that no standby asks again in a tight loop.
   */
  async wait(
    endpoint: string,
    held: () => EndpointLaunchConfig | undefined,
    waitMs = LEASE_WAIT_MS,
    takingOver: () => void = () => undefined,
  ): Promise<EndpointLeaseAnswer> {
    const now = this.#closed ? undefined : held();
    const config =
      now ??
      (await new Promise<EndpointLaunchConfig | undefined>((resolve) => {
        const waiters = this.#waiting.get(endpoint) ?? new Set<() => void>();
        this.#waiting.set(endpoint, waiters);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          if (waiters.size === 0 && this.#waiting.get(endpoint) === waiters) {
            this.#waiting.delete(endpoint);
          }
          resolve(this.#closed ? undefined : held());
        };
        const timer = setTimeout(done, waitMs);
        // A node that is stopping does not wait for a standby's call to end.
        if (this.#closed) timer.unref();
        else waiters.add(done);
      }));
    if (config !== undefined) takingOver();
    return { config: config ?? null };
  }

  /** This node now holds `endpoint`'s lease: every standby waiting for it gets its config. */
  wake(endpoint: string): void {
    for (const done of [...(this.#waiting.get(endpoint) ?? [])]) done();
  }

  /** A standby's report: its process (`pid`) has loaded its entry module and waits. */
  report(endpoint: string, pid: number | undefined): void {
    if (pid !== undefined) this.#ready.set(endpoint, pid);
  }

  /** True when process `pid` is `endpoint`'s warm standby, loaded and waiting for the lease. */
  isWarm(endpoint: string, pid: number | undefined): boolean {
    return pid !== undefined && this.#ready.get(endpoint) === pid;
  }

  /**
   * The node is stopping: no standby takes over from now on. Held calls are answered `null` now;
   * later ones wait their time out first (see `wait`).
   */
  close(): void {
    this.#closed = true;
    for (const endpoint of [...this.#waiting.keys()]) this.wake(endpoint);
  }
}
