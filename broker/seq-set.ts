/**
 * A sorted set of sequence numbers kept as a bitmap in chunks of {@link SEQ_CHUNK_BITS}: a
 * queue's backlog costs one bit per sequence number of the range it spans (plus about 250 bytes
 * per chunk in use), whatever its size, instead of an object per message. The broker's sequence
 * numbers rise, so members cluster and chunks fill; chunks that empty are dropped at once, so
 * the memory of a drained queue goes back.
 */

/** Sequence numbers per chunk (a multiple of 32). */
export const SEQ_CHUNK_BITS = 1024;
const WORDS = SEQ_CHUNK_BITS / 32;

export class SeqSet {
  readonly #chunks = new Map<number, Uint32Array>();
  /** Numbers of the chunks in use, ascending, from {@link #first}. */
  #order: number[] = [];
  #first = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(seq: number): boolean {
    const bits = this.#chunks.get(Math.floor(seq / SEQ_CHUNK_BITS));
    if (bits === undefined) return false;
    const at = seq % SEQ_CHUNK_BITS;
    return ((bits[at >>> 5] ?? 0) & (1 << (at & 31))) !== 0;
  }

  /** Adds `seq` (a non-negative safe integer); false when it was there. */
  add(seq: number): boolean {
    const chunk = Math.floor(seq / SEQ_CHUNK_BITS);
    let bits = this.#chunks.get(chunk);
    if (bits === undefined) {
      bits = new Uint32Array(WORDS);
      this.#chunks.set(chunk, bits);
      this.#insertChunk(chunk);
    }
    const at = seq % SEQ_CHUNK_BITS;
    const word = bits[at >>> 5] ?? 0;
    const mask = 1 << (at & 31);
    if ((word & mask) !== 0) return false;
    bits[at >>> 5] = word | mask;
    this.#size += 1;
    return true;
  }

  /** Removes `seq`; false when it was not there. */
  delete(seq: number): boolean {
    const chunk = Math.floor(seq / SEQ_CHUNK_BITS);
    const bits = this.#chunks.get(chunk);
    if (bits === undefined) return false;
    const at = seq % SEQ_CHUNK_BITS;
    const word = bits[at >>> 5] ?? 0;
    const mask = 1 << (at & 31);
    if ((word & mask) === 0) return false;
    bits[at >>> 5] = word & ~mask;
    this.#size -= 1;
    if (isEmpty(bits)) this.#dropChunk(chunk);
    return true;
  }

  /** The lowest member, or undefined when empty. */
  first(): number | undefined {
    const chunk = this.#order[this.#first];
    if (chunk === undefined) return undefined;
    const bits = this.#chunks.get(chunk) as Uint32Array;
    for (let w = 0; w < WORDS; w += 1) {
      const word = bits[w] ?? 0;
      if (word !== 0) return chunk * SEQ_CHUNK_BITS + w * 32 + (31 - Math.clz32(word & -word));
    }
    return undefined;
  }

  /** The highest member, or 0 when empty. */
  max(): number {
    const chunk = this.#order[this.#order.length - 1];
    if (chunk === undefined || this.#first >= this.#order.length) return 0;
    const bits = this.#chunks.get(chunk) as Uint32Array;
    for (let w = WORDS - 1; w >= 0; w -= 1) {
      const word = bits[w] ?? 0;
      if (word !== 0) return chunk * SEQ_CHUNK_BITS + w * 32 + (31 - Math.clz32(word));
    }
    return 0;
  }

  /** The chunk's bits (live: copy before keeping), or undefined when it has no member. */
  chunk(chunk: number): Uint32Array | undefined {
    return this.#chunks.get(chunk);
  }

  /** Sets a whole chunk's bits (loading a persisted index); an empty one is ignored. */
  setChunk(chunk: number, bits: Uint32Array): void {
    const old = this.#chunks.get(chunk);
    if (old !== undefined) {
      this.#size -= popCount(old);
      this.#dropChunk(chunk);
    }
    const count = popCount(bits);
    if (count === 0) return;
    this.#chunks.set(chunk, Uint32Array.from(bits));
    this.#insertChunk(chunk);
    this.#size += count;
  }

  /** Chunk numbers in use, ascending (a copy). */
  chunkNumbers(): number[] {
    return this.#order.slice(this.#first);
  }

  /** The members, ascending (the set must not change meanwhile). */
  *[Symbol.iterator](): Generator<number> {
    for (let i = this.#first; i < this.#order.length; i += 1) {
      const chunk = this.#order[i] as number;
      const bits = this.#chunks.get(chunk) as Uint32Array;
      for (let w = 0; w < WORDS; w += 1) {
        let word = bits[w] ?? 0;
        while (word !== 0) {
          const low = word & -word;
          yield chunk * SEQ_CHUNK_BITS + w * 32 + (31 - Math.clz32(low));
          word = (word ^ low) >>> 0;
        }
      }
    }
  }

  /** An independent copy. */
  clone(): SeqSet {
    const copy = new SeqSet();
    for (const chunk of this.chunkNumbers()) {
      copy.setChunk(chunk, this.#chunks.get(chunk) as Uint32Array);
    }
    return copy;
  }

  #insertChunk(chunk: number): void {
    const order = this.#order;
    const last = order[order.length - 1];
    if (last === undefined || this.#first >= order.length || last < chunk) {
      if (this.#first >= order.length) {
        this.#order = [chunk];
        this.#first = 0;
      } else {
        order.push(chunk);
      }
      return;
    }
    const lo = this.#lowerBound(chunk);
    if (lo === this.#first && this.#first > 0) {
      this.#first -= 1;
      order[this.#first] = chunk;
    } else {
      order.splice(lo, 0, chunk);
    }
  }

  /** The first position of the chunk order, from `#first`, whose chunk is not below `chunk`. */
  #lowerBound(chunk: number): number {
    const order = this.#order;
    let lo = this.#first;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((order[mid] ?? 0) < chunk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #dropChunk(chunk: number): void {
    this.#chunks.delete(chunk);
    const order = this.#order;
    if (order[this.#first] === chunk) {
      // The usual case: a queue drains from its front. Shrink the array once half is unused.
      this.#first += 1;
      if (this.#first === order.length) {
        this.#order = [];
        this.#first = 0;
      } else if (this.#first > 64 && this.#first * 2 > order.length) {
        this.#order = order.slice(this.#first);
        this.#first = 0;
      }
      return;
    }
    const lo = this.#lowerBound(chunk);
    if (order[lo] === chunk) order.splice(lo, 1);
  }
}

function isEmpty(bits: Uint32Array): boolean {
  for (let w = 0; w < bits.length; w += 1) if (bits[w] !== 0) return false;
  return true;
}

/** Members of one chunk. */
export function popCount(bits: Uint32Array): number {
  let count = 0;
  for (let w = 0; w < bits.length; w += 1) {
    let v = bits[w] ?? 0;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    count += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return count;
}
