/**
 * Which failed dials of a member are worth telling: membership redials about once a second, and
 * a log line per attempt would bury everything else. The first failure of a run is reported at
 * once, then one report per `UNREACHABLE_REPORT_EVERY_MS` while the member stays unreachable,
 * counting the attempts in between. Refusals (`NAME_TAKEN`, `AUTH_FAILED`) are reported as such
 * (refusals.ts), not here.
 */
import type { ClusterErrorCode } from './errors.js';
import type { DialFailure } from './membership.js';

/** How often a member that stays unreachable is reported again. */
export const UNREACHABLE_REPORT_EVERY_MS = 30_000;

/** A member that could not be linked (`KernelListener.unreachable`). */
export interface KernelUnreachableEvent {
  /** Undefined for a seed never reached yet. */
  readonly name: string | undefined;
  readonly seed: boolean;
  /** Each address dialed in the latest attempt, and why it failed. */
  readonly failures: readonly {
    readonly address: string;
    readonly code: ClusterErrorCode;
    readonly message: string;
  }[];
  /** When this run of failures began (milliseconds since the epoch). */
  readonly failingSince: number;
  /** Attempts since the previous report (1 at the first). */
  readonly attempts: number;
  /** False once a learned member stayed unreachable for `forgetAfterMs`: no longer dialed. */
  readonly redialing: boolean;
}

const REFUSALS: ReadonlySet<ClusterErrorCode> = new Set(['NAME_TAKEN', 'AUTH_FAILED']);

export class DialReports {
  readonly #last = new Map<string, { failingSince: number; at: number; attempts: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The event to report for this failure, or undefined when it is not due. */
  report(f: DialFailure): KernelUnreachableEvent | undefined {
    const failures = f.failures
      .filter((x) => !REFUSALS.has(x.error.code))
      .map((x) => ({ address: x.address, code: x.error.code, message: x.error.message }));
    if (failures.length === 0) return undefined;
    const key = f.name ?? failures[0]?.address ?? '';
    const now = this.#now();
    const last = this.#last.get(key);
    if (last !== undefined && last.failingSince === f.failingSince) {
      last.attempts += 1;
      if (now - last.at < UNREACHABLE_REPORT_EVERY_MS && f.redialing) return undefined;
    }
    const attempts = last?.failingSince === f.failingSince ? last.attempts : 1;
    if (this.#last.size >= 1_024) this.#last.clear();
    this.#last.set(key, { failingSince: f.failingSince, at: now, attempts: 0 });
    return {
      name: f.name,
      seed: f.seed,
      failures,
      failingSince: f.failingSince,
      attempts,
      redialing: f.redialing,
    };
  }
}
