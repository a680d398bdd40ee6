/**
 * Weight penalties (L1, L2, elastic net) with their convention always spelled out, the
 * weight-decay step, and measurements of what a penalty did to a network's weights.
 *
 * One λ means different penalties in different places, so every function here takes the
 * convention λ belongs to. With n training examples:
 *
 * | convention  | L2 penalty     | L1 penalty  | where it is used                              |
 * | ----------- | -------------- | ----------- | --------------------------------------------- |
 * | `"keras"`   | λ Σ w²         | λ Σ \|w\|   | Keras and tfjs `regularizers.l2(λ)`, `l1(λ)`  |
 * | `"pytorch"` | (λ/2) Σ w²     | λ Σ \|w\|   | PyTorch `weight_decay = λ`; seed notes 004    |
 * | `"course"`  | (λ/2n) Σ w²    | (λ/n) Σ \|w\| | the course notes' cost J = (1/n) Σ ℓ + penalty |
 *
 * The ½ in the L2 forms only makes the derivative tidy ((λ/2)Σw² has gradient λw); it has
 * no role in L1, whose derivative λ·sign(w) has no 2 to cancel. So L1 carries no ½ in any
 * convention (some course notes write (λ/2n)Σ|w|; this kit uses (λ/n)Σ|w|).
 *
 * Each penalty is usable two ways:
 * - as a tfjs kernel regularizer for {@link mlp} (`l2Regularizer(λ, { convention })`), which
 *   tfjs applies in its own λΣw² form, so λ is converted first;
 * - as plain functions returning the penalty and its gradient for given weights
 *   (`l2Penalty(w, λ, { convention })`), the from-scratch side to compare with autodiff.
 *
 * Biases and the output layer are not penalized unless asked: {@link mlp} puts its kernel
 * regularizer on the hidden kernels only (`regularizeOutput` adds the output kernel).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { _checkOptions, mlp, type MlpOptions, type Regularizer } from "./model.ts";
import { evaluate, fit, type FitOptions, type TensorData } from "./train.ts";

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

function _str(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof tf.Tensor) return `a tensor of shape [${value.shape}]`;
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

function _checkLambda(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${_str(value)}`);
  }
  return value;
}

function _checkKind(value: unknown, name: string): PenaltyKind {
  if (value !== "l1" && value !== "l2") {
    throw new RangeError(`${name} must be "l1" or "l2", got ${_str(value)}`);
  }
  return value;
}

function _checkConvention(value: unknown, name: string): PenaltyConvention {
  if (!(PENALTY_CONVENTIONS as readonly unknown[]).includes(value)) {
    throw new RangeError(
      `${name} must be one of ${PENALTY_CONVENTIONS.map((c) => `"${c}"`).join(", ")}, got ${
        _str(value)
      }`,
    );
  }
  return value as PenaltyConvention;
}

function _checkN(value: unknown, name: string, convention: PenaltyConvention): number | undefined {
  if (value === undefined && convention !== "course") return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `${name} (the number of training examples) must be a positive integer${
        convention === "course" ? ' for the "course" convention' : ""
      }, got ${_str(value)}`,
    );
  }
  return value;
}

function _conventionOf(options: unknown, name = "options"): { c: PenaltyConvention; n?: number } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${name} must be an object naming the convention, e.g. { convention: "keras" }, got ${
        _str(options)
      }`,
    );
  }
  const o = options as Partial<ConventionOptions>;
  const c = _checkConvention(o.convention, `${name}.convention`);
  return { c, n: _checkN(o.n, `${name}.n`, c) };
}

function _factor(kind: PenaltyKind, c: PenaltyConvention, n?: number): number {
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
 * import { penaltyFactor } from "./regularizers.ts";
 * if (penaltyFactor("l2", { convention: "course", n: 100 }) !== 1 / 200) throw new Error();
 * ```
 */
