/** Exponential backoff with jitter, over a narrow random source so it can be tested. */

export const DEFAULT_RECONNECT_INITIAL_MS = 100;
export const DEFAULT_RECONNECT_MAX_MS = 10_000;

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number = DEFAULT_RECONNECT_INITIAL_MS,
    private readonly maxMs: number = DEFAULT_RECONNECT_MAX_MS,
    private readonly random: () => number = Math.random,
  ) {
    if (!(initialMs > 0) || !(maxMs >= initialMs)) {
      throw new TypeError(`backoff: need 0 < initialMs <= maxMs, got ${initialMs} and ${maxMs}`);
    }
  }

  /**
   * The next delay: `initialMs × 2^attempt`, capped at `maxMs`, then scaled by a random factor
   * in [0.5, 1) so that clients cut off together do not come back together.
   */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(ceiling * (0.5 + this.random() * 0.5));
  }

  /** Called after a success: the next failure starts from `initialMs` again. */
  reset(): void {
    this.attempt = 0;
  }
}
