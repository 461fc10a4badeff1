/** A small seeded pseudo-random generator (mulberry32): the same seed gives the same samples. */

export interface Rng {
  /** An integer in `[lo, hi]` (both inclusive). */
  int(lo: number, hi: number): number;
  /** A float in `[0, 1)`. */
  next(): number;
}

/** FNV-1a of a string: turns `seed + operation name` into a 32-bit seed. */
export function hashSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i += 1) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => (hi <= lo ? lo : lo + Math.floor(next() * (hi - lo + 1))),
  };
}