export function penaltyFactor(kind: PenaltyKind, options: ConventionOptions): number {
  const k = _checkKind(kind, "kind");
  const { c, n } = _conventionOf(options);
  return _factor(k, c, n);
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
 * import { convertLambda } from "./regularizers.ts";
 * const k = convertLambda(0.02, { kind: "l2", from: "pytorch", to: "keras" });
 * if (Math.abs(k - 0.01) > 1e-15) throw new Error(String(k));
 * ```
 */
export function convertLambda(lambda: number, options: ConvertLambdaOptions): number {
  const l = _checkLambda(lambda, "lambda");
  _checkOptions(options, ["kind", "from", "to", "n"]);
  const kind = _checkKind(options.kind, "options.kind");
  const from = _checkConvention(options.from, "options.from");
  const to = _checkConvention(options.to, "options.to");
  const n = from === "course" || to === "course"
    ? _checkN(options.n, "options.n", "course")
    : _checkN(options.n, "options.n", "keras");
  return l * _factor(kind, from, n) / _factor(kind, to, n);
}

// ---------------------------------------------------------------------------------------------
// weights as arrays or tensors

/**
 * Weights in any of the forms lessons hold them: a number, a `Float32Array`, a tfjs tensor,
 * or (nested) arrays of these, e.g. one kernel per layer.
 */
export type Weights = number | Float32Array | tf.Tensor | readonly Weights[];

/**
 * The same structure as `W` with numbers in it: tensors stay tensors (new ones, the caller
 * disposes them), `Float32Array`s become `number[]`, arrays keep their nesting.
 */
export type SameShape<W> = W extends tf.Tensor ? tf.Tensor
  : W extends number ? number
  : W extends Float32Array ? number[]
  : W extends readonly (infer E)[] ? SameShape<E>[]
  : never;

function _visit(w: unknown, name: string, f: (v: number, at: string) => void): void {
  if (typeof w === "number") {
    if (!Number.isFinite(w)) throw new TypeError(`${name} must be a finite number, got ${w}`);
    f(w, name);
  } else if (w instanceof tf.Tensor) {
    if (w.isDisposed) throw new TypeError(`${name} is a disposed tensor`);
    const data = w.dataSync();
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new TypeError(`${name} must hold finite numbers, got ${data[i]} at flat index ${i}`);
      }
      f(data[i], name);
    }
  } else if (w instanceof Float32Array || Array.isArray(w)) {
    for (let i = 0; i < w.length; i++) _visit(w[i], `${name}[${i}]`, f);
  } else {
    throw new TypeError(
      `${name} must be numbers, a Float32Array, a tensor or arrays of these, got ${_str(w)}`,
    );
  }
}

function _map(w: unknown, name: string, f: (v: number) => number): unknown {
  if (typeof w === "number") {
    if (!Number.isFinite(w)) throw new TypeError(`${name} must be a finite number, got ${w}`);
    return f(w);
  }
  if (w instanceof tf.Tensor) {
    if (w.isDisposed) throw new TypeError(`${name} is a disposed tensor`);
    const data = w.dataSync();
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new TypeError(`${name} must hold finite numbers, got ${data[i]} at flat index ${i}`);
      }
      out[i] = f(data[i]);
    }
    return tf.tensor(out, w.shape, "float32");
  }
  if (w instanceof Float32Array || Array.isArray(w)) {
    return Array.from({ length: w.length }, (_, i) => _map(w[i], `${name}[${i}]`, f));
  }
  throw new TypeError(
    `${name} must be numbers, a Float32Array, a tensor or arrays of these, got ${_str(w)}`,
  );
}

/** Maps two weight structures of the same shape element by element. */
function _zip(
  a: unknown,
  b: unknown,
  names: [string, string],
  f: (x: number, y: number) => number,
): unknown {
  const [na, nb] = names;
  if (a instanceof tf.Tensor) {
    if (!(b instanceof tf.Tensor) || b.shape.join() !== a.shape.join()) {
      throw new RangeError(
        `${nb} must have the same shape as ${na} ([${a.shape}]), got ${_str(b)}`,
      );
    }
    const xs = a.dataSync(), ys = b.dataSync();
    const out = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = f(xs[i], ys[i]);
    return tf.tensor(out, a.shape, "float32");
  }
  if (typeof a === "number") {
    if (typeof b !== "number") {
      throw new RangeError(`${nb} must be a number like ${na}, got ${_str(b)}`);
    }
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      throw new TypeError(`${na} and ${nb} must be finite numbers, got ${a} and ${b}`);
    }
    return f(a, b);
  }
  if (a instanceof Float32Array || Array.isArray(a)) {
    if (!(b instanceof Float32Array || Array.isArray(b)) || b.length !== a.length) {
      throw new RangeError(
        `${nb} must have the same shape as ${na} (${a.length} entries), got ${_str(b)}`,
      );
    }
    return Array.from(
      { length: a.length },
      (_, i) => _zip(a[i], b[i], [`${na}[${i}]`, `${nb}[${i}]`], f),
    );
  }
  throw new TypeError(
    `${na} must be numbers, a Float32Array, a tensor or arrays of these, got ${_str(a)}`,
  );
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

function _penalty<W extends Weights>(
  weights: W,
  a: number,
  b: number,
): PenaltyResult<W> {
  // penalty a·Σ|w| + b·Σw²; gradient a·sign(w) + 2b·w, sign(0) = 0
  let value = 0;
  _visit(weights, "weights", (v) => (value += a * Math.abs(v) + b * v * v));
  const gradient = _map(weights, "weights", (v) => a * Math.sign(v) + 2 * b * v) as SameShape<W>;
  return { value, gradient };
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
 * import { l2Penalty } from "./regularizers.ts";
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
  const l = _checkLambda(lambda, "lambda");
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return _penalty(weights, 0, _factor("l2", c, n) * l);
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
 * @example
 * ```ts
 * import { l1Penalty } from "./regularizers.ts";
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
  const l = _checkLambda(lambda, "lambda");
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return _penalty(weights, _factor("l1", c, n) * l, 0);
}

