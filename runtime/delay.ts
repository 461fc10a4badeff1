/**
 * Abortable waits over a `Clock`. Deadlines are util/deadline.ts's `withDeadline`, given the
 * runtime's clock and {@link RUNTIME_DEADLINE_ERRORS}.
 */
import type { DeadlineErrors } from '../util/index.js';
import type { Clock } from './clock.js';
import { AbortedError, CallTimeoutError } from './errors.js';

/** The runtime's deadlines reject with `CallTimeoutError` and `AbortedError`. */
export const RUNTIME_DEADLINE_ERRORS: DeadlineErrors = {
  timeout: (operation, timeoutMs) => new CallTimeoutError(operation, timeoutMs),
  aborted: (operation, reason) => new AbortedError(operation, { cause: reason }),
};

/** Resolves after `ms`; rejects with `AbortedError` as soon as `signal` aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(new AbortedError('wait'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(new AbortedError('wait'));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
