/** Deadlines and cancellation for network waits (`{ timeoutMs, signal }`). */
import { CallError } from './errors.js';

/**
 * Runs `start` (which registers resolve/reject somewhere and returns its own cleanup) under a
 * deadline and an abort signal; clears both on every path.
 */
export function withDeadline<T>(
  options: { timeoutMs?: number; signal?: AbortSignal },
  what: string,
  start: (resolve: (value: T) => void, reject: (error: Error) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true) {
      reject(new CallError('ABORTED', `${what}: aborted`, { cause: signal.reason }));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let cancel: () => void = () => undefined;
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      cancel();
      reject(new CallError('ABORTED', `${what}: aborted`, { cause: signal?.reason }));
    };
    cancel = start(
      (value) => {
        finish();
        resolve(value);
      },
      (error) => {
        finish();
        reject(error);
      },
    );
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish();
        cancel();
        reject(new CallError('TIMEOUT', `${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