function _checkStrength(strength: unknown, name = "strength"): ElasticNetStrength {
  if (typeof strength !== "object" || strength === null || Array.isArray(strength)) {
    throw new TypeError(`${name} must be an object { l1, l2 }, got ${_str(strength)}`);
  }
  _checkOptions(strength, ["l1", "l2"], name);
  const s = strength as Partial<ElasticNetStrength>;
  return { l1: _checkLambda(s.l1, `${name}.l1`), l2: _checkLambda(s.l2, `${name}.l2`) };
}

/**
 * The elastic-net penalty λ₁·(L1 term) + λ₂·(L2 term) and its gradient, each term in the
 * given convention: keras λ₁Σ|w| + λ₂Σw² (tfjs `l1l2`), pytorch λ₁Σ|w| + (λ₂/2)Σw² (seed
 * notes 004), course (λ₁/n)Σ|w| + (λ₂/2n)Σw².
 *
 * @param weights Numbers, arrays, tensors, or a list of them.
 * @param strength `{ l1, l2 }`, both ≥ 0, in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns `{ value, gradient }`; the gradient has the weights' shape (sign(0) = 0).
 *
 * @example
 * ```ts
 * import { elasticNetPenalty } from "./regularizers.ts";
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
  const s = _checkStrength(strength);
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return _penalty(weights, _factor("l1", c, n) * s.l1, _factor("l2", c, n) * s.l2);
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
 * import { l2Regularizer } from "./regularizers.ts";
 * import { mlp } from "./model.ts";
 * const reg = l2Regularizer(0.6, { convention: "course", n: 300 });
 * const { l2 } = reg.getConfig() as { l2: number };
 * if (Math.abs(l2 - 0.001) > 1e-12) throw new Error(String(l2));
 * mlp(2, { hidden: [8], kernelRegularizer: reg, seed: 1 }).dispose();
 * ```
 */
export function l2Regularizer(lambda: number, options: ConventionOptions): Regularizer {
  const l = _checkLambda(lambda, "lambda");
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return tf.regularizers.l1l2({ l1: 0, l2: _factor("l2", c, n) * l });
}

/**
 * A tfjs L1 kernel regularizer for λ given in any convention (tfjs computes λ_keras·Σ|w|;
 * course λ becomes λ/n).
 *
 * @param lambda The strength λ ≥ 0 in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns A tfjs regularizer for `mlp`'s `kernelRegularizer`.
 *
 * @example
 * ```ts
 * import { l1Regularizer } from "./regularizers.ts";
 * const { l1 } = l1Regularizer(0.5, { convention: "course", n: 50 }).getConfig() as { l1: number };
 * if (Math.abs(l1 - 0.01) > 1e-12) throw new Error(String(l1));
 * ```
 */
export function l1Regularizer(lambda: number, options: ConventionOptions): Regularizer {
  const l = _checkLambda(lambda, "lambda");
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return tf.regularizers.l1l2({ l1: _factor("l1", c, n) * l, l2: 0 });
}

