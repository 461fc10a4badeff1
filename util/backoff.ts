/**
 * The package's one backoff: exponential growth up to a ceiling, with random jitter so that
 * peers cut off together do not come back together. A small class over numbers only (no timers;
 * the caller waits), so it is tested without a clock, as grpc-js `backoff-timeout.ts` keeps the
 * delay arithmetic apart from what waits.
 *
 * Its users: the cluster's redials (membership), the transports' reconnects (the connection
 * keeper), and the runtime's retries, idle polls, nack delays and endpoint restarts. They differ
 * only in options: the transports shrink each delay by a random factor in [0.5, 1)
 * (`jitterKind: 'downward'`, `jitter: 0.5`); the others move it up to 20 % either way (the
 * defaults).
 */

/** First delay when none is given. */
export const DEFAULT_BACKOFF_INITIAL_MS = 100;
/** Ceiling of the delay (before jitter) when none is given. */
export const DEFAULT_BACKOFF_MAX_MS = 5_000;
/** Growth per attempt when none is given. */
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
/** Share of the delay moved at random when none is given. */
export const DEFAULT_BACKOFF_JITTER = 0.2;
/** Attempts past this add no growth: keeps `multiplier ** n` finite (a zero first delay stays 0). */
const MAX_EXPONENT = 64;

/**
 * How the jitter moves a delay:
 * - `symmetric`: by up to `jitter` of itself either way, `d × [1 − jitter, 1 + jitter)`;
 * - `downward`: only shorter, `d × [1 − jitter, 1)` (with `jitter: 0.5`, AWS's "equal jitter").
 */
export type BackoffJitterKind = 'symmetric' | 'downward';

/** How a {@link Backoff} grows; every field has a default. */
export interface BackoffOptions {
  /** First delay. @defaultValue DEFAULT_BACKOFF_INITIAL_MS */
  readonly initialMs?: number;
  /** Largest delay (before jitter). @defaultValue DEFAULT_BACKOFF_MAX_MS */
  readonly maxMs?: number;
  /** Growth per attempt. @defaultValue DEFAULT_BACKOFF_MULTIPLIER */
  readonly multiplier?: number;
  /**
   * Share of each delay moved at random, 0–1 (a value outside is clamped; check untrusted input
   * with {@link checkBackoffOptions} first). @defaultValue DEFAULT_BACKOFF_JITTER
   */
  readonly jitter?: number;
  /** Which way the jitter moves a delay. @defaultValue 'symmetric' */
  readonly jitterKind?: BackoffJitterKind;
  /** Source of randomness in [0, 1); tests pass a fixed one. @defaultValue Math.random */
  readonly random?: () => number;
}

/** What is wrong with a backoff's options: the field (as named in them) and why. */
export interface BackoffOptionProblem {
  readonly field: 'initialMs' | 'maxMs' | 'multiplier' | 'jitter';
  readonly message: string;
}

/**
 * Checks options taken from outside (a config file, a caller) before a {@link Backoff} is built
 * from them, defaults applied; returns the first problem, or `undefined`. Each user turns the
 * problem into its own option error, naming the field as its users know it.
 */
export function checkBackoffOptions(options: BackoffOptions): BackoffOptionProblem | undefined {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  if (!Number.isFinite(initialMs) || initialMs < 0) {
    return { field: 'initialMs', message: `must be a number >= 0, got ${initialMs}` };
  }
  if (!Number.isFinite(maxMs) || maxMs < initialMs) {
    return { field: 'maxMs', message: `must be a number >= initialMs, got ${maxMs}` };
  }
  const jitter = options.jitter ?? DEFAULT_BACKOFF_JITTER;
  if (!(jitter >= 0 && jitter <= 1)) {
    return { field: 'jitter', message: `must be between 0 and 1, got ${jitter}` };
  }
  const multiplier = options.multiplier ?? DEFAULT_BACKOFF_MULTIPLIER;
  if (!(multiplier >= 1)) {
    return { field: 'multiplier', message: `must be >= 1, got ${multiplier}` };
  }
  return undefined;
}

/**
 * Delays for successive attempts: attempt `n` (1-based) waits
 * `min(maxMs, initialMs × multiplier^(n−1))`, moved by the jitter and rounded to a whole
 * millisecond (never below 0). `reset()` after a success starts again from `initialMs`.
 *
 * The options are taken as given (only `jitter` is clamped to 0–1): validate what comes from
 * outside with {@link checkBackoffOptions}.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #multiplier: number;
  readonly #jitter: number;
  readonly #downward: boolean;
  readonly #random: () => number;
  #attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    this.#maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
    this.#multiplier = options.multiplier ?? DEFAULT_BACKOFF_MULTIPLIER;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? DEFAULT_BACKOFF_JITTER));
    this.#downward = options.jitterKind === 'downward';
    this.#random = options.random ?? Math.random;
  }

  /** How many delays were handed out by {@link next} since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** @deprecated The same as {@link attempts}; the name the runtime's former class used. */
  get attempt(): number {
    return this.#attempts;
  }

  /** The delay before the next attempt; grows with each call until {@link reset}. */
  next(): number {
    const delay = this.delayFor(this.#attempts + 1);
    this.#attempts += 1;
    return delay;
  }

  /** The delay for attempt `n` (1-based), jitter included, without changing the count. */
  delayFor(n: number): number {
    const exponent = Math.min(Math.max(n - 1, 0), MAX_EXPONENT);
    const base = Math.min(this.#maxMs, this.#initialMs * this.#multiplier ** exponent);
    const r = this.#random();
    const delay = this.#downward
      ? base * (1 - this.#jitter + r * this.#jitter)
      : base + base * this.#jitter * (r * 2 - 1);
    return Math.max(0, Math.round(delay));
  }

  /** After a success: the next delay is `initialMs` again. */
  reset(): void {
    this.#attempts = 0;
  }
}
