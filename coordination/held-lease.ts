/**
 * The one `Lease` every backend hands out: the local deadline, the background renewal and the
 * end signal are the same whatever the engine; only the two calls that touch the engine
 * (`LeaseEngine`) differ. Kept apart so that the rule "the holder learns of the end no later than
 * the engine could end it" is written once.
 */
import { performance } from 'node:perf_hooks';
import { withDeadline } from '../util/index.js';
import type {
  CoordinationWaitOptions,
  FencingToken,
  Lease,
  LeaseEndReason,
} from './coordinator.js';
import { COORDINATION_DEADLINE_ERRORS, LeaseLostError } from './errors.js';

/** What a backend does for one granted lease. Errors are the backend's typed ones. */
export interface LeaseEngine {
  /** Extends the lease by its ttl; resolves `false` when the engine no longer has it. */
  renew(signal: AbortSignal): Promise<boolean>;
  /** Ends the lease in the engine, if it is still this one (its token); no-op otherwise. */
  release(signal: AbortSignal): Promise<void>;
}

export interface HeldLeaseInit {
  readonly key: string;
  readonly holder: string;
  readonly token: FencingToken;
  readonly ttlMs: number;
  /** `performance.now()` just before the granting request was sent. */
  readonly sentAt: number;
  readonly keepAlive: boolean;
  readonly operationTimeoutMs: number;
  readonly engine: LeaseEngine;
  /** Called once when the lease ends, so its coordinator forgets it. */
  readonly onEnd: (lease: HeldLease) => void;
}

export class HeldLease implements Lease {
  readonly key: string;
  readonly holder: string;
  readonly token: FencingToken;
  readonly ttlMs: number;
  readonly #init: HeldLeaseInit;
  readonly #controller = new AbortController();
  #deadline: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;
  #releasing: Promise<void> | undefined;

  constructor(init: HeldLeaseInit) {
    this.key = init.key;
    this.holder = init.holder;
    this.token = init.token;
    this.ttlMs = init.ttlMs;
    this.#init = init;
    this.#arm(init.sentAt);
    if (init.keepAlive) this.#scheduleTick();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get held(): boolean {
    return !this.#controller.signal.aborted;
  }

  renew(options: CoordinationWaitOptions = {}): Promise<void> {
    // One renewal at a time: a second caller shares the first's outcome.
    this.#renewing ??= this.#renewOnce(options).finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  release(options: CoordinationWaitOptions = {}): Promise<void> {
    this.#releasing ??= (async () => {
      // The guarded work stops before the engine lets a successor in.
      this.#end('released');
      await withDeadline(
        {
          operation: `release lease on '${this.key}'`,
          timeoutMs: options.timeoutMs ?? this.#init.operationTimeoutMs,
          signal: options.signal,
          errors: COORDINATION_DEADLINE_ERRORS,
        },
        (signal) => this.#init.engine.release(signal),
      );
    })();
    return this.#releasing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  async #renewOnce(options: CoordinationWaitOptions): Promise<void> {
    if (!this.held) throw this.signal.reason as Error;
    // The engine's new expiry starts when it handles the request, so at or after this moment.
    const sentAt = performance.now();
    const renewed = await withDeadline(
      {
        operation: `renew lease on '${this.key}'`,
        timeoutMs: options.timeoutMs ?? this.#init.operationTimeoutMs,
        signal: options.signal,
        errors: COORDINATION_DEADLINE_ERRORS,
      },
      (signal) => this.#init.engine.renew(signal),
    );
    // Ended while the call was out (the deadline passed, or released): an answer cannot revive it.
    if (!this.held) throw this.signal.reason as Error;
    if (!renewed) {
      this.#end('lost');
      throw this.signal.reason as Error;
    }
    this.#arm(sentAt);
  }

  #arm(sentAt: number): void {
    clearTimeout(this.#deadline);
    const left = sentAt + this.ttlMs - performance.now();
    this.#deadline = setTimeout(() => this.#end('expired'), Math.max(0, left));
    // Background: a process with nothing else to do need not stay up for its lease's deadline.
    this.#deadline.unref();
  }

  /** Renews every third of the ttl, so two renewals may fail before the deadline passes. */
  #scheduleTick(): void {
    const interval = Math.max(1, Math.floor(this.ttlMs / 3));
    this.#tick = setTimeout(() => {
      // A renewal that hangs must not hold up the next one past the deadline.
      this.renew({ timeoutMs: interval })
        .catch(() => {
          // Lost: the signal says so. Unavailable or timed out: the next tick tries again.
        })
        .finally(() => {
          if (this.held) this.#scheduleTick();
        });
    }, interval);
    this.#tick.unref();
  }

  #end(reason: LeaseEndReason): void {
    if (!this.held) return;
    clearTimeout(this.#deadline);
    clearTimeout(this.#tick);
    this.#controller.abort(new LeaseLostError(this.key, this.token, reason));
    this.#init.onEnd(this);
  }
}
