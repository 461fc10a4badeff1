/** Abortable waits over a `Clock`. */
import type { Clock } from './clock.js';
import { AbortedError, CallTimeoutError } from './errors.js';

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

/**
 * Runs `work` with a signal that aborts after `timeoutMs` or when `signal` aborts, whichever is
 * first. Rejects with `CallTimeoutError` / `AbortedError` at that moment even when `work` ignores
 * its signal (its late result is then dropped). Timers are cleared on every path.
 */
export async function withDeadline<T>(
  clock: Clock,
  operation: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (signal?.aborted === true) throw new AbortedError(operation);
  const controller = new AbortController();
  let settle: ((error: Error) => void) | undefined;
  const cut = new Promise<never>((_resolve, reject) => {
    settle = reject;
  });
  const handle = clock.setTimeout(() => {
    const error = new CallTimeoutError(operation, timeoutMs);
    controller.abort(error);
    settle?.(error);
  }, timeoutMs);
  const onAbort = () => {
    const error = new AbortedError(operation, { cause: signal?.reason });
    controller.abort(error);
    settle?.(error);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const running = work(controller.signal);
    // A late rejection after the deadline must not become an unhandled rejection.
    running.catch(() => undefined);
    return await Promise.race([running, cut]);
  } finally {
    clock.clearTimeout(handle);
    signal?.removeEventListener('abort', onAbort);
  }
}
