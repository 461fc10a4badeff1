/** Deadlines and cancellation for every network wait (`{ timeoutMs, signal }`). */
import type { WaitOptions } from '../transport.js';
import { TransportAbortedError, TransportTimeoutError } from '../errors.js';

/**
 * Runs `work` with a deadline: rejects with `TransportTimeoutError` after `timeoutMs` (the
 * call's own, else `defaultMs`) and with `TransportAbortedError` when `options.signal` aborts.
 * `work` receives a signal that fires on either, so it can withdraw what it registered.
 * The timer is cleared on every path.
 */
export async function withDeadline<T>(
  operation: string,
  options: WaitOptions | undefined,
  defaultMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs = options?.timeoutMs ?? defaultMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `${operation}: timeoutMs must be a positive number, got ${String(timeoutMs)}`,
    );
  }
  const external = options?.signal;
  if (external?.aborted === true)
    throw new TransportAbortedError(operation, { cause: external.reason });
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TransportTimeoutError(operation, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    if (external !== undefined) {
      onAbort = () => {
        const error = new TransportAbortedError(operation, { cause: external.reason });
        controller.abort(error);
        reject(error);
      };
      external.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) external?.removeEventListener('abort', onAbort);
  }
}

/**
 * Resolves after `ms`, or rejects when `signal` aborts. The timer keeps the process alive: a
 * transport waiting to reconnect is still working (`close()` aborts the wait).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
