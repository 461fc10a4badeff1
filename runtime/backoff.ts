/** Exponential backoff with jitter, a small class over numbers only (no timers). */
import { OptionError } from './errors.js';

export interface BackoffOptions {
  /** First delay. */
  readonly initialMs: number;
  /** Largest delay (before jitter). */
  readonly maxMs: number;
  /** Growth per attempt. @defaultValue 2 */
  readonly multiplier?: number;
  /** Each delay is moved at random by up to this share of itself, either way. @defaultValue 0.2 */
  readonly jitter?: number;
  /** Source of randomness in [0, 1). @defaultValue Math.random */
  readonly random?: () => number;
}

export class Backoff {
  private attempts = 0;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    checkBackoff(options, 'backoff');
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; grows each call. */
  next(): number {
    const base = Math.min(
      this.options.maxMs,
      this.options.initialMs * this.multiplier ** Math.min(this.attempts, 64),
    );
    this.attempts += 1;
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(base + spread));
  }

  /** The delay for attempt `n` (1-based) without changing the state. */
  delayFor(n: number): number {
    const base = Math.min(
      this.options.maxMs,
      this.options.initialMs * this.multiplier ** Math.min(Math.max(n - 1, 0), 64),
    );
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(base + spread));
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** Throws an `OptionError` naming `field` when the bounds are not usable. */
export function checkBackoff(options: BackoffOptions, field: string): void {
  if (!Number.isFinite(options.initialMs) || options.initialMs < 0) {
    throw new OptionError(`${field}.initialMs`, `must be a number >= 0, got ${options.initialMs}`);
  }
  if (!Number.isFinite(options.maxMs) || options.maxMs < options.initialMs) {
    throw new OptionError(`${field}.maxMs`, `must be a number >= initialMs, got ${options.maxMs}`);
  }
  const jitter = options.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new OptionError(`${field}.jitter`, `must be between 0 and 1, got ${jitter}`);
  }
  const multiplier = options.multiplier ?? 2;
  if (!(multiplier >= 1)) {
    throw new OptionError(`${field}.multiplier`, `must be >= 1, got ${multiplier}`);
  }
}
