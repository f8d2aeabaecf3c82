/**
 * A small deterministic random number generator (mulberry32). Chaos mode draws every decision from one of
 * these, so a failing run is reproduced exactly by starting the stack again with the same seed.
 */
export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/**
 * Creates a generator from a 32-bit seed.
 *
 * @example
 * const random = createSeededRandom(42);
 * random.chance(0.1); // the same sequence on every run with seed 42
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed: seed >>> 0,
    next,
    chance: (probability) => next() < probability,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}

/**
 * A seed for one named stream, derived from the run's seed (FNV-1a). Chaos draws one stream per message
 * (keyed by its delivery id and attempt), so a delivery's fate depends only on the seed and its own key, not
 * on how concurrent requests happened to interleave.
 */
export function deriveSeed(seed: number, key: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
