/**
 * Dropout from scratch, in its two forms, with the probability named unambiguously.
 *
 * Two numbers describe the same dropout layer, and sources use the letter p for either:
 *
 * - `rate`: the probability of **dropping** a unit (tfjs `tf.layers.dropout({ rate })`, Keras
 *   `Dropout(rate)`, lib's `mlp({ dropout })`, PyTorch `Dropout(p)`);
 * - `keepProb`: the probability of **keeping** it, p = 1 − rate (the original paper's p).
 *
 * Every function here takes exactly one of them, by name. With a mask r of independent
 * Bernoulli(keepProb) draws (1 = keep):
 *
 * | form | training | inference |
 * | --- | --- | --- |
 * | inverted (tfjs, Keras, PyTorch) | h ⊙ r / keepProb | h |
 * | original | h ⊙ r | keepProb · h |
 *
 * In both forms the training output's expectation equals the inference output:
 * E[h ⊙ r / p] = h and E[h ⊙ r] = p·h.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkKeepProb, checkRate, resolveKeepProb } from "./_dropout_probability.ts";
import {
  checkNonEmptyArray,
  checkOptions,
  checkPositiveInt,
  checkTensor,
  describe,
  LIMITS,
} from "./_validate.ts";
import { checkSeed, seedOr } from "./_random.ts";
import { makeRng } from "./random.ts";

/** The dropout probability, given one way or the other: exactly one of the two fields. */
export interface DropoutProbability {
  /** Probability of dropping a unit, in [0, 1) (tfjs/Keras `rate`). */
  rate?: number;
  /** Probability of keeping a unit, in (0, 1]; keepProb = 1 − rate. */
  keepProb?: number;
}

/** Options of {@link dropoutMask}. */
export interface DropoutMaskOptions extends DropoutProbability {
  /** Seed of the mask. @default the next seed of lib's global stream */
  seed?: number;
}

/** Options of {@link invertedDropout} and {@link originalDropout}. */
export interface DropoutOptions extends DropoutMaskOptions {
  /** Training (draw a mask) or inference (no mask). Required: there is no silent default. */
  training: boolean;
}

/**
 * Converts a dropout rate (drop probability, as tfjs and Keras take it) to a keep probability:
 * keepProb = 1 − rate.
 *
 * @param rate The probability of dropping a unit, in [0, 1).
 * @returns The probability of keeping it, in (0, 1].
 *
 * @example tfjs's rate 0.2 keeps 80 % of the units
 * ```ts
 * import { keepProbFromRate } from "./dropout.ts";
 * if (keepProbFromRate(0.2) !== 0.8) throw new Error("expected 0.8");
 * ```
 */
export function keepProbFromRate(rate: number): number {
  return 1 - checkRate(rate);
}

/**
 * Converts a keep probability to the dropout rate tfjs and Keras take: rate = 1 − keepProb.
 *
 * @param keepProb The probability of keeping a unit, in (0, 1].
 * @returns The probability of dropping it, in [0, 1).
 *
 * @example Keeping 90 % of the units is `tf.layers.dropout({ rate: 0.1 })`
 * ```ts
 * import { rateFromKeepProb } from "./dropout.ts";
 * if (Math.abs(rateFromKeepProb(0.9) - 0.1) > 1e-12) throw new Error("expected 0.1");
 * ```
 */
export function rateFromKeepProb(keepProb: number): number {
  return 1 - checkKeepProb(keepProb);
}

/** Throws unless `x` is a live float32 tensor. */
function checkFloatTensor(x: unknown, name: string): tf.Tensor {
  const t = checkTensor<tf.Tensor>(x, name);
  if (t.dtype !== "float32") {
    throw new TypeError(`${name} must be a float32 tensor, got dtype ${t.dtype}`);
  }
  return t;
}

/** A mask shape: positive integers holding at most `LIMITS.maskValues` values in all. */
function checkShape(shape: unknown): number[] {
  const dims = checkNonEmptyArray<number>(shape, "shape", "positive integers");
  dims.forEach((d, i) => checkPositiveInt(d, `shape[${i}]`));
  const size = dims.reduce((a, b) => a * b, 1);
  if (size > LIMITS.maskValues) {
    throw new RangeError(
      `shape must hold at most ${LIMITS.maskValues} values, got [${dims.join(", ")}] = ${size}`,
    );
  }
  return dims;
}

