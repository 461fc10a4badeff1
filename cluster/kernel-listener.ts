/**
 * Typed events a kernel emits as they happen (its counters are read with `stats()`): how long
 * each call to another kernel took and how it ended, and how long a sender waited for a link's
 * queue to drain, handshakes refused and members not reached. Metrics and logs attach here
 * without the kernel knowing either.
 */
import { performance } from 'node:perf_hooks';
import type { KernelUnreachableEvent } from './dial-reports.js';
import { CallError } from './errors.js';
import type { KernelRefusal } from './refusals.js';

export type KernelCallOutcome = 'ok' | 'error' | 'timeout';

export interface KernelCallEvent {
  /** The called kernel. */
  readonly kernel: string;
  readonly durationMs: number;
  readonly outcome: KernelCallOutcome;
}

export interface KernelWaitEvent {
  readonly kernel: string;
  readonly durationMs: number;
}

/** Every member is optional. Listeners must not throw (a throw is swallowed). */
export interface KernelListener {
  /** A call to another kernel settled. */
  call?(event: KernelCallEvent): void;
  /** `waitWritable` waited for a link's queue to go below its high-water mark. */
  backpressureWait?(event: KernelWaitEvent): void;
  /**
   * A handshake refused for good reason (`NAME_TAKEN`, `AUTH_FAILED`), either way: at its first
   * occurrence, then at most once a minute while it repeats (`unreported` counts the others).
   */
  refusal?(event: KernelRefusal): void;
  /** A member could not be linked: at the first failure, then every 30 s while it lasts. */
  unreachable?(event: KernelUnreachableEvent): void;
}

/** The listeners of one kernel; timing costs nothing while there are none. */
export class KernelListeners {
  readonly #listeners = new Set<KernelListener>();

  add(listener: KernelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reports how `pending` (a call to `kernel`) settles; returns it unchanged. */
  timeCall<T>(kernel: string, pending: Promise<T>): Promise<T> {
    if (this.#listeners.size === 0) return pending;
    const started = performance.now();
    const done = (outcome: KernelCallOutcome): void => {
      const event = { kernel, durationMs: performance.now() - started, outcome };
      this.#emit((l) => l.call?.(event));
    };
    pending.then(
      () => done('ok'),
      (err: unknown) =>
        done(err instanceof CallError && err.code === 'TIMEOUT' ? 'timeout' : 'error'),
    );
    return pending;
  }

  /** Reports how long `pending` (a wait for `kernel`'s queue) took; returns it unchanged. */
  timeWait(kernel: string, pending: Promise<void>): Promise<void> {
    if (this.#listeners.size === 0) return pending;
    const started = performance.now();
    const done = (): void => {
      const event = { kernel, durationMs: performance.now() - started };
      this.#emit((l) => l.backpressureWait?.(event));
    };
    pending.then(done, done);
    return pending;
  }

  /** Tells listeners of a refusal that is due (undefined: nothing to tell). */
  refusal(event: KernelRefusal | undefined): void {
    if (event !== undefined) this.#emit((l) => l.refusal?.(event));
  }

  /** Tells listeners of an unreachable member that is due (undefined: nothing to tell). */
  unreachable(event: KernelUnreachableEvent | undefined): void {
    if (event !== undefined) this.#emit((l) => l.unreachable?.(event));
  }

  #emit(send: (listener: KernelListener) => void): void {
    for (const listener of this.#listeners) {
      try {
        send(listener);
      } catch {
        // A faulty listener must not break the kernel.
      }
    }
  }
}
