/**
 * Seeded random numbers for everything lib draws: data sets, splits, shuffles, and the
 * seeds it hands to tfjs initializers and dropout.
 *
 * @module
 */
import { checkSeed, createRng, drawSeed, restartStream } from "./_random.ts";

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
  return createRng(checkSeed(seed));
}

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
  restartStream(seed);
}

/**
 * Draws the next integer seed from the global stream (see {@link setSeed}).
 *
 * @returns An integer in [0, 2³¹).
 *
 * @example A seed for a tfjs initializer
 * ```ts
 * import { nextSeed } from "./random.ts";
 * const s = nextSeed();
 * if (!Number.isInteger(s)) throw new Error("not an integer");
 * ```
 */
export function nextSeed(): number {
  return drawSeed();
}