/**
 * A tfjs elastic-net kernel regularizer (`tf.regularizers.l1l2`) for strengths given in any
 * convention, converted to the keras form λ₁Σ|w| + λ₂Σw².
 *
 * @param strength `{ l1, l2 }`, both ≥ 0, in `options.convention`.
 * @param options The convention, and n for `"course"`.
 * @returns A tfjs regularizer for `mlp`'s `kernelRegularizer`.
 *
 * @example Seed 004's λ₂/2 form: pytorch λ₂ = 0.02 is tfjs l2 = 0.01
 * ```ts
 * import { elasticNetRegularizer } from "./regularizers.ts";
 * const reg = elasticNetRegularizer({ l1: 0.001, l2: 0.02 }, { convention: "pytorch" });
 * const cfg = reg.getConfig() as { l1: number; l2: number };
 * if (cfg.l1 !== 0.001 || cfg.l2 !== 0.01) throw new Error(JSON.stringify(cfg));
 * ```
 */
export function elasticNetRegularizer(
  strength: ElasticNetStrength,
  options: ConventionOptions,
): Regularizer {
  const s = _checkStrength(strength);
  const { c, n } = _conventionOf(options);
  _checkOptions(options, ["convention", "n"]);
  return tf.regularizers.l1l2({ l1: _factor("l1", c, n) * s.l1, l2: _factor("l2", c, n) * s.l2 });
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
 * @example
 * ```ts
 * import { weightDecayStep } from "./regularizers.ts";
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
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `options must be an object { learningRate, lambda }, got ${_str(options)}`,
    );
  }
  _checkOptions(options, ["learningRate", "lambda"]);
  const alpha = options.learningRate;
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha <= 0) {
    throw new RangeError(`options.learningRate must be a finite number > 0, got ${_str(alpha)}`);
  }
  const lambda = _checkLambda(options.lambda, "options.lambda");
  const decay = 1 - alpha * lambda;
  return _zip(w, grad, ["w", "grad"], (x, g) => x * decay - alpha * g) as SameShape<W>;
}

// ---------------------------------------------------------------------------------------------
// measurements

/** Options of the sparsity measurements. */
export interface SparsityOptions {
  /** A weight counts as zero when |w| < threshold. @default 1e-3 */
  threshold?: number;
}

function _threshold(options: unknown): number {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${_str(options)}`);
  }
  _checkOptions(options, ["threshold"]);
  const t = (options as SparsityOptions).threshold ?? 1e-3;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
    throw new RangeError(`options.threshold must be a finite number > 0, got ${_str(t)}`);
  }
  return t;
}

/** Summary numbers of a set of weights, see {@link weightSummary}. */
export interface WeightSummary {
  /** How many weights. */
  count: number;
  /** The smallest weight. */
  min: number;
  /** The largest weight. */
  max: number;
  /** max − min. */
  range: number;
  /** The largest |w|. */
  maxAbs: number;
  /** Σ|w|. */
  l1Norm: number;
  /** √(Σw²). */
  l2Norm: number;
  /** Share of weights with |w| < threshold. */
  sparsity: number;
}

/**
 * Summary numbers of a set of weights: count, min, max, range, largest |w|, L1 norm Σ|w|,
 * L2 norm √(Σw²), and sparsity (the share with |w| below the threshold).
 *
 * @param weights Numbers, arrays, tensors, or a list of them (at least one weight).
 * @param options The threshold below which a weight counts as zero.
 * @returns The summary.
 *
 * @example
 * ```ts
 * import { weightSummary } from "./regularizers.ts";
 * const s = weightSummary([[3, -4], [0, 0]]);
 * if (s.l2Norm !== 5 || s.l1Norm !== 7 || s.sparsity !== 0.5 || s.range !== 7) throw new Error();
 * ```
 */
export function weightSummary(weights: Weights, options: SparsityOptions = {}): WeightSummary {
  const t = _threshold(options);
  let count = 0, min = Infinity, max = -Infinity, l1 = 0, sq = 0, zeros = 0;
  _visit(weights, "weights", (v) => {
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    l1 += Math.abs(v);
    sq += v * v;
    if (Math.abs(v) < t) zeros++;
  });
  if (count === 0) throw new RangeError("weights must hold at least one number, got none");
  return {
    count,
    min,
    max,
    range: max - min,
    maxAbs: Math.max(-min, max),
    l1Norm: l1,
    l2Norm: Math.sqrt(sq),
    sparsity: zeros / count,
  };
}

