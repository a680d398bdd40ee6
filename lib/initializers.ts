/**
 * Weight initializers for the lesson on vanishing and exploding gradients: zeros, small random
 * numbers, and the variance-scaling schemes of Glorot & Bengio (Xavier), He et al. and LeCun,
 * each as a tfjs initializer that `tf.layers.dense({ kernelInitializer })` (or a conv layer)
 * takes, seeded, with the variance its formula states.
 *
 * | scheme        | Var(W)                 | normal          | uniform on [−a, a], a = √(3·Var) |
 * | ------------- | ---------------------- | --------------- | -------------------------------- |
 * | Glorot/Xavier | 2 / (fan_in + fan_out) | `glorotNormal`  | `glorotUniform`                  |
 * | He/Kaiming    | 2 / fan_in             | `heNormal`      | `heUniform`                      |
 * | LeCun         | 1 / fan_in             | `leCunNormal`   | `leCunUniform`                   |
 * | small random  | σ² (σ = 0.01)          | `smallRandom`   |                                  |
 * | zeros         | 0                      | `zeros`         |                                  |
 *
 * Fans: a Dense kernel [n_in, n_out] has fan_in = n_in, fan_out = n_out; a conv kernel
 * [k_h, k_w, c_in, c_out] has fan_in = k_h·k_w·c_in and fan_out = k_h·k_w·c_out (see
 * {@link fans}).
 *
 * **The normal convention.** lib's normal initializers draw an untruncated normal,
 * W ~ N(0, Var) with σ = √Var, as PyTorch's `kaiming_normal_` and `xavier_normal_` do, so the
 * sample variance is the formula's. tfjs 4.22's `glorotNormal`, `heNormal` and `leCunNormal`
 * instead draw a normal truncated at ±2σ (values beyond are redrawn) without correcting σ; the
 * truncation removes the tails and leaves a variance of 0.7737·Var (0.7737 = 1 − 4φ(2) /
 * (2Φ(2) − 1), the variance of a standard normal cut at ±2): a 400×300 He-normal kernel from
 * tfjs has variance 3.85e-3 instead of 5.0e-3. Keras undoes the cut by drawing from a
 * truncated normal of σ / 0.87962566 (√0.7737 = 0.8796). The uniform schemes of tfjs are
 * exact, and lib's uniform initializers give the very same values as tfjs's for the same seed.
 *
 * **Seeds.** Each initializer takes a seed (by default the next seed of lib's global stream,
 * see `setSeed`). Its first use draws from that seed; each later use draws from the next seed
 * of a generator started at it. So fresh initializers with the same seed give the same
 * weights, and two layers sharing one initializer do not get the same kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, seedOr } from "./_random.ts";
import {
  checkIntAtLeast,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkOptions,
  checkPositive,
  describe,
} from "./_validate.ts";
import type { Initializer } from "./model.ts";

/** The initialization schemes lib implements, by name (the tfjs names where tfjs has one). */
export type InitName =
  | "zeros"
  | "smallRandom"
  | "glorotNormal"
  | "glorotUniform"
  | "heNormal"
  | "heUniform"
  | "leCunNormal"
  | "leCunUniform";

/**
 * The names of lib's initializers, for lessons that compare them all (`mlp` takes each as its
 * `kernelInitializer`).
 *
 * @example Every name gives an initializer
 * ```ts
 * import { initializer, INITIALIZER_NAMES } from "./initializers.ts";
 * for (const name of INITIALIZER_NAMES) initializer(name, { seed: 1 });
 * if (INITIALIZER_NAMES.length !== 8) throw new Error("eight schemes");
 * ```
 */
export const INITIALIZER_NAMES: readonly InitName[] = [
  "zeros",
  "smallRandom",
  "glorotNormal",
  "glorotUniform",
  "heNormal",
  "heUniform",
  "leCunNormal",
  "leCunUniform",
];

