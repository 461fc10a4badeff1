/**
 * An endpoint's counters over every process the node ran for it. Each process reports its own
 * counters from zero; the node keeps the sum of the processes that ended (`base`) and the latest
 * report of the current one, so a restart adds instead of replacing. A new process is known by
 * a new pid in its heartbeat or, for an endpoint that sends none, by any counter going down; a
 * late report of a process already followed by another is ignored.
 *
 * The totals live as long as the node: a node restart starts them at zero again (the endpoints'
 * Prometheus counters, `aes_endpoint_*_total`, are the long-term record).
 */
import { zeroCounters, type EndpointCounters, type EndpointCounter } from '../endpoint/progress.js';

/** Retired pids remembered. */
const MAX_RETIRED = 16;

const NAMES = Object.keys(zeroCounters()) as EndpointCounter[];

function plus(a: EndpointCounters, b: Partial<EndpointCounters>): EndpointCounters {
  const out = zeroCounters();
  for (const name of NAMES) out[name] = a[name] + (b[name] ?? 0);
  return out;
}

export class LifetimeCounters {
  #base = zeroCounters();
  #current = zeroCounters();
  #pid: number | undefined;
  /** Pids of processes that were followed by another: a late report of theirs is ignored. */
  readonly #retired = new Set<number>();
  #processes = 0;

  /**
   * Takes a heartbeat's counters (those of process `pid`, when the report names it) and returns
   * what each counter grew by since the previous report.
   */
  update(reported: Partial<EndpointCounters>, pid?: number): EndpointCounters {
    if (pid !== undefined && this.#retired.has(pid)) return zeroCounters();
    const next = plus(zeroCounters(), reported);
    const newProcess =
      this.#processes === 0 ||
      (pid !== undefined && this.#pid !== undefined && pid !== this.#pid) ||
      NAMES.some((name) => next[name] < this.#current[name]);
    if (newProcess) {
      if (this.#pid !== undefined && pid !== this.#pid) this.#retire(this.#pid);
      this.#base = plus(this.#base, this.#current);
      this.#current = zeroCounters();
      this.#processes += 1;
    }
    const delta = zeroCounters();
    for (const name of NAMES) delta[name] = next[name] - this.#current[name];
    this.#current = next;
    this.#pid = pid ?? this.#pid;
    return delta;
  }

  #retire(pid: number): void {
    this.#retired.add(pid);
    // Only a process just followed can still have a report on its way: a few are enough.
    const oldest = this.#retired.values().next().value;
    if (this.#retired.size > MAX_RETIRED && oldest !== undefined) this.#retired.delete(oldest);
  }

  /** The sums over every process so far. */
  totals(): EndpointCounters {
    return plus(this.#base, this.#current);
  }

  /** The processes that reported counters. */
  get processes(): number {
    return this.#processes;
  }
}
