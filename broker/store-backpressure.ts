/**
 * Back-pressure from the store onto one connection: its store-backed steps (SENDs, ACKs,
 * COMMITs) in flight are counted, and past {@link MAX_STORE_OPS_IN_FLIGHT} the connection stops
 * reading until half of them have settled, so a producer faster than the disk (SENDs without
 * receipts) cannot make the broker queue without bound. DISCONNECT waits for {@link idle} before
 * its receipt.
 */

/** Store writes one connection may have in flight before the broker stops reading from it. */
export const MAX_STORE_OPS_IN_FLIGHT = 1024;

/** What the counter pauses and resumes: the connection's reading. */
export interface BackpressureHost {
  /** Too many writes in flight: stop reading. */
  pauseReading(inFlight: number): void;
  /** Back under the bound: read again (if nothing else holds reading back). */
  resumeReading(): void;
}

export class StoreBackpressure {
  readonly #host: BackpressureHost;
  #inFlight = 0;
  #throttled = false;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(host: BackpressureHost) {
    this.#host = host;
  }

  /** Reading is paused because too many of the connection's store writes are in flight. */
  get throttled(): boolean {
    return this.#throttled;
  }

  /** A store-backed step started. */
  started(): void {
    this.#inFlight += 1;
    if (this.#inFlight >= MAX_STORE_OPS_IN_FLIGHT && !this.#throttled) {
      this.#throttled = true;
      this.#host.pauseReading(this.#inFlight);
    }
  }

  /** A store-backed step settled (either way). */
  settled(): void {
    this.#inFlight -= 1;
    if (this.#throttled && this.#inFlight <= MAX_STORE_OPS_IN_FLIGHT / 2) {
      this.#throttled = false;
      this.#host.resumeReading();
    }
    if (this.#inFlight === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Resolves once every store-backed step started so far has settled. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