/** σ of {@link smallRandom} when none is given. */
const SMALL_STDDEV = 0.01;

/** Options of the seeded initializers. */
export interface InitializerOptions {
  /** Seed of the first draw. @default the next seed of lib's global stream */
  seed?: number;
}

/** Options of {@link smallRandom} and of {@link initializer}. */
export interface SmallRandomOptions extends InitializerOptions {
  /** Standard deviation σ of the normal (only `smallRandom` takes it). @default 0.01 */
  stddev?: number;
}

/** Fan-in and fan-out of a weight tensor. */
export interface Fans {
  /** Inputs feeding one output unit (Dense: n_in; conv: k_h·k_w·c_in). */
  fanIn: number;
  /** Outputs one input unit feeds (Dense: n_out; conv: k_h·k_w·c_out). */
  fanOut: number;
}

/** What {@link initializerVariance} takes besides the name. */
export interface VarianceOptions extends Fans {
  /** σ of `smallRandom`. @default 0.01 */
  stddev?: number;
}

/**
 * Fan-in and fan-out of a weight tensor of the given shape, as tfjs and Keras compute them
 * (channels last): for a Dense kernel [n_in, n_out], fan_in = n_in and fan_out = n_out; for a
 * conv kernel [k_h, k_w, c_in, c_out] (or 1-D/3-D conv, rank 3 or 5), fan_in =
 * (product of the kernel's spatial sizes)·c_in and fan_out = (the same product)·c_out. Other
 * ranks (a bias, a scalar) get fan_in = fan_out = √(number of values), tfjs's rule.
 *
 * @param shape The weight tensor's shape: non-negative integers.
 * @returns `{ fanIn, fanOut }`.
 *
 * @example A 3×3 conv kernel from 16 to 32 channels
 * ```ts
 * import { fans } from "./initializers.ts";
 * const { fanIn, fanOut } = fans([3, 3, 16, 32]);
 * if (fanIn !== 3 * 3 * 16 || fanOut !== 3 * 3 * 32) throw new Error(`${fanIn}, ${fanOut}`);
 * ```
 */
export function fans(shape: readonly number[]): Fans {
  if (!Array.isArray(shape)) {
    throw new TypeError(`shape must be an array of sizes, got ${describe(shape)}`);
  }
  shape.forEach((s, i) => checkIntAtLeast(s, `shape[${i}]`, 0));
  const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  if (shape.length >= 3 && shape.length <= 5) {
    const field = product(shape.slice(0, -2));
    return { fanIn: field * shape[shape.length - 2], fanOut: field * shape[shape.length - 1] };
  }
  const side = Math.sqrt(product(shape));
  return { fanIn: side, fanOut: side };
}

/**
 * The variance Var(W) a scheme's formula gives each weight:
 * - glorotNormal, glorotUniform: 2 / (fan_in + fan_out)
 * - heNormal, heUniform: 2 / fan_in
 * - leCunNormal, leCunUniform: 1 / fan_in
 * - smallRandom: σ² (σ = 0.01 unless given)
 * - zeros: 0
 *
 * lib's initializers draw with exactly this variance (normal: N(0, Var); uniform: U(−a, a) with
 * a = √(3·Var), whose variance is a²/3); tfjs's own normal variance-scaling initializers give
 * 0.7737 times it (see the module's notes).
 *
 * @param name One of {@link INITIALIZER_NAMES}.
 * @param options `fanIn` and `fanOut` (positive; from {@link fans} for a shape), and σ for
 *   smallRandom.
 * @returns Var(W).
 *
 * @example He on a 400 → 300 layer: 2/400
 * ```ts
 * import { fans, initializerVariance } from "./initializers.ts";
 * const v = initializerVariance("heNormal", fans([400, 300]));
 * if (v !== 0.005) throw new Error(`got ${v}`);
 * ```
 */
