/**
 * Batch normalization from scratch, in training and inference mode, with the running
 * averages kept in either of the two momentum conventions in use.
 *
 * For a batch of m examples and each feature j:
 *
 *   μ_B = (1/m) Σᵢ xᵢ,  σ²_B = (1/m) Σᵢ (xᵢ − μ_B)²,  x̂ᵢ = (xᵢ − μ_B)/√(σ²_B + ε),  yᵢ = γ x̂ᵢ + β.
 *
 * Inference replaces μ_B and σ²_B by running averages collected during training:
 *
 * - Keras / tfjs: running ← momentum · running + (1 − momentum) · batch, momentum 0.99,
 *   ε = 1e-3, and the running variance averages the biased σ²_B (what tfjs 4.22 does);
 * - PyTorch: running ← (1 − momentum) · running + momentum · batch, momentum 0.1, ε = 1e-5,
 *   and the running variance averages the unbiased m/(m − 1) · σ²_B (PyTorch's BatchNorm1d
 *   documentation).
 *
 * The same averaging is momentum_keras = 1 − momentum_pytorch.
 *
 * Everything is computed in JavaScript numbers (double precision) from the tensor's values,
 * so that each step of the formula can be read here and checked against tfjs's layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  checkBoolean,
  checkFiniteValues,
  checkInRange,
  checkIntBetween,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkTensor,
  describe,
  flattenRows,
  LIMITS,
} from "./_validate.ts";

/** Which meaning `momentum` has: the weight of the old value (Keras) or of the new one (PyTorch). */
export type MomentumConvention = "keras" | "pytorch";

/** The parameters and running statistics of one batch-norm layer, one entry per feature. */
export interface BatchNormState {
  /** Scale γ. */
  gamma: number[];
  /** Shift β. */
  beta: number[];
  /** Running average of the batch means (tfjs: moving_mean). */
  runningMean: number[];
  /** Running average of the batch variances (tfjs: moving_variance). */
  runningVariance: number[];
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Training (batch statistics, update the running ones) or inference (running statistics). Required. */
  training: boolean;
  /** Meaning of `momentum`, and the defaults that go with it. @default "keras" */
  convention?: MomentumConvention;
  /** Momentum of the running averages. @default 0.99 (keras), 0.1 (pytorch) */
  momentum?: number;
  /** ε under the square root. @default 1e-3 (keras, as tfjs), 1e-5 (pytorch) */
  epsilon?: number;
  /**
   * Average the unbiased batch variance m/(m − 1) · σ²_B into the running variance (the
   * normalization itself always uses the biased σ²_B).
   * @default false (keras), true (pytorch)
   */
  unbiasedRunningVariance?: boolean;
}

/** What {@link batchNorm} returns. */
export interface BatchNormResult {
  /** The output y = γ x̂ + β, [examples, features] (the caller disposes it). */
  y: tf.Tensor2D;
  /** The normalized input x̂ before scale and shift, [examples, features] (dispose it too). */
  xhat: tf.Tensor2D;
  /** The statistics that normalized the batch: μ_B in training, the running mean in inference. */
  mean: number[];
  /** Likewise σ²_B (biased, 1/m) in training, the running variance in inference. */
  variance: number[];
  /** The state after the call: running statistics updated in training, unchanged in inference. */
  state: BatchNormState;
}

/** Per-feature statistics of a batch. */
export interface BatchStatistics {
  /** μ_B = (1/m) Σ xᵢ. */
  mean: number[];
  /** σ²_B = (1/m) Σ (xᵢ − μ_B)², the biased variance batch norm normalizes with. */
  variance: number[];
  /** m/(m − 1) · σ²_B, the unbiased estimate (NaN for m = 1). */
  unbiasedVariance: number[];
  /** The batch size m. */
  size: number;
}

const DEFAULTS: Record<
  MomentumConvention,
  { momentum: number; epsilon: number; unbiased: boolean }
> = {
  keras: { momentum: 0.99, epsilon: 1e-3, unbiased: false },
  pytorch: { momentum: 0.1, epsilon: 1e-5, unbiased: true },
};

const CONVENTIONS: readonly MomentumConvention[] = ["keras", "pytorch"];

/** A momentum in [0, 1], its message saying which convention it was read in. */
function checkMomentum(value: unknown, convention: MomentumConvention, name = "momentum"): number {
  const meaning = convention === "keras"
    ? "the weight of the old running value, Keras/tfjs convention, typically 0.99"
    : "the weight of the new batch value, PyTorch convention, typically 0.1";
  return checkInRange(value, name, 0, 1, {}, meaning);
}

