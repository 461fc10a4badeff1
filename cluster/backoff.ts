/** Reconnect delays: exponential growth, a ceiling, and random jitter so peers do not stampede. */

export const DEFAULT_BACKOFF_INITIAL_MS = 100;
export const DEFAULT_BACKOFF_MAX_MS = 5_000;

export interface BackoffOptions {
  /** First delay. @defaultValue DEFAULT_BACKOFF_INITIAL_MS */
  readonly initialMs?: number;
  /** Ceiling of the delay before jitter. @defaultValue DEFAULT_BACKOFF_MAX_MS */
  readonly maxMs?: number;
  /** Growth per attempt. @defaultValue 2 */
  readonly multiplier?: number;
  /** Fraction of the delay added or removed at random (0–1). @defaultValue 0.2 */
  readonly jitter?: number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #multiplier: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempts = 0;

  /** `random` returns a number in [0, 1); tests pass a fixed one. */
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initialMs = options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    this.#maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
    this.#multiplier = options.multiplier ?? 2;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.#random = random;
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The delay before the next attempt. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#multiplier ** this.#attempts);
    this.#attempts += 1;
    const spread = base * this.#jitter;
    return Math.max(0, Math.round(base - spread + this.#random() * 2 * spread));
  }

  /** After a success: start again from the first delay. */
  reset(): void {
    this.#attempts = 0;
  }
}