export function initializerVariance(name: InitName, options: VarianceOptions): number {
  checkOneOf(name, "name", INITIALIZER_NAMES);
  const o = checkOptions(checkObject(options, "options"), ["fanIn", "fanOut", "stddev"]);
  const fanIn = checkPositive(o.fanIn, "options.fanIn");
  const fanOut = checkPositive(o.fanOut, "options.fanOut");
  if (o.stddev !== undefined && name !== "smallRandom") {
    throw new TypeError(
      `options.stddev applies to "smallRandom" only, got stddev ${describe(o.stddev)} for ${
        JSON.stringify(name)
      }`,
    );
  }
  const stddev = checkNonNegative(o.stddev ?? SMALL_STDDEV, "options.stddev");
  return varianceOf(name, fanIn, fanOut, stddev);
}

function varianceOf(name: InitName, fanIn: number, fanOut: number, stddev: number): number {
  switch (name) {
    case "zeros":
      return 0;
    case "smallRandom":
      return stddev * stddev;
    case "glorotNormal":
    case "glorotUniform":
      return 2 / (fanIn + fanOut);
    case "heNormal":
    case "heUniform":
      return 2 / fanIn;
    case "leCunNormal":
    case "leCunUniform":
      return 1 / fanIn;
  }
}

/** tfjs's Initializer base class: tfjs 4.22 exports only its subclasses' factories. */
const TfInitializer = Object.getPrototypeOf(
  tf.initializers.zeros().constructor,
) as abstract new () => Initializer;

/** The configuration a lib initializer serializes to (and is rebuilt from). */
interface LibInitializerConfig {
  name: InitName;
  stddev?: number;
  seed?: number;
  [key: string]: unknown;
}

/**
 * One class for all of lib's schemes, registered with tfjs's serialization so a model saved
 * with them (`model.toJSON()`, `model.save`) names them and loads again.
 */
class LibInitializer extends TfInitializer {
  /** The class name tfjs's serialization files it under. */
  static className = "LibInitializer";
  readonly #name: InitName;
  readonly #stddev: number | undefined;
  readonly #seed: number | undefined;
  #calls = 0;
  readonly #seeds: ReturnType<typeof createRng> | undefined;

  constructor(config: LibInitializerConfig) {
    super();
    this.#name = config.name;
    this.#stddev = config.stddev;
    this.#seed = config.seed;
    this.#seeds = config.seed === undefined ? undefined : createRng(config.seed);
  }

