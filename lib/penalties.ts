/**
 * Weight penalties (L1, L2, elastic net) with their convention always spelled out, as plain
 * functions and as tfjs regularizers, and the weight-decay step.
 *
 * One λ means different penalties in different places, so every function here takes the
 * convention λ belongs to. With n training examples:
 *
 * | convention  | L2 penalty     | L1 penalty  | where it is used                              |
 * | ----------- | -------------- | ----------- | --------------------------------------------- |
 * | `"keras"`   | λ Σ w²         | λ Σ \|w\|   | Keras and tfjs `regularizers.l2(λ)`, `l1(λ)`  |
 * | `"pytorch"` | (λ/2) Σ w²     | λ Σ \|w\|   | PyTorch `weight_decay = λ`                    |
 * | `"course"`  | (λ/2n) Σ w²    | (λ/n) Σ \|w\| | the course's cost J = (1/n) Σ ℓ + penalty   |
 *
 * The ½ in the L2 forms only makes the derivative tidy ((λ/2)Σw² has gradient λw); it has
 * no role in L1, whose derivative λ·sign(w) has no 2 to cancel. So L1 carries no ½ in any
 * convention (some course notes write (λ/2n)Σ|w|; this kit uses (λ/n)Σ|w|).
 *
 * Each penalty is usable two ways:
 * - as a tfjs kernel regularizer for `mlp` (`l2Regularizer(λ, { convention })`), which
 *   tfjs applies in its own λΣw² form, so λ is converted first;
 * - as plain functions returning the penalty and its gradient for given weights
 *   (`l2Penalty(w, λ, { convention })`), the from-scratch side to compare with autodiff.
 *
 * Biases and the output layer are not penalized unless asked: `mlp` puts its kernel
 * regularizer on the hidden kernels only (`regularizeOutput` adds the output kernel).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mapWeights, visitWeights, zipWeights } from "./_nested_weights.ts";
import {
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkPositive,
  describe,
} from "./_validate.ts";
import type { Regularizer } from "./model.ts";
import type { SameShape, Weights } from "./weights.ts";

// ---------------------------------------------------------------------------------------------
// conventions

/** Which formula a λ belongs to (see the module documentation). */
export type PenaltyConvention = "keras" | "pytorch" | "course";

/** The three conventions, in the order lessons show them. */
export const PENALTY_CONVENTIONS: readonly PenaltyConvention[] = ["keras", "pytorch", "course"];

/** The two basic penalties: L1 = Σ|w|, L2 = Σw² (times a convention's factor and λ). */
export type PenaltyKind = "l1" | "l2";

/** Names the convention of a λ; `n` is needed by the `"course"` convention only. */
export interface ConventionOptions {
  /** The convention λ belongs to. Required: a λ without its convention is ambiguous. */
  convention: PenaltyConvention;
  /** Number of training examples (a positive integer), for `"course"`. @default undefined */
  n?: number;
}

/** Strengths of an elastic net: λ₁ on Σ|w| and λ₂ on Σw², in one convention. */
export interface ElasticNetStrength {
  /** The L1 strength λ₁ ≥ 0. */
  l1: number;
  /** The L2 strength λ₂ ≥ 0. */
  l2: number;
}

const KINDS: readonly PenaltyKind[] = ["l1", "l2"];

/** n, the number of training examples: required by the course convention, checked if given. */
function checkN(value: unknown, name: string, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `${name} (the number of training examples) must be a positive integer${
        required ? ' for the "course" convention' : ""
      }, got ${describe(value)}`,
    );
  }
  return value;
}

