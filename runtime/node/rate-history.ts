/**
 * A bounded history of one endpoint's work: a ring of fixed-length buckets (10 s × 90 = the last
 * 15 minutes by default), each holding the records done and the errors counted in it. Fed with
 * counter deltas as the endpoint's heartbeats arrive; read as a list of samples, oldest first,
 * with empty buckets as zeros. Memory is fixed: two numbers and a key per bucket.
 */

/** Length of one bucket of the console's rate history. */
export const RATE_BUCKET_MS = 10_000;
/** Buckets kept: 90 × 10 s = 15 minutes. */
export const RATE_BUCKETS = 90;

export interface RateSample {
  /** Start of the bucket (ms since the epoch, node clock). */
  readonly atMs: number;
  /** Records done in it (outbound: completed at the source; inbound: delivered to the target). */
  readonly done: number;
  /** Failed attempts counted in it. */
  readonly errors: number;
}

export interface RateHistoryOptions {
  /** @defaultValue RATE_BUCKET_MS */
  readonly bucketMs?: number;
  /** @defaultValue RATE_BUCKETS */
  readonly buckets?: number;
}

export class RateHistory {
  readonly bucketMs: number;
  readonly buckets: number;
  /** Which bucket (`floor(atMs / bucketMs)`) each slot holds now; -1 for none. */
  readonly #keys: number[];
  readonly #done: number[];
  readonly #errors: number[];

  constructor(options: RateHistoryOptions = {}) {
    this.bucketMs = options.bucketMs ?? RATE_BUCKET_MS;
    this.buckets = options.buckets ?? RATE_BUCKETS;
    if (!Number.isInteger(this.bucketMs) || this.bucketMs <= 0) {
      throw new RangeError(`bucketMs must be a positive integer, got ${this.bucketMs}`);
    }
    if (!Number.isInteger(this.buckets) || this.buckets <= 0) {
      throw new RangeError(`buckets must be a positive integer, got ${this.buckets}`);
    }
    this.#keys = new Array<number>(this.buckets).fill(-1);
    this.#done = new Array<number>(this.buckets).fill(0);
    this.#errors = new Array<number>(this.buckets).fill(0);
  }

  /** Counts `done` records and `errors` at `atMs` (negative amounts are ignored). */
  add(atMs: number, done: number, errors: number): void {
    if (done <= 0 && errors <= 0) return;
    const key = Math.floor(atMs / this.bucketMs);
    const slot = key % this.buckets;
    if (this.#keys[slot] !== key) {
      // The slot held a bucket a whole ring ago (or none): it starts over.
      this.#keys[slot] = key;
      this.#done[slot] = 0;
      this.#errors[slot] = 0;
    }
    this.#done[slot] = (this.#done[slot] ?? 0) + Math.max(0, done);
    this.#errors[slot] = (this.#errors[slot] ?? 0) + Math.max(0, errors);
  }

  /** Every bucket of the ring ending with the one `nowMs` falls in, oldest first. */
  samples(nowMs: number): RateSample[] {
    const last = Math.floor(nowMs / this.bucketMs);
    const out: RateSample[] = [];
    for (let key = last - this.buckets + 1; key <= last; key++) {
      const slot = ((key % this.buckets) + this.buckets) % this.buckets;
      const held = this.#keys[slot] === key;
      out.push({
        atMs: key * this.bucketMs,
        done: held ? (this.#done[slot] ?? 0) : 0,
        errors: held ? (this.#errors[slot] ?? 0) : 0,
      });
    }
    return out;
  }

  /** Records done and errors over the last `windowMs` up to `nowMs` (whole buckets). */
  sum(nowMs: number, windowMs: number): { done: number; errors: number; windowMs: number } {
    const count = Math.min(this.buckets, Math.max(1, Math.ceil(windowMs / this.bucketMs)));
    let done = 0;
    let errors = 0;
    for (const s of this.samples(nowMs).slice(-count)) {
      done += s.done;
      errors += s.errors;
    }
    // The newest bucket is partly over: the window is what has passed of it plus the full ones.
    const span = (count - 1) * this.bucketMs + (nowMs % this.bucketMs);
    return { done, errors, windowMs: Math.max(1, span) };
  }
}