/**
 * The share of weights that are (near) zero: |w| < threshold.
 *
 * Training with a plain (sub)gradient step does not land L1-zeroed weights on exactly 0:
 * each step pushes them across zero and back by about α·λ, so choose a threshold above
 * that band (or measure it with several thresholds).
 *
 * @param weights Numbers, arrays, tensors, or a list of them.
 * @param options The threshold. @default 1e-3
 * @returns A number in [0, 1].
 *
 * @example
 * ```ts
 * import { sparsity } from "./regularizers.ts";
 * if (sparsity([0, 1e-5, 0.2, -0.3]) !== 0.5) throw new Error();
 * if (sparsity([0, 1e-5, 0.2, -0.3], { threshold: 0.25 }) !== 0.75) throw new Error();
 * ```
 */
export function sparsity(weights: Weights, options: SparsityOptions = {}): number {
  return weightSummary(weights, options).sparsity;
}

/** The weights of one Dense layer as plain arrays. */
export interface LayerWeights {
  /** The layer's name, e.g. `hidden1` or `output`. */
  layer: string;
  /** The kernel W, [inputs][units] (tfjs layout: row i holds input i's outgoing weights). */
  kernel: number[][];
  /** The biases, one per unit (empty when the layer has none). */
  bias: number[];
  /** Whether the layer has a kernel regularizer (its kernel is penalized). */
  regularized: boolean;
}

function _checkModel(model: unknown): tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`model must be a tfjs LayersModel (e.g. from mlp()), got ${_str(model)}`);
  }
  return model;
}

/**
 * The kernel and bias of every Dense layer of a model, input side first, as plain arrays
 * (for charts, tables and the penalty functions above).
 *
 * @param model A tfjs model.
 * @returns One entry per layer that has a 2-D kernel.
 *
 * @example
 * ```ts
 * import { mlp } from "./model.ts";
 * import { layerWeights } from "./regularizers.ts";
 * const model = mlp(2, { hidden: [3], seed: 1 });
 * const [hidden, output] = layerWeights(model);
 * if (hidden.kernel.length !== 2 || hidden.kernel[0].length !== 3) throw new Error();
 * if (output.bias.length !== 1) throw new Error();
 * model.dispose();
 * ```
 */
export function layerWeights(model: tf.LayersModel): LayerWeights[] {
  _checkModel(model);
  const out: LayerWeights[] = [];
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => w.originalName === `${layer.name}/kernel`);
    if (kernel === undefined || kernel.shape.length !== 2) continue;
    const bias = layer.weights.find((w) => w.originalName === `${layer.name}/bias`);
    const cfg = layer.getConfig() as { kernelRegularizer?: unknown };
    out.push({
      layer: layer.name,
      kernel: kernel.read().arraySync() as number[][],
      bias: bias ? Array.from(bias.read().dataSync()) : [],
      regularized: cfg.kernelRegularizer != null,
    });
  }
  return out;
}

/** One row of {@link layerStats}: a layer's kernel summarized. */
export interface LayerStats extends WeightSummary {
  /** The layer's name. */
  layer: string;
  /** Whether its kernel is penalized. */
  regularized: boolean;
}

/**
 * Per-layer summary of a model's kernels (biases left out): count, range, largest |w|, L1 and
 * L2 norms, and sparsity.
 *
 * @param model A tfjs model.
 * @param options The threshold below which a weight counts as zero.
 * @returns One row per Dense layer, input side first.
 *
 * @example
 * ```ts
 * import { mlp } from "./model.ts";
 * import { layerStats } from "./regularizers.ts";
 * const model = mlp(2, { hidden: [4], seed: 1 });
 * const rows = layerStats(model);
 * if (rows.length !== 2 || rows[0].count !== 8) throw new Error();
 * model.dispose();
 * ```
 */
export function layerStats(model: tf.LayersModel, options: SparsityOptions = {}): LayerStats[] {
  const t = _threshold(options);
  return layerWeights(model).map((l) => ({
    layer: l.layer,
    regularized: l.regularized,
    ...weightSummary(l.kernel, { threshold: t }),
  }));
}

