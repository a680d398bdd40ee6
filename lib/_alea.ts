/**
 * Johannes Baagøe's Alea generator, the one tfjs draws its seeded uniforms from
 * (`tf.randomUniform(shape, min, max, "float32", seed)` seeds the `seedrandom` package's
 * `alea` with the seed as a string and stores min + (max − min)·u of every draw u in a
 * Float32Array). {@link fillUniform} gives the same float32 numbers without a tfjs op or a
 * read-back.
 *
 * The algorithm: a hash ("Mash") turns the seed's characters into three fractions s₀, s₁, s₂
 * in [0, 1) and a carry c = 1; each draw is t = 2091639·s₀ + c·2⁻³², then (s₀, s₁, s₂) ←
 * (s₁, s₂, t − ⌊t⌋) and c ← ⌊t⌋, and the draw is the new s₂. Every step is exact in double
 * precision, so the stream is the same on every JavaScript engine.
 *
 * @module
 */

/** 2⁻³², the weight of the carry and of Mash's 32-bit results. */
const TWO_M32 = 2.3283064365386963e-10;

/** The generator's state: three fractions and the carry. */
interface AleaState {
  s0: number;
  s1: number;
  s2: number;
  c: number;
}

/**
 * Mash, Alea's seed hash: a running 32-bit value (starting at 0xefc8249d) folded with the
 * character codes of each string it is given, each call returning the value as a fraction
 * of 2³². The value carries over from one call to the next.
 */
function mash(): (text: string) => number {
  let acc = 0xefc8249d;
  return (text) => {
    for (let i = 0; i < text.length; i++) {
      acc += text.charCodeAt(i);
      let h = 0.02519603282416938 * acc;
      acc = h >>> 0;
      h = (h - acc) * acc;
      acc = h >>> 0;
      h -= acc;
      acc += h * 0x100000000;
    }
    return (acc >>> 0) * TWO_M32;
  };
}

/** The state Alea starts from for `seed` (a number counts as its decimal string). */
function seedState(seed: number | string): AleaState {
  const text = String(seed);
  const hash = mash();
  const start = [hash(" "), hash(" "), hash(" ")];
  const [s0, s1, s2] = start.map((s) => {
    const v = s - hash(text);
    return v < 0 ? v + 1 : v;
  });
  return { s0, s1, s2, c: 1 };
}

/**
 * An Alea stream: each call returns the next draw, a double in [0, 1) with 32 random bits.
 * The same seed gives the stream of the `seedrandom` package's `alea(String(seed))`.
 *
 * @param seed The seed; a number counts as its decimal string (`7` seeds as `"7"`).
 * @returns The stream.
 *
 * @example Same seed, same draws
 * ```ts
 * import { alea } from "./_alea.ts";
 * const a = alea(7), b = alea("7");
 * if (a() !== b() || a() !== b()) throw new Error("not the same stream");
 * ```
 */
export function alea(seed: number | string): () => number {
  const st = seedState(seed);
  return () => {
    const t = 2091639 * st.s0 + st.c * TWO_M32;
    st.s0 = st.s1;
    st.s1 = st.s2;
    st.c = t | 0;
    return st.s2 = t - st.c;
  };
}

/**
 * Fills `out[start]` … `out[start + count − 1]` with the numbers
 * `tf.randomUniform([count], min, max, "float32", seed).dataSync()` holds: min + (max − min)·u
 * for the Alea draws u of `seed`, rounded to float32 as the array stores them.
 *
 * @param out The array to fill.
 * @param seed The seed tfjs would be given (a number counts as its decimal string).
 * @param start The first index filled. @default 0
 * @param count How many numbers. @default out.length − start
 * @param min The lower end. @default 0
 * @param max The upper end. @default 1
 * @returns `out`.
 * @throws {RangeError} When start and count do not name a range inside `out`.
 *
 * @example The numbers of a seeded tf.randomUniform
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { fillUniform } from "./_alea.ts";
 * const u = tf.randomUniform([2, 3], 0, 1, "float32", 42);
 * const want = u.dataSync();
 * u.dispose();
 * const got = fillUniform(new Float32Array(6), 42);
 * if (got.some((v, i) => v !== want[i])) throw new Error("different numbers");
 * ```
 */