function checkVector(value: unknown, name: string, length?: number): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new TypeError(`${name} must be an array of finite numbers, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(
      `${name} must have one entry per feature (${length}), got ${value.length}`,
    );
  }
  return value;
}

/**
 * The rows of a 2-D tensor or array as one flat Float64Array, with its shape; every value must
 * be a finite number (the error names the first bad row and column).
 */
function matrix(x: unknown, name = "x"): { data: Float64Array; m: number; n: number } {
  if (x instanceof tf.Tensor) {
    checkTensor(x, name);
    if (x.rank !== 2) {
      throw new RangeError(`${name} must be 2-D [examples, features], got shape [${x.shape}]`);
    }
    const data = Float64Array.from(x.dataSync());
    checkFiniteValues(data, x.shape[1], name);
    return { data, m: x.shape[0], n: x.shape[1] };
  }
  if (!Array.isArray(x) || x.length === 0 || x.some((r) => !Array.isArray(r))) {
    throw new TypeError(
      `${name} must be a 2-D tensor or a non-empty array of rows, got ${describe(x)}`,
    );
  }
  const n = (x[0] as unknown[]).length;
  return { data: flattenRows(x, name, n), m: x.length, n };
}

function computeStats(data: Float64Array, m: number, n: number): BatchStatistics {
  const mean = new Array<number>(n).fill(0), variance = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += data[i * n + j];
  for (let j = 0; j < n; j++) mean[j] /= m;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) variance[j] += (data[i * n + j] - mean[j]) ** 2;
  }
  for (let j = 0; j < n; j++) variance[j] /= m;
  const unbiasedVariance = variance.map((v) => (m > 1 ? (v * m) / (m - 1) : NaN));
  return { mean, variance, unbiasedVariance, size: m };
}

/**
 * The per-feature mean and variance of a batch, as batch norm computes them:
 * μ_B = (1/m) Σ xᵢ and the biased σ²_B = (1/m) Σ (xᵢ − μ_B)² (plus the unbiased m/(m − 1) σ²_B).
 *
 * @param x A batch [examples, features] of finite numbers, as a tensor or rows.
 * @returns Means, variances and the batch size.
 *
 * @example Two examples of two features, the second constant
 * ```ts
 * import { batchStatistics } from "./batch_norm.ts";
 * const { mean, variance, unbiasedVariance } = batchStatistics([[1, 10], [3, 10]]);
 * if (mean.join() !== "2,10" || variance.join() !== "1,0" || unbiasedVariance[0] !== 2) {
 *   throw new Error("unexpected statistics");
 * }
 * ```
 */
export function batchStatistics(x: tf.Tensor | number[][]): BatchStatistics {
  const { data, m, n } = matrix(x);
  return computeStats(data, m, n);
}

/**
 * A fresh state for `numFeatures` features, initialized as tfjs and PyTorch do: γ = 1, β = 0,
 * running mean 0, running variance 1.
 *
 * @param numFeatures The number of features (units) the layer normalizes, at most 100000.
 * @returns A new state.
 *
 * @example γ = 1 and running mean 0 for three features
 * ```ts
 * import { initBatchNormState } from "./batch_norm.ts";
 * const s = initBatchNormState(3);
 * if (s.gamma.join() !== "1,1,1" || s.runningMean.join() !== "0,0,0") throw new Error();
 * ```
 */
export function initBatchNormState(numFeatures: number): BatchNormState {
  checkIntBetween(numFeatures, "numFeatures", 1, LIMITS.units, "features");
  const fill = (v: number) => new Array<number>(numFeatures).fill(v);
  return { gamma: fill(1), beta: fill(0), runningMean: fill(0), runningVariance: fill(1) };
}

/** Options of {@link updateRunningAverage}. */
export interface RunningAverageOptions {
  /** Meaning of `momentum`. @default "keras" */
  convention?: MomentumConvention;
  /** The momentum. @default 0.99 (keras), 0.1 (pytorch) */
  momentum?: number;
}

/**
 * One update of a running average, in either convention:
 *
 * - keras: running ← momentum · running + (1 − momentum) · batch;
 * - pytorch: running ← (1 − momentum) · running + momentum · batch.
 *
 * @param running The current running values, one per feature.
 * @param batch This batch's values.
 * @param options Convention and momentum.
 * @returns The new running values (the inputs are not changed).
 *
 * @example Keras 0.9 and PyTorch 0.1 are the same average
 * ```ts
 * import { updateRunningAverage } from "./batch_norm.ts";
 * const k = updateRunningAverage([0], [10], { convention: "keras", momentum: 0.9 });
 * const p = updateRunningAverage([0], [10], { convention: "pytorch", momentum: 0.1 });
 * if (Math.abs(k[0] - 1) > 1e-12 || Math.abs(p[0] - 1) > 1e-12) throw new Error();
 * ```
 */
export function updateRunningAverage(
  running: number[],
  batch: number[],
  options: RunningAverageOptions = {},
): number[] {
  const o = checkOptions(options, ["convention", "momentum"]);
  const convention = checkOneOf(o.convention ?? "keras", "options.convention", CONVENTIONS);
  const momentum = checkMomentum(
    o.momentum ?? DEFAULTS[convention].momentum,
    convention,
    "options.momentum",
  );
  checkVector(running, "running");
  checkVector(batch, "batch", running.length);
  const oldWeight = convention === "keras" ? momentum : 1 - momentum;
  return running.map((r, j) => oldWeight * r + (1 - oldWeight) * batch[j]);
}

/**
 * Converts a PyTorch batch-norm momentum (weight of the new batch value) to the Keras/tfjs
 * momentum (weight of the old running value): 1 − momentum.
 *
 * @param momentum PyTorch's momentum, in [0, 1].
 * @returns The Keras/tfjs momentum that averages the same way.
 *
 * @example PyTorch's default 0.1 is Keras momentum 0.9
 * ```ts
 * import { kerasMomentum } from "./batch_norm.ts";
 * if (Math.abs(kerasMomentum(0.1) - 0.9) > 1e-12) throw new Error();
 * ```
 */
export function kerasMomentum(momentum: number): number {
  return 1 - checkMomentum(momentum, "pytorch");
}

/**
 * Converts a Keras/tfjs batch-norm momentum (weight of the old running value) to PyTorch's
 * momentum (weight of the new batch value): 1 − momentum.
 *
 * @param momentum The Keras/tfjs momentum, in [0, 1].
 * @returns The PyTorch momentum that averages the same way.
 *
 * @example tfjs's default 0.99 is PyTorch momentum 0.01
 * ```ts
 * import { pytorchMomentum } from "./batch_norm.ts";
 * if (Math.abs(pytorchMomentum(0.99) - 0.01) > 1e-12) throw new Error();
 * ```
 */
export function pytorchMomentum(momentum: number): number {
  return 1 - checkMomentum(momentum, "keras");
}

/**
 * Batch normalization of a batch [examples, features], from scratch.
 *
 * Training: μ_B and the biased σ²_B of this batch normalize it, x̂ = (x − μ_B)/√(σ²_B + ε),
 * y = γ x̂ + β, and the running statistics move towards μ_B and σ²_B (or m/(m − 1) σ²_B, see
 * `unbiasedRunningVariance`) by one {@link updateRunningAverage} step. Inference: the running
 * statistics take the place of μ_B and σ²_B and nothing is updated, so each example's output
 * depends on that example alone.
 *
 * With the Keras defaults this equals tfjs's `tf.layers.batchNormalization()` (applied with
 * `training: true` or `false`) given the same γ, β and moving statistics.
 *
 * @param x The batch, as a tensor or rows of finite numbers.
 * @param state γ, β and the running statistics (not changed: the result carries the new state).
 * @param options `training`, and the convention, momentum and ε.
 * @returns The output y, x̂, the statistics used and the state after the call.
 *
 * @example In training mode every feature of x̂ has mean 0 and variance about 1
 * ```ts
 * import { batchNorm, batchStatistics, initBatchNormState } from "./batch_norm.ts";
 * const x = [[1, 20], [2, 40], [6, 30]];
 * const { y, xhat, state } = batchNorm(x, initBatchNormState(2), { training: true });
 * const s = batchStatistics(xhat);
 * if (s.mean.some((v) => Math.abs(v) > 1e-6)) throw new Error("mean is not 0");
 * if (s.variance.some((v) => Math.abs(v - 1) > 0.01)) throw new Error("variance is not 1");
 * if (Math.abs(state.runningMean[0] - 0.01 * 3) > 1e-12) throw new Error("running mean");
 * y.dispose();
 * xhat.dispose();
 * ```
 */
export function batchNorm(
  x: tf.Tensor | number[][],
  state: BatchNormState,
  options: BatchNormOptions,
): BatchNormResult {
  const o = checkOptions(options, [
    "training",
    "convention",
    "momentum",
    "epsilon",
    "unbiasedRunningVariance",
  ]);
  if (typeof o.training !== "boolean") {
    throw new TypeError(
      `options.training must be true (batch statistics) or false (running statistics), got ${
        describe(o.training)
      }`,
    );
  }
  const convention = checkOneOf(o.convention ?? "keras", "options.convention", CONVENTIONS);
  const defaults = DEFAULTS[convention];
  const momentum = checkMomentum(
    o.momentum ?? defaults.momentum,
    convention,
    "options.momentum",
  );
  const epsilon = checkNonNegative(o.epsilon ?? defaults.epsilon, "options.epsilon");
  const unbiased = checkBoolean(
    o.unbiasedRunningVariance ?? defaults.unbiased,
    "options.unbiasedRunningVariance",
  );
  const { data, m, n } = matrix(x);
  if (typeof state !== "object" || state === null) {
    throw new TypeError(`state must be a BatchNormState object, got ${describe(state)}`);
  }
  const gamma = checkVector(state.gamma, "state.gamma", n);
  const beta = checkVector(state.beta, "state.beta", n);
  const runningMean = checkVector(state.runningMean, "state.runningMean", n);
  const runningVariance = checkVector(state.runningVariance, "state.runningVariance", n);
  if (runningVariance.some((v) => v < 0)) {
    throw new RangeError("state.runningVariance must hold variances >= 0");
  }

  let mean: number[], variance: number[];
  let next: BatchNormState;
  if (o.training) {
    if (m < 2 && epsilon === 0) {
      throw new RangeError("a training batch of 1 example needs epsilon > 0 (its variance is 0)");
    }
    const stats = computeStats(data, m, n);
    mean = stats.mean;
    variance = stats.variance;
    const averaged = unbiased ? (m > 1 ? stats.unbiasedVariance : stats.variance) : stats.variance;
    next = {
      gamma: [...gamma],
      beta: [...beta],
      runningMean: updateRunningAverage(runningMean, mean, { convention, momentum }),
      runningVariance: updateRunningAverage(runningVariance, averaged, { convention, momentum }),
    };
  } else {
    mean = [...runningMean];
    variance = [...runningVariance];
    next = {
      gamma: [...gamma],
      beta: [...beta],
      runningMean: [...runningMean],
      runningVariance: [...runningVariance],
    };
  }
  const xhat = new Float32Array(m * n), y = new Float32Array(m * n);
  const invStd = variance.map((v) => 1 / Math.sqrt(v + epsilon));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const h = (data[i * n + j] - mean[j]) * invStd[j];
      xhat[i * n + j] = h;
      y[i * n + j] = gamma[j] * h + beta[j];
    }
  }
  return {
    y: tf.tensor2d(y, [m, n]),
    xhat: tf.tensor2d(xhat, [m, n]),
    mean,
    variance,
    state: next,
  };
}

/** A tfjs BatchNormalization layer's state and settings, as {@link readBatchNormLayer} returns. */
export interface BatchNormLayerState extends BatchNormState {
  /** The layer's momentum (Keras/tfjs convention). */
  momentum: number;
  /** The layer's ε. */
  epsilon: number;
}

/**
 * Reads γ, β, the moving mean and variance, momentum and ε of a tfjs BatchNormalization layer
 * (normalizing the last axis), so that {@link batchNorm} can reproduce it. A layer built
 * without scale or shift reads as γ = 1 or β = 0.
 *
 * @param layer A built `tf.layers.batchNormalization` layer.
 * @returns Its state and settings, in the Keras convention.
 *
 * @example tfjs's defaults
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { readBatchNormLayer } from "./batch_norm.ts";
 * const layer = tf.layers.batchNormalization();
 * layer.apply(tf.zeros([2, 3]));
 * const s = readBatchNormLayer(layer);
 * if (s.momentum !== 0.99 || s.epsilon !== 1e-3 || s.runningVariance.join() !== "1,1,1") {
 *   throw new Error("unexpected defaults");
 * }
 * layer.dispose();
 * ```
 */
export function readBatchNormLayer(layer: tf.layers.Layer): BatchNormLayerState {
  if (
    typeof layer !== "object" || layer === null ||
    typeof (layer as { getClassName?: unknown }).getClassName !== "function" ||
    layer.getClassName() !== "BatchNormalization"
  ) {
    throw new TypeError(
      `layer must be a tfjs BatchNormalization layer, got ${
        typeof layer === "object" && layer !== null &&
          typeof (layer as { getClassName?: unknown }).getClassName === "function"
          ? layer.getClassName()
          : describe(layer)
      }`,
    );
  }
  if (!layer.built) throw new RangeError(`layer ${layer.name} must be built (applied once) first`);
  const cfg = layer.getConfig() as { axis?: unknown; momentum?: unknown; epsilon?: unknown };
  if (cfg.axis !== -1 && cfg.axis !== 1) {
    throw new RangeError(
      `layer ${layer.name} must normalize the features of a 2-D input (axis -1 or 1), got axis ${
        describe(cfg.axis)
      }`,
    );
  }
  const read = (suffix: string): number[] | undefined => {
    const pattern = new RegExp(`(^|/)${suffix}(_\\d+)?$`);
    const w = layer.weights.find((v) => pattern.test(v.originalName));
    return w ? Array.from(w.read().dataSync()) : undefined;
  };
  const runningMean = read("moving_mean")!, runningVariance = read("moving_variance")!;
  const n = runningMean.length;
  return {
    gamma: read("gamma") ?? new Array<number>(n).fill(1),
    beta: read("beta") ?? new Array<number>(n).fill(0),
    runningMean,
    runningVariance,
    momentum: Number(cfg.momentum),
    epsilon: Number(cfg.epsilon),
  };
}
