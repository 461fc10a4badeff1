/**
 * Passes on the latest of a stream of values, at most once per interval: the first value at once,
 * later ones when the interval ends (only the newest of them). An endpoint changes step several
 * times per record; its node needs the current step and its age, not every change, and each
 * report wakes the node process.
 */
export class LatestThrottle<T> {
  #pending: T | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: (value: T) => void,
    private readonly intervalMs: number,
  ) {}

  push(value: T): void {
    const wait = this.#sentAt + this.intervalMs - performance.now();
    if (wait <= 0 && this.#timer === undefined) {
      this.#sentAt = performance.now();
      this.send(value);
      return;
    }
    this.#pending = value;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), Math.max(0, wait));
      this.#timer.unref();
    }
  }

  /** Sends the value held back, if any, now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.#sentAt = performance.now();
    this.send(pending);
  }
}
