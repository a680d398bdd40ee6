/**
 * Seeded random numbers for everything lib draws: data sets, splits, shuffles, and the
 * seeds it hands to tfjs initializers and dropout.
 *
 * @module
 */

/** A seeded pseudo-random generator. */
export interface Rng {
  /** A uniform draw in [0, 1). */
  next(): number;
  /** A standard normal draw (mean 0, variance 1). */
  normal(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A new array with the items of `items` in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** Checks that `seed` is a finite integer and returns it as an unsigned 32-bit value. */
export function _checkSeed(seed: number, name = "seed"): number {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new TypeError(`${name} must be an integer, got ${String(seed)}`);
  }
  return seed >>> 0;
}

/**
 * Makes a seeded generator (mulberry32 for uniforms, Box–Muller for normals).
 *
 * @param seed An integer seed; the same seed gives the same sequence.
 * @returns A generator of uniform, normal and integer draws.
 *
 * @example Same seed, same draws
 * ```ts
 * import { makeRng } from "./random.ts";
 * const a = makeRng(7), b = makeRng(7);
 * if (a.next() !== b.next()) throw new Error("not reproducible");
 * ```
 */
export function makeRng(seed: number): Rng {
  let state = _checkSeed(seed);
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`n must be a positive integer, got ${n}`);
    }
    return Math.floor(next() * n);
  };
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return { next, normal, int, shuffle };
}

let globalRng = makeRng(0);

/**
 * Seeds lib's global stream of seeds. Call it once at the top of a notebook: every lib
 * function that takes an optional `seed` and is not given one draws it from this stream,
 * so a notebook run twice gives the same numbers.
 *
 * @param seed An integer seed.
 *
 * @example Reseeding repeats the stream
 * ```ts
 * import { nextSeed, setSeed } from "./random.ts";
 * setSeed(42);
 * const first = nextSeed();
 * setSeed(42);
 * if (nextSeed() !== first) throw new Error("not reproducible");
 * ```
 */
export function setSeed(seed: number): void {
  globalRng = makeRng(_checkSeed(seed));
}

/**
 * Draws the next integer seed from the global stream (see {@link setSeed}).
 *
 * @returns An integer in [0, 2³¹).
 *
 * @example
 * ```ts
 * import { nextSeed } from "./random.ts";
 * const s = nextSeed();
 * if (!Number.isInteger(s)) throw new Error("not an integer");
 * ```
 */
export function nextSeed(): number {
  return Math.floor(globalRng.next() * 2147483648);
}

/** Returns `seed` when given (checked), else the next seed of the global stream. */
export function _seedOr(seed: number | undefined, name = "seed"): number {
  return seed === undefined ? nextSeed() : _checkSeed(seed, name);
}
