/**
 * Callers of a link's `waitWritable()`: each waits, under its own deadline, for the link's
 * outbound queue to go below its high-water mark, and all are woken together when it does (or
 * when the link closes, after which their next post fails on the closed link).
 */
import { withDeadline } from '../util/index.js';
import { CALL_DEADLINE_ERRORS } from './errors.js';
import type { KernelWaitOptions } from './kernel-types.js';

export class WritableWaiters {
  #waiters: (() => void)[] = [];

  /** Whether anyone waits. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves at the next {@link wakeAll}; rejects with `CallError` TIMEOUT / ABORTED at the
   * deadline or on abort (`operation` names the wait), and then stops waiting.
   */
  wait(operation: string, options: KernelWaitOptions): Promise<void> {
    const deadline = {
      operation,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      errors: CALL_DEADLINE_ERRORS,
    };
    return withDeadline(
      deadline,
      (signal) =>
        new Promise<void>((resolve) => {
          this.#waiters.push(resolve);
          signal.addEventListener(
            'abort',
            () => {
              this.#waiters = this.#waiters.filter((w) => w !== resolve);
            },
            { once: true },
          );
        }),
    );
  }

  /** Wakes every waiter. */
  wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
