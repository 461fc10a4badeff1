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
   * (at once when it does now), `null` after `waitMs` without, or when the node closes.
   */
  wait(
    endpoint: string,
    held: () => EndpointLaunchConfig | undefined,
    waitMs = LEASE_WAIT_MS,
  ): Promise<EndpointLeaseAnswer> {
    const now = held();
    if (now !== undefined || this.#closed) return Promise.resolve({ config: now ?? null });
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(endpoint) ?? new Set<() => void>();
      this.#waiting.set(endpoint, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiting.get(endpoint) === waiters) {
          this.#waiting.delete(endpoint);
        }
        resolve({ config: this.#closed ? null : (held() ?? null) });
      };
      const timer = setTimeout(done, waitMs);
      waiters.add(done);
    });
  }

  /** This node now holds `endpoint`'s lease: every standby waiting for it gets its config. */
  wake(endpoint: string): void {
    for (const done of [...(this.#waiting.get(endpoint) ?? [])]) done();
  }

  /** A standby's report: its process (`pid`) has loaded its entry module, or not yet. */
  report(endpoint: string, pid: number | undefined, ready: boolean): void {
    if (ready && pid !== undefined) this.#ready.set(endpoint, pid);
    else this.#ready.delete(endpoint);
  }

  /** True when process `pid` is `endpoint`'s warm standby, loaded and waiting for the lease. */
  isWarm(endpoint: string, pid: number | undefined): boolean {
    return pid !== undefined && this.#ready.get(endpoint) === pid;
  }

  /** Answers every held call with `null` (the node is stopping). */
  close(): void {
    this.#closed = true;
    for (const endpoint of [...this.#waiting.keys()]) this.wake(endpoint);
  }
}