  /** The seed of the next draw: the given seed first, then the next of its generator. */
  #nextSeed(): number {
    const call = this.#calls++;
    return call === 0 ? this.#seed as number : this.#seeds!.int(2147483647);
  }

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (dtype !== undefined && dtype !== "float32") {
      throw new TypeError(
        `${this.#name} initializes float32 weights only, got dtype ${describe(dtype)}`,
      );
    }
    if (this.#name === "zeros") return tf.zeros(shape, "float32");
    const { fanIn, fanOut } = fans(shape);
    const variance = varianceOf(
      this.#name,
      Math.max(1, fanIn),
      Math.max(1, fanOut),
      this.#stddev ?? SMALL_STDDEV,
    );
    const seed = this.#nextSeed();
    if (this.#name.endsWith("Uniform")) {
      // the same call as tfjs's VarianceScaling, so the values match tfjs's for the same seed
      const limit = Math.sqrt(3 * variance);
      return tf.randomUniform(shape, -limit, limit, "float32", seed);
    }
    return tf.randomNormal(shape, 0, Math.sqrt(variance), "float32", seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      name: this.#name,
      ...(this.#stddev === undefined ? {} : { stddev: this.#stddev }),
      ...(this.#seed === undefined ? {} : { seed: this.#seed }),
    };
  }
}
tf.serialization.registerClass(
  LibInitializer as unknown as tf.serialization.SerializableConstructor<
    tf.serialization.Serializable
  >,
);

/**
 * An initializer by name, for code that loops over {@link INITIALIZER_NAMES}; `mlp` uses it
 * for these names.
 *
 * @param name One of {@link INITIALIZER_NAMES}.
 * @param options The seed (ignored by zeros) and, for smallRandom only, σ.
 * @returns A tfjs initializer for `kernelInitializer`.
 *
 * @example The same seed gives the same kernel
 * ```ts
 * import { initializer } from "./initializers.ts";
 * const a = initializer("heNormal", { seed: 3 }).apply([20, 10]);
 * const b = initializer("heNormal", { seed: 3 }).apply([20, 10]);
 * if (a.dataSync().some((v, i) => v !== b.dataSync()[i])) throw new Error("not reproducible");
 * a.dispose();
 * b.dispose();
 * ```
 */
export function initializer(name: InitName, options: SmallRandomOptions = {}): Initializer {
  checkOneOf(name, "name", INITIALIZER_NAMES);
  const o = checkOptions(options, ["seed", "stddev"]);
  if (o.stddev !== undefined && name !== "smallRandom") {
    throw new TypeError(
      `options.stddev applies to "smallRandom" only, got stddev ${describe(o.stddev)} for ${
        JSON.stringify(name)
      }`,
    );
  }
  if (name === "zeros") {
    if (o.seed !== undefined) seedOr(o.seed, "options.seed"); // checked, then unused
    return new LibInitializer({ name });
  }
  const stddev = name === "smallRandom"
    ? checkNonNegative(o.stddev ?? SMALL_STDDEV, "options.stddev")
    : undefined;
  return new LibInitializer({
    name,
    ...(stddev === undefined ? {} : { stddev }),
    seed: seedOr(o.seed, "options.seed"),
  });
}

/**
 * Zeros: W = 0. Every unit of a layer then computes the same thing and receives the same
 * gradient, so the units never become different (the symmetry is never broken); with zero
 * weights after the first layer, the first layers' gradients are 0 as well.
 *
 * @returns A tfjs initializer of zeros.
 *
 * @example All zeros
 * ```ts
 * import { zeros } from "./initializers.ts";
 * const w = zeros().apply([3, 2]);
 * if (w.dataSync().some((v) => v !== 0)) throw new Error("not zeros");
 * w.dispose();
 * ```
 */
export function zeros(): Initializer {
  return initializer("zeros");
}

/**
 * Small random numbers: W ~ N(0, σ²), σ = 0.01 by default, whatever the layer's size. It breaks
 * the symmetry, but in a deep network the signal shrinks by about σ·√fan_in per layer.
 *
 * @param options σ (`stddev`, >= 0) and the seed.
 * @returns A tfjs initializer.
 *
 * @example σ = 0.01
 * ```ts
 * import { smallRandom } from "./initializers.ts";
 * const w = smallRandom({ seed: 1 }).apply([200, 100]);
 * const v = Array.from(w.dataSync()).reduce((s, x) => s + x * x, 0) / w.size;
 * if (Math.abs(v - 1e-4) > 1e-5) throw new Error(`variance ${v}`);
 * w.dispose();
 * ```
 */
export function smallRandom(options: SmallRandomOptions = {}): Initializer {
  return initializer("smallRandom", options);
}

/**
 * Glorot (Xavier) normal: W ~ N(0, 2 / (fan_in + fan_out)), untruncated. Keeps the variance of
 * the signal forward and of the gradient backward about constant for tanh-like activations.
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Variance 2/(100 + 50)
 * ```ts
 * import { glorotNormal } from "./initializers.ts";
 * const w = glorotNormal({ seed: 1 }).apply([100, 50]);
 * const v = Array.from(w.dataSync()).reduce((s, x) => s + x * x, 0) / w.size;
 * if (Math.abs(v / (2 / 150) - 1) > 0.1) throw new Error(`variance ${v}`);
 * w.dispose();
 * ```
 */
export function glorotNormal(options: InitializerOptions = {}): Initializer {
  return initializer("glorotNormal", checkOptions(options, ["seed"]));
}

/**
 * Glorot (Xavier) uniform: W ~ U(−a, a), a = √(6 / (fan_in + fan_out)), so Var(W) = a²/3 =
 * 2 / (fan_in + fan_out). The same values as tfjs's `glorotUniform` for the same seed (tfjs's
 * and Keras's default kernel initializer).
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Every value within ±√(6/150)
 * ```ts
 * import { glorotUniform } from "./initializers.ts";
 * const w = glorotUniform({ seed: 1 }).apply([100, 50]);
 * if (w.dataSync().some((x) => Math.abs(x) > Math.sqrt(6 / 150))) throw new Error("out of range");
 * w.dispose();
 * ```
 */
export function glorotUniform(options: InitializerOptions = {}): Initializer {
  return initializer("glorotUniform", checkOptions(options, ["seed"]));
}

/**
 * He (Kaiming) normal: W ~ N(0, 2 / fan_in), untruncated. ReLU zeroes half of its inputs, and
 * the factor 2 makes up for it: the variance of the signal stays about constant through ReLU
 * layers.
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Variance 2/400 on a 400 × 300 kernel
 * ```ts
 * import { heNormal } from "./initializers.ts";
 * const w = heNormal({ seed: 1 }).apply([400, 300]);
 * const v = Array.from(w.dataSync()).reduce((s, x) => s + x * x, 0) / w.size;
 * if (Math.abs(v / 0.005 - 1) > 0.02) throw new Error(`variance ${v}`);
 * w.dispose();
 * ```
 */
export function heNormal(options: InitializerOptions = {}): Initializer {
  return initializer("heNormal", checkOptions(options, ["seed"]));
}

/**
 * He (Kaiming) uniform: W ~ U(−a, a), a = √(6 / fan_in), so Var(W) = 2 / fan_in. The same
 * values as tfjs's `heUniform` for the same seed.
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Every value within ±√(6/400)
 * ```ts
 * import { heUniform } from "./initializers.ts";
 * const w = heUniform({ seed: 1 }).apply([400, 300]);
 * if (w.dataSync().some((x) => Math.abs(x) > Math.sqrt(6 / 400))) throw new Error("out of range");
 * w.dispose();
 * ```
 */
export function heUniform(options: InitializerOptions = {}): Initializer {
  return initializer("heUniform", checkOptions(options, ["seed"]));
}

/**
 * LeCun normal: W ~ N(0, 1 / fan_in), untruncated; the scheme SELU networks are built for.
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Variance 1/400 on a 400 × 300 kernel
 * ```ts
 * import { leCunNormal } from "./initializers.ts";
 * const w = leCunNormal({ seed: 1 }).apply([400, 300]);
 * const v = Array.from(w.dataSync()).reduce((s, x) => s + x * x, 0) / w.size;
 * if (Math.abs(v / 0.0025 - 1) > 0.02) throw new Error(`variance ${v}`);
 * w.dispose();
 * ```
 */
export function leCunNormal(options: InitializerOptions = {}): Initializer {
  return initializer("leCunNormal", checkOptions(options, ["seed"]));
}

/**
 * LeCun uniform: W ~ U(−a, a), a = √(3 / fan_in), so Var(W) = 1 / fan_in. The same values as
 * tfjs's `leCunUniform` for the same seed.
 *
 * @param options The seed.
 * @returns A tfjs initializer.
 *
 * @example Every value within ±√(3/400)
 * ```ts
 * import { leCunUniform } from "./initializers.ts";
 * const w = leCunUniform({ seed: 1 }).apply([400, 300]);
 * if (w.dataSync().some((x) => Math.abs(x) > Math.sqrt(3 / 400))) throw new Error("out of range");
 * w.dispose();
 * ```
 */
export function leCunUniform(options: InitializerOptions = {}): Initializer {
  return initializer("leCunUniform", checkOptions(options, ["seed"]));
}
