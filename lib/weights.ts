/**
 * Measurements of a network's weights: summary numbers and sparsity of any set of weights,
 * each Dense layer's kernel and biases, and which weights a model's penalty pulls on.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { visitWeights } from "./_nested_weights.ts";
import { checkModel, checkOptions, checkPositive } from "./_validate.ts";

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

/** Options of the sparsity measurements. */
export interface SparsityOptions {
  /** A weight counts as zero when |w| < threshold. @default 1e-3 */
  threshold?: number;
}

function threshold(options: SparsityOptions | undefined): number {
  const t = checkOptions(options, ["threshold"]).threshold ?? 1e-3;
  return checkPositive(t, "options.threshold");
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
 * @example Norms and sparsity of two rows
 * ```ts
 * import { weightSummary } from "./weights.ts";
 * const s = weightSummary([[3, -4], [0, 0]]);
 * if (s.l2Norm !== 5 || s.l1Norm !== 7 || s.sparsity !== 0.5 || s.range !== 7) throw new Error();
 * ```
 */
export function weightSummary(weights: Weights, options: SparsityOptions = {}): WeightSummary {
  const t = threshold(options);
  let count = 0, min = Infinity, max = -Infinity, l1 = 0, sq = 0, zeros = 0;
  visitWeights(weights, "weights", (v) => {
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
 * @example The default threshold and a wider one
 * ```ts
 * import { sparsity } from "./weights.ts";
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

/**
 * The kernel and bias of every Dense layer of a model, input side first, as plain arrays
 * (for charts, tables and the penalty functions of `penalties.ts`).
 *
 * @param model A tfjs model.
 * @returns One entry per layer that has a 2-D kernel.
 *
 * @example One hidden layer of 3 units on 2 inputs
 * ```ts
 * import { mlp } from "./model.ts";
 * import { layerWeights } from "./weights.ts";
 * const model = mlp(2, { hidden: [3], seed: 1 });
 * const [hidden, output] = layerWeights(model);
 * if (hidden.kernel.length !== 2 || hidden.kernel[0].length !== 3) throw new Error();
 * if (output.bias.length !== 1) throw new Error();
 * model.dispose();
 * ```
 */
export function layerWeights(model: tf.LayersModel): LayerWeights[] {
  checkModel(model);
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
 * @example The hidden kernel of 2 inputs × 4 units holds 8 weights
 * ```ts
 * import { mlp } from "./model.ts";
 * import { layerStats } from "./weights.ts";
 * const model = mlp(2, { hidden: [4], seed: 1 });
 * const rows = layerStats(model);
 * if (rows.length !== 2 || rows[0].count !== 8) throw new Error();
 * model.dispose();
 * ```
 */
export function layerStats(model: tf.LayersModel, options: SparsityOptions = {}): LayerStats[] {
  const t = threshold(options);
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
 * import { l2Regularizer } from "./penalties.ts";
 * import { modelPenalty } from "./weights.ts";
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
  checkModel(model);
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