/** One trainable weight tensor and how the model's penalty acts on it. */
export interface PenaltyTarget {
  /** The weight's name, e.g. `hidden1/kernel`. */
  weight: string;
  /** The layer it belongs to. */
  layer: string;
  /** `"kernel"`, `"bias"`, or `"other"` (batch-norm γ and β, …). */
  role: "kernel" | "bias" | "other";
  /** How many values it holds. */
  size: number;
  /** The largest |∂penalty/∂w| over its values: 0 when the penalty does not touch it. */
  maxAbsGradient: number;
}

/** What {@link modelPenalty} returns. */
export interface ModelPenalty {
  /** The penalty of all weight regularizers at the current weights (tfjs's keras form). */
  value: number;
  /** One entry per trainable weight tensor, in model order. */
  targets: PenaltyTarget[];
}

/**
 * The model's regularization penalty (the sum of its layers' weight regularizers, what
 * `evaluate` reports as `penalty`) and, by tfjs autodiff, which weights it pulls on: the
 * gradient of the penalty with respect to every trainable weight.
 *
 * @param model A tfjs model.
 * @returns The penalty and one entry per trainable weight tensor.
 *
 * @example Biases are never penalized
 * ```ts
 * import { mlp } from "./model.ts";
 * import { l2Regularizer, modelPenalty } from "./regularizers.ts";
 * const model = mlp(2, {
 *   hidden: [4],
 *   kernelRegularizer: l2Regularizer(0.1, { convention: "keras" }),
 *   seed: 1,
 * });
 * const { targets } = modelPenalty(model);
 * if (targets.some((t) => t.role === "bias" && t.maxAbsGradient !== 0)) throw new Error();
 * model.dispose();
 * ```
 */
export function modelPenalty(model: tf.LayersModel): ModelPenalty {
  _checkModel(model);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const owner = new Map<string, string>();
  for (const layer of model.layers) {
    for (const w of layer.trainableWeights) owner.set(w.name, layer.name);
  }
  let value = 0;
  let targets: PenaltyTarget[] = [];
  tf.tidy(() => {
    const penalized = model.layers.some((l) => l.calculateLosses().length > 0);
    let grads: tf.NamedTensorMap = {};
    if (penalized) {
      // the terms are computed inside f, so that autodiff records them
      const result = tf.variableGrads(
        () => tf.addN(model.layers.flatMap((l) => l.calculateLosses())) as tf.Scalar,
        vars,
      );
      value = result.value.dataSync()[0];
      grads = result.grads;
    }
    targets = model.trainableWeights.map((w, i): PenaltyTarget => {
      const g = grads[vars[i].name];
      const short = w.originalName.split("/").at(-1) ?? "";
      return {
        weight: w.originalName,
        layer: owner.get(w.name) ?? "",
        role: /^kernel(_\d+)?$/.test(short)
          ? "kernel"
          : /^bias(_\d+)?$/.test(short)
          ? "bias"
          : "other",
        size: w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
        maxAbsGradient: g ? tf.max(tf.abs(g)).dataSync()[0] : 0,
      };
    });
  });
  return { value, targets };
}

// ---------------------------------------------------------------------------------------------
// λ grids and regularization paths

/** Options of {@link logGrid}. */
export interface LogGridOptions {
  /** How many values, ends included (at least 2). @default one per decade, plus one */
  count?: number;
}

/**
 * Values spaced evenly on a log scale from `from` to `to` (both included), e.g. for λ.
 *
 * @param from The first value (> 0).
 * @param to The last value (> from).
 * @param options How many values.
 * @returns The grid, ascending.
 *
 * @example
 * ```ts
 * import { logGrid } from "./regularizers.ts";
 * const grid = logGrid(1e-4, 1);
 * if (grid.length !== 5 || Math.abs(grid[2] - 1e-2) > 1e-15) throw new Error(grid.join());
 * ```
 */
export function logGrid(from: number, to: number, options: LogGridOptions = {}): number[] {
  if (typeof from !== "number" || !Number.isFinite(from) || from <= 0) {
    throw new RangeError(`from must be a finite number > 0, got ${_str(from)}`);
  }
  if (typeof to !== "number" || !Number.isFinite(to) || to <= from) {
    throw new RangeError(`to must be a finite number > from (${from}), got ${_str(to)}`);
  }
  _checkOptions(options, ["count"]);
  const a = Math.log10(from), b = Math.log10(to);
  const count = options.count ?? Math.round(b - a) + 1;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 2) {
    throw new RangeError(`options.count must be an integer >= 2, got ${_str(count)}`);
  }
  return Array.from({ length: count }, (_, i) => {
    if (i === 0) return from;
    if (i === count - 1) return to;
    return Number((10 ** (a + (b - a) * i / (count - 1))).toPrecision(12));
  });
}