/** The convention and n of a `ConventionOptions` object, checked. */
function conventionOf(options: unknown, name = "options"): { c: PenaltyConvention; n?: number } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${name} must be an object naming the convention, e.g. { convention: "keras" }, got ${
        describe(options)
      }`,
    );
  }
  const o = checkOptions(options as Partial<ConventionOptions>, ["convention", "n"], name);
  const c = checkOneOf(o.convention, `${name}.convention`, PENALTY_CONVENTIONS);
  return { c, n: checkN(o.n, `${name}.n`, c === "course") };
}

function factor(kind: PenaltyKind, c: PenaltyConvention, n?: number): number {
  if (c === "keras") return 1;
  if (c === "pytorch") return kind === "l2" ? 0.5 : 1;
  return kind === "l2" ? 1 / (2 * n!) : 1 / n!;
}

/**
 * The factor c that a convention puts in front of λ: the penalty is c·λ·Σw² (L2) or
 * c·λ·Σ|w| (L1). L2: keras 1, pytorch 1/2, course 1/(2n). L1: keras 1, pytorch 1, course 1/n.
 *
 * @param kind `"l1"` or `"l2"`.
 * @param options The convention, and n for `"course"`.
 * @returns The factor c.
 *
 * @example The course's L2 factor for 100 examples
 * ```ts
 * import { penaltyFactor } from "./penalties.ts";
 * if (penaltyFactor("l2", { convention: "course", n: 100 }) !== 1 / 200) throw new Error();
 * ```
 */
export function penaltyFactor(kind: PenaltyKind, options: ConventionOptions): number {
  const k = checkOneOf(kind, "kind", KINDS);
  const { c, n } = conventionOf(options);
  return factor(k, c, n);
}

/** Options of {@link convertLambda}. */
export interface ConvertLambdaOptions {
  /** Which penalty λ scales. */
  kind: PenaltyKind;
  /** The convention λ is given in. */
  from: PenaltyConvention;
  /** The convention to express it in. */
  to: PenaltyConvention;
  /** Number of training examples, when either convention is `"course"`. @default undefined */
  n?: number;
}

/**
 * Converts λ between conventions so that the penalty stays the same:
 * λ_to = λ_from · c_from / c_to (c from {@link penaltyFactor}). For L2 with n examples:
 * λ_keras = λ_pytorch / 2 = λ_course / (2n).
 *
 * @param lambda λ ≥ 0 in the `from` convention.
 * @param options The penalty kind, both conventions, and n when one of them is `"course"`.
 * @returns λ in the `to` convention.
 *
 * @example PyTorch's weight_decay = 0.02 is Keras's l2(0.01)
 * ```ts
 * import { convertLambda } from "./penalties.ts";
 * const k = convertLambda(0.02, { kind: "l2", from: "pytorch", to: "keras" });
 * if (Math.abs(k - 0.01) > 1e-15) throw new Error(String(k));
 * ```
 */
export function convertLambda(lambda: number, options: ConvertLambdaOptions): number {
  const l = checkNonNegative(lambda, "lambda");
  const o = checkOptions(options, ["kind", "from", "to", "n"]);
  const kind = checkOneOf(o.kind, "options.kind", KINDS);
  const from = checkOneOf(o.from, "options.from", PENALTY_CONVENTIONS);
  const to = checkOneOf(o.to, "options.to", PENALTY_CONVENTIONS);
  const n = checkN(o.n, "options.n", from === "course" || to === "course");
  return l * factor(kind, from, n) / factor(kind, to, n);
}

// ---------------------------------------------------------------------------------------------
// penalties as plain functions

/** A penalty's value and its gradient with respect to each weight. */
export interface PenaltyResult<W extends Weights> {
  /** The penalty (a number, summed in double precision). */
  value: number;
  /** ∂penalty/∂w, shaped like the weights (tensors in, new tensors out: dispose them). */
  gradient: SameShape<W>;
}

function penalty<W extends Weights>(weights: W, a: number, b: number): PenaltyResult<W> {
  // penalty a·Σ|w| + b·Σw²; gradient a·sign(w) + 2b·w, sign(0) = 0
  let value = 0;
  visitWeights(weights, "weights", (v) => (value += a * Math.abs(v) + b * v * v));
  const gradient = mapWeights(weights, "weights", (v) => a * Math.sign(v) + 2 * b * v);
  return { value, gradient: gradient as SameShape<W> };
}

/**
 * The L2 penalty of `weights` and its gradient, in the given convention:
 * keras λΣw² (gradient 2λw), pytorch (λ/2)Σw² (gradient λw), course (λ/2n)Σw² (gradient
 * (λ/n)w).
 *
 * @param weights Numbers, arrays, tensors, or a list of them (e.g. one kernel per layer).
 * @param lambda The strength λ ≥ 0 in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns `{ value, gradient }`; the gradient has the weights' shape.
 *
 * @example The same weights under two conventions
 * ```ts
 * import { l2Penalty } from "./penalties.ts";
 * const w = [[1, -2], [0, 3]]; // Σw² = 14
 * const keras = l2Penalty(w, 0.1, { convention: "keras" });
 * const torch = l2Penalty(w, 0.1, { convention: "pytorch" });
 * if (Math.abs(keras.value - 1.4) > 1e-12 || Math.abs(torch.value - 0.7) > 1e-12) {
 *   throw new Error("penalties");
 * }
 * if (torch.gradient[1][1] !== 0.1 * 3) throw new Error("gradient λw");
 * ```
 */
export function l2Penalty<W extends Weights>(
  weights: W,
  lambda: number,
  options: ConventionOptions,
): PenaltyResult<W> {
  const l = checkNonNegative(lambda, "lambda");
  const { c, n } = conventionOf(options);
  return penalty(weights, 0, factor("l2", c, n) * l);
}

/**
 * The L1 penalty of `weights` and its (sub)gradient, in the given convention: keras and
 * pytorch λΣ|w| (gradient λ·sign(w)), course (λ/n)Σ|w| (gradient (λ/n)·sign(w)).
 *
 * |w| has no derivative at 0. This function uses 0 there (sign(0) = 0: the subgradient that
 * leaves a zero weight at zero, as lib's `fit` does); tfjs autodiff of `tf.abs` gives −1
 * at 0 instead, so compare with autodiff at non-zero weights.
 *
 * @param weights Numbers, arrays, tensors, or a list of them.
 * @param lambda The strength λ ≥ 0 in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns `{ value, gradient }`; the gradient has the weights' shape.
 *
 * @example A zero weight gets a zero subgradient
 * ```ts
 * import { l1Penalty } from "./penalties.ts";
 * const { value, gradient } = l1Penalty([0.5, -2, 0], 0.1, { convention: "keras" });
 * if (Math.abs(value - 0.25) > 1e-12) throw new Error(String(value));
 * if (gradient.join() !== [0.1, -0.1, 0].join()) throw new Error(gradient.join());
 * ```
 */
export function l1Penalty<W extends Weights>(
  weights: W,
  lambda: number,
  options: ConventionOptions,
): PenaltyResult<W> {
  const l = checkNonNegative(lambda, "lambda");
  const { c, n } = conventionOf(options);
  return penalty(weights, factor("l1", c, n) * l, 0);
}

function checkStrength(strength: unknown, name = "strength"): ElasticNetStrength {
  if (typeof strength !== "object" || strength === null || Array.isArray(strength)) {
    throw new TypeError(`${name} must be an object { l1, l2 }, got ${describe(strength)}`);
  }
  const s = checkOptions(strength as Partial<ElasticNetStrength>, ["l1", "l2"], name);
  return { l1: checkNonNegative(s.l1, `${name}.l1`), l2: checkNonNegative(s.l2, `${name}.l2`) };
}

/**
 * The elastic-net penalty λ₁·(L1 term) + λ₂·(L2 term) and its gradient, each term in the
 * given convention: keras λ₁Σ|w| + λ₂Σw² (tfjs `l1l2`), pytorch λ₁Σ|w| + (λ₂/2)Σw², course
 * (λ₁/n)Σ|w| + (λ₂/2n)Σw².
 *
 * @param weights Numbers, arrays, tensors, or a list of them.
 * @param strength `{ l1, l2 }`, both ≥ 0, in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns `{ value, gradient }`; the gradient has the weights' shape (sign(0) = 0).
 *
 * @example L1 plus half of L2 in the pytorch convention
 * ```ts
 * import { elasticNetPenalty } from "./penalties.ts";
 * const { value } = elasticNetPenalty([1, -2], { l1: 0.1, l2: 0.2 }, { convention: "pytorch" });
 * // 0.1·(1 + 2) + 0.1·(1 + 4)
 * if (Math.abs(value - 0.8) > 1e-12) throw new Error(String(value));
 * ```
 */
export function elasticNetPenalty<W extends Weights>(
  weights: W,
  strength: ElasticNetStrength,
  options: ConventionOptions,
): PenaltyResult<W> {
  const s = checkStrength(strength);
  const { c, n } = conventionOf(options);
  return penalty(weights, factor("l1", c, n) * s.l1, factor("l2", c, n) * s.l2);
}

// ---------------------------------------------------------------------------------------------
// penalties as tfjs regularizers

/**
 * A tfjs L2 kernel regularizer for λ given in any convention: tfjs computes λ_keras·Σw², so
 * λ is converted to the keras convention first (course: λ/(2n), pytorch: λ/2).
 *
 * @param lambda The strength λ ≥ 0 in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns A tfjs regularizer for `mlp`'s `kernelRegularizer`.
 *
 * @example The course's λ = 0.6 with n = 300 examples is tfjs l2(0.001)
 * ```ts
 * import { l2Regularizer } from "./penalties.ts";
 * import { mlp } from "./model.ts";
 * const reg = l2Regularizer(0.6, { convention: "course", n: 300 });
 * const { l2 } = reg.getConfig() as { l2: number };
 * if (Math.abs(l2 - 0.001) > 1e-12) throw new Error(String(l2));
 * mlp(2, { hidden: [8], kernelRegularizer: reg, seed: 1 }).dispose();
 * ```
 */
export function l2Regularizer(lambda: number, options: ConventionOptions): Regularizer {
  const l = checkNonNegative(lambda, "lambda");
  const { c, n } = conventionOf(options);
  return tf.regularizers.l1l2({ l1: 0, l2: factor("l2", c, n) * l });
}

/**
 * A tfjs L1 kernel regularizer for λ given in any convention (tfjs computes λ_keras·Σ|w|;
 * course λ becomes λ/n).
 *
 * @param lambda The strength λ ≥ 0 in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns A tfjs regularizer for `mlp`'s `kernelRegularizer`.
 *
 * @example The course's λ = 0.5 with n = 50 examples is tfjs l1(0.01)
 * ```ts
 * import { l1Regularizer } from "./penalties.ts";
 * const { l1 } = l1Regularizer(0.5, { convention: "course", n: 50 }).getConfig() as { l1: number };
 * if (Math.abs(l1 - 0.01) > 1e-12) throw new Error(String(l1));
 * ```
 */
export function l1Regularizer(lambda: number, options: ConventionOptions): Regularizer {
  const l = checkNonNegative(lambda, "lambda");
  const { c, n } = conventionOf(options);
  return tf.regularizers.l1l2({ l1: factor("l1", c, n) * l, l2: 0 });
}

/**
 * A tfjs elastic-net kernel regularizer (`tf.regularizers.l1l2`) for strengths given in any
 * convention, converted to the keras form λ₁Σ|w| + λ₂Σw².
 *
 * @param strength `{ l1, l2 }`, both ≥ 0, in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns A tfjs regularizer for `mlp`'s `kernelRegularizer`.
 *
 * @example PyTorch's λ₂/2 form: pytorch λ₂ = 0.02 is tfjs l2 = 0.01
 * ```ts
 * import { elasticNetRegularizer } from "./penalties.ts";
 * const reg = elasticNetRegularizer({ l1: 0.001, l2: 0.02 }, { convention: "pytorch" });
 * const cfg = reg.getConfig() as { l1: number; l2: number };
 * if (cfg.l1 !== 0.001 || cfg.l2 !== 0.01) throw new Error(JSON.stringify(cfg));
 * ```
 */
export function elasticNetRegularizer(
  strength: ElasticNetStrength,
  options: ConventionOptions,
): Regularizer {
  const s = checkStrength(strength);
  const { c, n } = conventionOf(options);
  return tf.regularizers.l1l2({ l1: factor("l1", c, n) * s.l1, l2: factor("l2", c, n) * s.l2 });
}

// ---------------------------------------------------------------------------------------------
// weight decay

/** Options of {@link weightDecayStep}. */
export interface WeightDecayOptions {
  /** The learning rate α > 0. */
  learningRate: number;
  /** The decay λ ≥ 0 (PyTorch's `weight_decay`): the "pytorch" convention's λ. */
  lambda: number;
}

/**
 * One weight-decay update: w ← w(1 − αλ) − α·∂L/∂w, with ∂L/∂w the gradient of the data
 * loss alone. It equals one gradient-descent step on the penalized loss L + (λ/2)Σw² (the
 * "pytorch" convention), since ∂/∂w of (λ/2)Σw² is λw: w − α(∂L/∂w + λw). In the keras
 * convention the same step is L + λ_keras·Σw² with λ_keras = λ/2.
 *
 * @param w The weights (numbers, arrays or tensors).
 * @param grad ∂L/∂w of the data loss, shaped like `w`.
 * @param options The learning rate α and the decay λ.
 * @returns The updated weights, shaped like `w` (tensors in, a new tensor out).
 *
 * @example Decay, then the gradient step
 * ```ts
 * import { weightDecayStep } from "./penalties.ts";
 * const next = weightDecayStep([1, -2], [0.5, 0], { learningRate: 0.1, lambda: 0.5 });
 * // 1·0.95 − 0.05 and −2·0.95
 * if (Math.abs(next[0] - 0.9) > 1e-12 || Math.abs(next[1] + 1.9) > 1e-12) throw new Error();
 * ```
 */
export function weightDecayStep<W extends Weights>(
  w: W,
  grad: W,
  options: WeightDecayOptions,
): SameShape<W> {
  const o = checkOptions(options, ["learningRate", "lambda"]);
  const alpha = checkPositive(o.learningRate, "options.learningRate");
  const lambda = checkNonNegative(o.lambda, "options.lambda");
  const decay = 1 - alpha * lambda;
  return zipWeights(w, grad, ["w", "grad"], (x, g) => x * decay - alpha * g) as SameShape<W>;
}
