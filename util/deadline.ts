/**
 * The package's one deadline: every network wait has a time limit and can be cancelled
 * (`{ timeoutMs, signal }`), and its timers are cleared on every path. Like grpc-js
 * `deadline.ts` and nats.js `timeout()` / `delay()` in `core/src/util.ts`.
 *
 * Each folder rejects with errors of its own (the transports' `TransportTimeoutError`, the
 * cluster's `CallError('TIMEOUT')`, the runtime's `CallTimeoutError`): it passes their factories
 * as {@link DeadlineErrors}. The runtime passes its `Clock` as the timers, so its tests drive
 * deadlines with a fake one.
 */

/** Builds the errors a deadline rejects with; `operation` names the wait, e.g. `publish`. */
export interface DeadlineErrors {
  timeout(operation: string, timeoutMs: number): Error;
  aborted(operation: string, reason: unknown): Error;
}

/** Where a deadline's timer comes from; a fake clock in tests (the runtime's `Clock` fits). */
export interface DeadlineTimers {
  setTimeout(callback: () => void, ms: number): { unref?(): unknown };
  clearTimeout(handle: { unref?(): unknown }): void;
}

/** The process's own timers. */
export const SYSTEM_TIMERS: DeadlineTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One wait: what it is, its limits, and how it fails. */
export interface DeadlineOptions {
  /** Names the wait in errors: `connect`, `publish`, `connect to tcp://…`. */
  readonly operation: string;
  /** The time limit, a positive number of milliseconds; `undefined`: no time limit. */
  readonly timeoutMs?: number | undefined;
  /** Cancels the wait. */
  readonly signal?: AbortSignal | undefined;
  readonly errors: DeadlineErrors;
  /** @defaultValue SYSTEM_TIMERS */
  readonly timers?: DeadlineTimers;
  /**
   * `unref()` the timer, for a wait in the background that should not keep the process up.
   * A caller awaiting the result is not in the background. @defaultValue false
   */
  readonly unref?: boolean;
}

/**
 * Runs `work` under a deadline: rejects with `errors.timeout(…)` once `timeoutMs` has passed and
 * with `errors.aborted(…)` when `signal` aborts (at once when it already has, without running
 * `work`), whether or not `work` has finished by then; its late outcome is dropped. `work` gets a
 * signal that aborts (with that same error) on either, so it can withdraw what it registered: the
 * abort listeners run before the returned promise rejects. A `timeoutMs` that is not a positive
 * number rejects with a `TypeError`. The timer and the listener on `signal` are removed on every
 * path.
 */
export async function withDeadline<T>(
  options: DeadlineOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { operation, timeoutMs, signal, errors } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError(
      `${operation}: timeoutMs must be a positive number, got ${String(timeoutMs)}`,
    );
  }
  if (signal?.aborted === true) throw errors.aborted(operation, signal.reason);
  const timers = options.timers ?? SYSTEM_TIMERS;
  const controller = new AbortController();
  let timer: { unref?(): unknown } | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_resolve, reject) => {
    const stop = (error: Error): void => {
      controller.abort(error);
      reject(error);
    };
    if (timeoutMs !== undefined) {
      timer = timers.setTimeout(() => stop(errors.timeout(operation, timeoutMs)), timeoutMs);
      if (options.unref === true) timer.unref?.();
    }
    if (signal !== undefined) {
      onAbort = () => stop(errors.aborted(operation, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    // A `work` that throws at once rejects this call too (and `finally` clears the timer).
    return await Promise.race([work(controller.signal), cut]);
  } finally {
    if (timer !== undefined) timers.clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts. The timer
 * keeps the process alive (a transport waiting to reconnect is still working); pass `timers`
 * to wait on a fake clock.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  timers: DeadlineTimers = SYSTEM_TIMERS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