/** Options of {@link regularizationPath}. */
export interface RegularizationPathOptions {
  /** The strengths to train at, each ≥ 0, in `convention` (0 trains an unpenalized model). */
  lambdas: readonly number[];
  /** The penalty: `"l1"`, `"l2"`, or `"elasticNet"` with λ₁ = ρλ and λ₂ = (1 − ρ)λ. */
  penalty: "l1" | "l2" | "elasticNet";
  /** The convention of `lambdas`. */
  convention: PenaltyConvention;
  /** Training examples for the `"course"` convention. @default the rows of `data` */
  n?: number;
  /** ρ of an elastic net (the L1 share of λ), in [0, 1]. @default 0.5 */
  l1Ratio?: number;
  /** The network: `mlp` options (not `kernelRegularizer`; set `seed` for the same start). @default {} */
  model?: Omit<MlpOptions, "kernelRegularizer">;
  /** Training options for `fit` (progress defaults to false). @default {} */
  fit?: FitOptions;
  /** Data to score each model on as well. @default undefined */
  validationData?: TensorData;
  /** Names of the inputs, for the rows of the first kernel. @default x1, x2, … */
  inputNames?: readonly string[];
  /** Threshold of each run's sparsity. @default 1e-3 */
  threshold?: number;
}

/** One trained model of a path. */
export interface PathRun {
  /** λ in the path's convention. */
  lambda: number;
  /** What tfjs was given: λ₁ and λ₂ in the keras form. */
  keras: ElasticNetStrength;
  /** Every Dense layer's kernel and biases after training. */
  layers: LayerWeights[];
  /** Data loss on the training data (without the penalty). */
  trainLoss: number;
  /** Accuracy on the training data (classification). */
  trainAcc?: number;
  /** Data loss on the validation data. */
  valLoss?: number;
  /** Accuracy on the validation data. */
  valAcc?: number;
  /** Sparsity of the penalized kernels (all hidden kernels, and the output's when asked). */
  sparsity: number;
}

/** One weight at one λ, for path charts. */
export interface PathRow {
  /** λ of the run. */
  lambda: number;
  /** The layer. */
  layer: string;
  /** A name for the weight: `input → unit` (`input` alone when the layer has one unit). */
  weight: string;
  /** The input side: an input name for the first layer, else `layer unit k`. */
  input: string;
  /** The unit it feeds (1-based). */
  unit: number;
  /** Its value. */
  value: number;
}

/** What {@link regularizationPath} returns. */
export interface RegularizationPath {
  /** The penalty trained with. */
  penalty: "l1" | "l2" | "elasticNet";
  /** The convention of the λs. */
  convention: PenaltyConvention;
  /** One run per λ, in the order given. */
  runs: PathRun[];
  /** Every penalized kernel weight of every run (long form, for charts). */
  rows: PathRow[];
}

/**
 * Trains one model per λ (same architecture, same initial weights when `model.seed` is set,
 * same training settings) and collects every weight: the regularization path. Each model is
 * built with `mlp` (the penalty on its hidden kernels, and on the output kernel with
 * `regularizeOutput`), trained with `fit`, scored with `evaluate`, then disposed.
 *
 * @param data Training tensors {X, y}.
 * @param options The λs, penalty, convention, network and training settings.
 * @returns The runs and the weights in long form.
 *
 * @example Two λ on a tiny problem
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { regularizationPath } from "./regularizers.ts";
 * const X = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]), y = tf.tensor2d([[1], [0], [1], [0]]);
 * const path = await regularizationPath({ X, y }, {
 *   lambdas: [0.001, 0.1],
 *   penalty: "l1",
 *   convention: "keras",
 *   model: { hidden: [3], seed: 1 },
 *   fit: { epochs: 5, seed: 1 },
 * });
 * if (path.runs.length !== 2 || path.rows.length !== 2 * 6) throw new Error();
 * tf.dispose([X, y]);
 * ```
 */