export function fillUniform(
  out: Float32Array,
  seed: number | string,
  start = 0,
  count: number = out.length - start,
  min = 0,
  max = 1,
): Float32Array {
  if (
    !Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 ||
    start + count > out.length
  ) {
    throw new RangeError(
      `start and count must name a range inside out (length ${out.length}), got start ${start}, count ${count}`,
    );
  }
  let { s0, s1, s2, c } = seedState(seed);
  const range = max - min, end = start + count;
  // (t ≥ 0, so ⌊t⌋ is t | 0; Math.floor is the faster of the two here)
  for (let i = start; i < end; i++) {
    const t = 2091639 * s0 + c * TWO_M32;
    s0 = s1;
    s1 = s2;
    c = Math.floor(t);
    s2 = t - c;
    out[i] = min + range * s2;
  }
  return out;
}

/**
 * The inverted-dropout mask tfjs's dropout draws for `seed`, in one pass with its uniforms:
 * for the numbers u of `tf.randomUniform([count], 0, 1, "float32", seed)`, the mask
 * m = ⌊u + keep⌋ / keep (0, or 1/keep), each step rounded to float32 as tfjs computes it,
 * goes to `F[maskAt]` … `F[maskAt + count − 1]`, and the masked input
 * `F[outAt + j] = F[inAt + j] · m` beside it. `outAt` may be `inAt`, not `maskAt`.
 *
 * @param F The array holding the three ranges.
 * @param seed The seed tfjs's dropout would be given.
 * @param count How many numbers.
 * @param keep The keep probability 1 − rate, a float32 number in (0, 1].
 * @param maskAt Where the mask goes.
 * @param inAt Where the input is.
 * @param outAt Where the masked input goes.
 * @throws {RangeError} When a range does not lie inside `F` or keep is not in (0, 1].
 *
 * @example A mask of keep probability 0.5: every entry 0 or 2, the input scaled by it
 * ```ts
 * import { fillDropoutMask } from "./_alea.ts";
 * const F = new Float32Array(12).fill(3, 4, 8);
 * fillDropoutMask(F, 7, 4, 0.5, 0, 4, 8);
 * for (let j = 0; j < 4; j++) {
 *   if (F[j] !== 0 && F[j] !== 2) throw new Error(`mask ${F[j]}`);
 *   if (F[8 + j] !== 3 * F[j]) throw new Error("not masked");
 * }
 * ```
 */
export function fillDropoutMask(
  F: Float32Array,
  seed: number | string,
  count: number,
  keep: number,
  maskAt: number,
  inAt: number,
  outAt: number,
): void {
  if (!(keep > 0 && keep <= 1)) {
    throw new RangeError(`keep must be a probability in (0, 1], got ${keep}`);
  }
  for (const [name, at] of [["maskAt", maskAt], ["inAt", inAt], ["outAt", outAt]] as const) {
    if (
      !Number.isInteger(at) || !Number.isInteger(count) || at < 0 || count < 0 ||
      at + count > F.length
    ) {
      throw new RangeError(
        `${name} and count must name a range inside F (length ${F.length}), got ${name} ${at}, count ${count}`,
      );
    }
  }
  const k = Math.fround(keep);
  let { s0, s1, s2, c } = seedState(seed);
  for (let j = 0; j < count; j++) {
    const t = 2091639 * s0 + c * TWO_M32;
    s0 = s1;
    s1 = s2;
    c = Math.floor(t);
    s2 = t - c;
    const m = Math.fround(Math.floor(Math.fround(Math.fround(s2) + k)) / k);
    F[maskAt + j] = m;
    F[outAt + j] = F[inAt + j] * m;
  }
}
