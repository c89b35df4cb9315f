import { assertNumber, fail } from './assert.js';

/**
 * A small, fast, seedable pseudo-random generator (mulberry32 for 32-bit state mixing, seeded
 * through splitmix32 so nearby seeds give unrelated streams). Used wherever unet-kit draws random
 * numbers on the CPU side (augmentation parameters, crops, initializer seeds), so runs repeat.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.uniform(-15, 15); // same value every run with seed 42
 * ```
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** Integer uniform in [low, high) (high exclusive). */
  integer(low: number, high: number): number;
  /** Standard normal (mean 0, std 1), Box-Muller. */
  normal(mean?: number, std?: number): number;
  /** True with probability `p`. */
  bernoulli(p: number): boolean;
  /** A fresh 31-bit seed, for seeding tfjs initializers or child generators. */
  seed(): number;
  /** An independent child generator (deterministic given this generator's state). */
  fork(): Rng;
  /** A copy of the generator's position, JSON-serializable, for {@link Rng.setState} (exact resume). */
  getState(): RngState;
  /** Moves the generator to a position taken by {@link Rng.getState} (of this or any generator): the draws that followed it repeat. */
  setState(state: RngState): void;
}

/**
 * The whole position of an {@link Rng}: the 32-bit mulberry32 counter and the second normal of
 * the last Box-Muller pair, not yet handed out. Plain JSON, so it goes into a checkpoint.
 *
 * @example `const saved = rng.getState(); rng.next(); rng.setState(saved);` draws the same number again.
 */
export interface RngState {
  /** The mulberry32 state, an unsigned 32-bit integer. */
  readonly counter: number;
  /** The cached second normal of a Box-Muller pair, or `null`. */
  readonly spareNormal: number | null;
}

function assertRngState(state: unknown): asserts state is RngState {
  const { counter, spareNormal } = (state ?? {}) as Partial<RngState>;
  const ok = state !== null && typeof state === 'object' && Number.isInteger(counter) && counter! >= 0 && counter! < 2 ** 32 &&
    (spareNormal === null || (typeof spareNormal === 'number' && Number.isFinite(spareNormal)));
  if (!ok) fail('rng.setState', 'state', state, 'an object from rng.getState(): { counter: an integer in [0, 2^32), spareNormal: a finite number or null }');
}

function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Creates a seeded generator. Without a seed it draws one from `Math.random` (non-repeatable).
 *
 * @param seed - Any finite number; equal seeds give equal streams.
 * @example
 * ```ts
 * const rng = createRng(42);
 * const angle = rng.uniform(-15, 15); // the same value on every run with seed 42
 * const flip = rng.bernoulli(0.5);
 * ```
 */
export function createRng(seed?: number): Rng {
  // NaN or Infinity would silently collapse to one fixed stream.
  if (seed !== undefined) assertNumber('createRng', 'seed', seed);
  let state = splitmix32(seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Math.floor(seed));
  let spareNormal: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    integer: (low, high) => low + Math.floor((high - low) * next()),
    normal: (mean = 0, std = 1) => {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return mean + std * value;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spareNormal = radius * Math.sin(2 * Math.PI * v);
      return mean + std * radius * Math.cos(2 * Math.PI * v);
    },
    bernoulli: (p) => next() < p,
    seed: () => Math.floor(next() * 2147483647),
    fork: () => createRng(Math.floor(next() * 2147483647)),
    getState: () => ({ counter: state >>> 0, spareNormal: spareNormal ?? null }),
    setState: (saved) => {
      assertRngState(saved);
      state = saved.counter | 0;
      spareNormal = saved.spareNormal ?? undefined;
    },
  };
  return rng;
}
