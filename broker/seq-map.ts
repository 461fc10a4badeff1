/**
 * A map keyed by (destination, sequence number) without building a key string per entry: one
 * inner map of numbers per destination. The store's hot paths look up and set such keys for
 * every message; a composite string key cost an allocation and a string hash each time.
 */
export class SeqMap<V> {
  readonly #byDestination = new Map<string, Map<number, V>>();

  get(destination: string, seq: number): V | undefined {
    return this.#byDestination.get(destination)?.get(seq);
  }

  set(destination: string, seq: number, value: V): void {
    let inner = this.#byDestination.get(destination);
    if (inner === undefined) {
      inner = new Map();
      this.#byDestination.set(destination, inner);
    }
    inner.set(seq, value);
  }

  /** Deletes the entry; `true` when there was one. */
  delete(destination: string, seq: number): boolean {
    const inner = this.#byDestination.get(destination);
    if (inner === undefined || !inner.delete(seq)) return false;
    if (inner.size === 0) this.#byDestination.delete(destination);
    return true;
  }

  /** Deletes the entry only while it is still `value`. */
  deleteIf(destination: string, seq: number, value: V): void {
    if (this.get(destination, seq) === value) this.delete(destination, seq);
  }
}
