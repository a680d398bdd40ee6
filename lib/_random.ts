/**
 * The private side of `random.ts`: the seed check every seeded function of lib uses, the
 * generator behind `makeRng`, and lib's global stream of seeds that `setSeed` restarts.
 *
 * @module
 */
import type { Rng } from "./random.ts";
import { checkPositiveInt, describe } from "./_validate.ts";

/**
 * Checks that `seed` is an integer and returns it as an unsigned 32-bit value. Anything else
 * (a string, a fraction, NaN) is a TypeError, e.g. `seed must be an integer, got "1"`.
 */
export function checkSeed(seed: unknown, name = "seed"): number {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new TypeError(`${name} must be an integer, got ${describe(seed)}`);
  }
  return seed >>> 0;
}

/**
 * A generator started from a checked 32-bit state: mulberry32 for uniforms, Box–Muller for
 * normals (the second normal of each pair is kept for the next call).
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
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
  const int = (n: number): number => Math.floor(next() * checkPositiveInt(n, "n"));
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

/** lib's global stream of seeds, restarted by `setSeed`. */
let stream = createRng(0);

/** Restarts the global stream of seeds from `seed` (checked). */
export function restartStream(seed: unknown): void {
  stream = createRng(checkSeed(seed));
}

/** The next seed of the global stream, an integer in [0, 2³¹). */
export function drawSeed(): number {
  return Math.floor(stream.next() * 2147483648);
}

/** Returns `seed` when given (checked), else the next seed of the global stream. */
export function seedOr(seed: unknown, name = "seed"): number {
  return seed === undefined ? drawSeed() : checkSeed(seed, name);
}
