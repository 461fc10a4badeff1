/**
 * What the node's console knows of one endpoint beyond its state, kept by the node from the
 * endpoint's reports across its processes: counters that survive restarts
 * ({@link LifetimeCounters}), records done and errors over the last 15 minutes
 * ({@link RateHistory}), the record in flight and since when, and the last error with when it
 * happened and when the endpoint recovered from it.
 *
 * Recovery is a record done after the last error: a heartbeat with records done and no new
 * error, or one whose process says it did records after its last error (`doneAtLastError`), as
 * the order within one heartbeat is not otherwise known. An endpoint whose target fails and then
 * accepts again is "recovered at" the heartbeat that counted the first success. A process that exits with a failure (a crash, a kill) is an error too, and the
 * next process recovers from it the same way.
 */
import type { EndpointCounters, EndpointQueues } from '../endpoint/progress.js';
import { LifetimeCounters } from './lifetime-counters.js';
import { RateHistory, type RateHistoryOptions, type RateSample } from './rate-history.js';

/** The window of `recent`: rates and the error ratio are over the last minute. */
export const RECENT_WINDOW_MS = 60_000;

/** Steps after which no record is in flight (the last one is done, the next not yet taken). */
const IDLE_STEPS: ReadonlySet<string> = new Set(['idle', 'waiting', 'pop', 'starting', 'stopped']);

export interface ActivityHeartbeat {
  readonly counters: Partial<EndpointCounters>;
  readonly lastError: string | null;
  /** The process's records done when its last error happened (see `EndpointSnapshot`). */
  readonly doneAtLastError?: number;
  readonly pid?: number;
  readonly queues?: EndpointQueues;
}

export interface ActivityProgress {
  readonly step: string;
  readonly sinceMs: number;
  readonly ids: readonly string[] | null;
}

export interface LastError {
  readonly message: string;
  /** When the node learnt of it (ISO 8601). */
  readonly at: string;
  /** When the endpoint next reported records done without a new error; null until then. */
  readonly recoveredAt: string | null;
}

export interface EndpointActivityView {
  /** Counters summed over every process of this node's lifetime. */
  readonly totals: EndpointCounters;
  /** Processes that reported counters so far. */
  readonly processes: number;
  readonly history: { readonly bucketMs: number; readonly samples: readonly RateSample[] };
  /** The last minute: records done and errors per second, and errors / (done + errors). */
  readonly recent: {
    readonly windowMs: number;
    readonly done: number;
    readonly errors: number;
    readonly recordsPerSecond: number;
    readonly errorsPerSecond: number;
    readonly errorRatio: number | null;
  };
  /** The record the endpoint works on and how long since its first step; null when idle. */
  readonly inFlight: { readonly ids: readonly string[]; readonly ageMs: number } | null;
  readonly lastError: LastError | null;
  readonly queues: EndpointQueues;
}

interface ErrorMark {
  message: string;
  atMs: number;
  recoveredAtMs: number | null;
}

export class EndpointActivity {
  readonly #counters = new LifetimeCounters();
  readonly #history: RateHistory;
  #inFlight: { ids: readonly string[]; sinceMs: number } | null = null;
  #error: ErrorMark | null = null;
  #queues: EndpointQueues = {};

  constructor(options: RateHistoryOptions = {}) {
    this.#history = new RateHistory(options);
  }

  /** A heartbeat of the endpoint's process, received at `nowMs`. */
  heartbeat(report: ActivityHeartbeat, nowMs: number): void {
    const delta = this.#counters.update(report.counters, report.pid);
    const done = delta.completed + delta.delivered;
    this.#history.add(nowMs, done, delta.errors);
    if (report.queues !== undefined) this.#queues = report.queues;
    if (delta.errors > 0) {
      // Errors and records done in one beat: recovered if a record was done after the last error.
      const doneNow = (report.counters.completed ?? 0) + (report.counters.delivered ?? 0);
      const after = report.doneAtLastError !== undefined && doneNow > report.doneAtLastError;
      const message = report.lastError ?? 'an error';
      this.#error = { message, atMs: nowMs, recoveredAtMs: after ? nowMs : null };
    } else if (done > 0 && this.#error !== null && this.#error.recoveredAtMs === null) {
      this.#error.recoveredAtMs = nowMs;
    }
  }

  /** A step report: tracks the record in flight. */
  progress(report: ActivityProgress): void {
    const ids = report.ids ?? [];
    if (ids.length > 0) {
      if (this.#inFlight?.ids[0] !== ids[0]) this.#inFlight = { ids, sinceMs: report.sinceMs };
    } else if (IDLE_STEPS.has(report.step)) {
      this.#inFlight = null;
    }
  }

  /** The process ended: nothing is in flight; `error` (a crash, a kill, a hang) is remembered. */
  exited(error: string | undefined, nowMs: number): void {
    this.#inFlight = null;
    if (error !== undefined) this.#error = { message: error, atMs: nowMs, recoveredAtMs: null };
  }

  /** The last error while the endpoint has not recovered from it; undefined otherwise. */
  unrecovered(): string | undefined {
    return this.#error !== null && this.#error.recoveredAtMs === null
      ? this.#error.message
      : undefined;
  }

  /** The counters summed over every process. */
  totals(): EndpointCounters {
    return this.#counters.totals();
  }

  view(nowMs: number): EndpointActivityView {
    const recent = this.#history.sum(nowMs, RECENT_WINDOW_MS);
    const seconds = recent.windowMs / 1000;
    const attempts = recent.done + recent.errors;
    const error = this.#error;
    return {
      totals: this.#counters.totals(),
      processes: this.#counters.processes,
      history: { bucketMs: this.#history.bucketMs, samples: this.#history.samples(nowMs) },
      recent: {
        windowMs: recent.windowMs,
        done: recent.done,
        errors: recent.errors,
        recordsPerSecond: round(recent.done / seconds),
        errorsPerSecond: round(recent.errors / seconds),
        errorRatio: attempts === 0 ? null : round(recent.errors / attempts),
      },
      inFlight:
        this.#inFlight === null
          ? null
          : { ids: this.#inFlight.ids, ageMs: Math.max(0, nowMs - this.#inFlight.sinceMs) },
      lastError:
        error === null
          ? null
          : {
              message: error.message,
              at: new Date(error.atMs).toISOString(),
              recoveredAt:
                error.recoveredAtMs === null ? null : new Date(error.recoveredAtMs).toISOString(),
            },
      queues: this.#queues,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