/**
 * A dropout mask: independent Bernoulli(keepProb) draws, 1 for a kept unit and 0 for a
 * dropped one, from lib's seeded generator (the same seed gives the same mask on every
 * backend).
 *
 * @param shape The mask's shape, e.g. `[examples, units]`: at most 10⁸ values (400 MB).
 * @param options `rate` or `keepProb` (exactly one), and the seed.
 * @returns A float32 tensor of zeros and ones (the caller disposes it).
 *
 * @example About 80 % ones with keepProb 0.8
 * ```ts
 * import { dropoutMask } from "./dropout.ts";
 * const mask = dropoutMask([100, 100], { keepProb: 0.8, seed: 1 });
 * const kept = mask.mean().dataSync()[0];
 * if (Math.abs(kept - 0.8) > 0.02) throw new Error(`kept ${kept}`);
 * mask.dispose();
 * ```
 */
export function dropoutMask(shape: number[], options: DropoutMaskOptions): tf.Tensor {
  const dims = checkShape(shape);
  const o = checkOptions(options, ["rate", "keepProb", "seed"]);
  const keepProb = resolveKeepProb(o);
  const rng = makeRng(seedOr(o.seed));
  const size = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.next() < keepProb ? 1 : 0;
  return tf.tensor(values, dims, "float32");
}

function dropout(
  x: tf.Tensor,
  options: DropoutOptions,
  name: string,
  scaleTrain: (keepProb: number) => number,
  scaleInfer: (keepProb: number) => number,
): tf.Tensor {
  checkFloatTensor(x, "x");
  const o = checkOptions(options, ["rate", "keepProb", "seed", "training"]);
  if (typeof o.training !== "boolean") {
    throw new TypeError(
      `${name} options.training must be true (draw a mask) or false (inference), got ${
        describe(o.training)
      }`,
    );
  }
  const keepProb = resolveKeepProb(o);
  // Inference draws no mask, but a seed that is not an integer is still a mistake to report.
  if (o.seed !== undefined) checkSeed(o.seed);
  if (!o.training) return tf.tidy(() => tf.mul(x, scaleInfer(keepProb)));
  const mask = dropoutMask(x.shape, { keepProb, seed: o.seed });
  return tf.tidy(() => {
    const out = tf.mul(tf.mul(x, mask), scaleTrain(keepProb));
    mask.dispose();
    return out;
  });
}

/**
 * Inverted dropout, the form tfjs, Keras and PyTorch use. Training: keep each unit with
 * probability keepProb and scale the kept ones up, h̃ = h ⊙ r / keepProb; inference: the
 * identity, h̃ = h. Because E[r] = keepProb, E[h̃] = h in training: the next layer sees
 * activations of the same expected size in both modes, and inference needs no change.
 *
 * @param x The activations h (float32, any shape).
 * @param options `rate` or `keepProb` (exactly one), `training`, and the mask's seed.
 * @returns A new tensor (the caller disposes it); in inference a copy of x.
 *
 * @example Kept units are scaled by 1 / keepProb
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { invertedDropout } from "./dropout.ts";
 * const h = tf.ones([1, 1000]);
 * const out = invertedDropout(h, { rate: 0.5, training: true, seed: 3 });
 * const values = new Set(out.dataSync());
 * if (![...values].every((v) => v === 0 || v === 2)) throw new Error("expected 0 or 2");
 * tf.dispose([h, out]);
 * ```
 */
export function invertedDropout(x: tf.Tensor, options: DropoutOptions): tf.Tensor {
  return dropout(x, options, "invertedDropout", (p) => 1 / p, () => 1);
}

/**
 * Dropout as first proposed (Srivastava et al., 2014): training keeps each unit with
 * probability keepProb and leaves the kept ones as they are, h̃ = h ⊙ r; inference scales
 * every unit down, h̃ = keepProb · h, to match the training output's expectation E[h ⊙ r] =
 * keepProb · h. It computes the same function as {@link invertedDropout} up to the factor
 * keepProb, which the next layer's weights can absorb.
 *
 * @param x The activations h (float32, any shape).
 * @param options `rate` or `keepProb` (exactly one), `training`, and the mask's seed.
 * @returns A new tensor (the caller disposes it).
 *
 * @example Inference multiplies by the keep probability
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { originalDropout } from "./dropout.ts";
 * const h = tf.tensor2d([[2, 4]]);
 * const out = originalDropout(h, { keepProb: 0.75, training: false });
 * if (out.dataSync().join() !== "1.5,3") throw new Error(`got ${out.dataSync()}`);
 * tf.dispose([h, out]);
 * ```
 */
export function originalDropout(x: tf.Tensor, options: DropoutOptions): tf.Tensor {
  return dropout(x, options, "originalDropout", () => 1, (p) => p);
}