export async function regularizationPath(
  data: TensorData,
  options: RegularizationPathOptions,
): Promise<RegularizationPath> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${_str(options)}`);
  }
  _checkOptions(options, [
    "lambdas",
    "penalty",
    "convention",
    "n",
    "l1Ratio",
    "model",
    "fit",
    "validationData",
    "inputNames",
    "threshold",
  ]);
  if (typeof data !== "object" || data === null || !(data.X instanceof tf.Tensor)) {
    throw new TypeError(`data must be an object {X, y} of tensors, got ${_str(data)}`);
  }
  const { lambdas } = options;
  if (!Array.isArray(lambdas) || lambdas.length === 0) {
    throw new RangeError(`options.lambdas must be a non-empty array, got ${_str(lambdas)}`);
  }
  lambdas.forEach((l, i) => _checkLambda(l, `options.lambdas[${i}]`));
  const penalty = options.penalty;
  if (penalty !== "l1" && penalty !== "l2" && penalty !== "elasticNet") {
    throw new RangeError(
      `options.penalty must be "l1", "l2" or "elasticNet", got ${_str(penalty)}`,
    );
  }
  const convention = _checkConvention(options.convention, "options.convention");
  const n = _checkN(options.n ?? data.X.shape[0], "options.n", convention);
  const rho = options.l1Ratio ?? 0.5;
  if (typeof rho !== "number" || !(rho >= 0 && rho <= 1)) {
    throw new RangeError(`options.l1Ratio must be a number in [0, 1], got ${_str(rho)}`);
  }
  if (options.l1Ratio !== undefined && penalty !== "elasticNet") {
    throw new TypeError(`options.l1Ratio applies to penalty "elasticNet" only, got "${penalty}"`);
  }
  const modelOptions = { ...(options.model ?? {}) } as MlpOptions;
  if ("kernelRegularizer" in modelOptions) {
    throw new TypeError(
      "options.model must not set kernelRegularizer: the path sets it from each λ",
    );
  }
  const inputDim = data.X.shape[1] ?? 0;
  const names = options.inputNames ?? Array.from({ length: inputDim }, (_, i) => `x${i + 1}`);
  if (!Array.isArray(names) || names.length !== inputDim) {
    throw new RangeError(
      `options.inputNames must name all ${inputDim} inputs, got ${_str(names)}`,
    );
  }
  const threshold = _threshold({ threshold: options.threshold });
  const fitOptions: FitOptions = { progress: false, ...(options.fit ?? {}) };

  const runs: PathRun[] = [];
  const rows: PathRow[] = [];
  for (const lambda of lambdas) {
    const strength: ElasticNetStrength = penalty === "l1"
      ? { l1: lambda, l2: 0 }
      : penalty === "l2"
      ? { l1: 0, l2: lambda }
      : { l1: rho * lambda, l2: (1 - rho) * lambda };
    const keras = {
      l1: _factor("l1", convention, n) * strength.l1,
      l2: _factor("l2", convention, n) * strength.l2,
    };
    const model = mlp(inputDim, {
      ...modelOptions,
      kernelRegularizer: lambda > 0 ? tf.regularizers.l1l2(keras) : undefined,
    });
    try {
      await fit(model, data, fitOptions);
      const train = evaluate(model, data);
      const val = options.validationData ? evaluate(model, options.validationData) : undefined;
      const layers = layerWeights(model);
      const penalized = layers.filter((_, i) =>
        i < layers.length - 1 || modelOptions.regularizeOutput
      );
      const run: PathRun = {
        lambda,
        keras,
        layers,
        trainLoss: train.dataLoss,
        sparsity: weightSummary(penalized.map((l) => l.kernel), { threshold }).sparsity,
      };
      if (train.acc !== undefined) run.trainAcc = train.acc;
      if (val) {
        run.valLoss = val.dataLoss;
        if (val.acc !== undefined) run.valAcc = val.acc;
      }
      runs.push(run);
      penalized.forEach((l) => {
        const first = layers.indexOf(l) === 0;
        const prev = first ? "" : layers[layers.indexOf(l) - 1].layer;
        l.kernel.forEach((row, i) => {
          const input = first ? String(names[i]) : `${prev} unit ${i + 1}`;
          row.forEach((value, j) => {
            rows.push({
              lambda,
              layer: l.layer,
              weight: first && row.length === 1 ? input : `${input} → ${l.layer} unit ${j + 1}`,
              input,
              unit: j + 1,
              value,
            });
          });
        });
      });
    } finally {
      model.dispose();
    }
  }
  return { penalty, convention, runs, rows };
}
