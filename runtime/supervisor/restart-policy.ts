/**
 * When to restart a dead endpoint: exponential backoff with jitter, reset after a stable run;
 * and when to stop trying: N restarts within a window quarantine it (state `failed`).
 */
import { Backoff } from '../../util/index.js';
import { checkBackoff } from '../backoff-option.js';
import type { Clock } from '../clock.js';
import { OptionError } from '../errors.js';

export interface RestartPolicyOptions {
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** `restarts` restarts within `windowMs`: the next death quarantines. */
  readonly quarantine: { readonly restarts: number; readonly windowMs: number };
  /** A run at least this long resets the backoff. @defaultValue backoff.maxMs */
  readonly stableAfterMs?: number;
  readonly clock: Clock;
  readonly random?: () => number;
}

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly restartsInWindow: number }
  | { readonly action: 'quarantine'; readonly restartsInWindow: number; readonly windowMs: number };

export class RestartPolicy {
  private readonly backoff: Backoff;
  private restarts: number[] = [];
  private readonly stableAfterMs: number;

  constructor(private readonly options: RestartPolicyOptions) {
    checkBackoff(options.backoff, 'restartBackoff');
    if (!Number.isInteger(options.quarantine.restarts) || options.quarantine.restarts < 1) {
      throw new OptionError(
        'quarantine.restarts',
        `must be a whole number >= 1, got ${options.quarantine.restarts}`,
      );
    }
    if (!(options.quarantine.windowMs > 0)) {
      throw new OptionError(
        'quarantine.windowMs',
        `must be > 0, got ${options.quarantine.windowMs}`,
      );
    }
    this.backoff = new Backoff({
      ...options.backoff,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.stableAfterMs = options.stableAfterMs ?? options.backoff.maxMs;
  }

  /** Restarts counted in the current window. */
  get restartsInWindow(): number {
    this.prune(this.options.clock.now());
    return this.restarts.length;
  }

  /** Decides what follows the death of a process that ran for `ranMs`. */
  onDeath(ranMs: number): RestartDecision {
    const now = this.options.clock.now();
    this.prune(now);
    if (this.restarts.length >= this.options.quarantine.restarts) {
      return {
        action: 'quarantine',
        restartsInWindow: this.restarts.length,
        windowMs: this.options.quarantine.windowMs,
      };
    }
    if (ranMs >= this.stableAfterMs) this.backoff.reset();
    this.restarts.push(now);
    return {
      action: 'restart',
      delayMs: this.backoff.next(),
      restartsInWindow: this.restarts.length,
    };
  }

  /** Forgets the history: a restart by hand gives the endpoint a fresh start. */
  reset(): void {
    this.restarts = [];
    this.backoff.reset();
  }

  private prune(now: number): void {
    const from = now - this.options.quarantine.windowMs;
    this.restarts = this.restarts.filter((at) => at > from);
  }
}
