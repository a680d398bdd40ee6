/**
 * Instrumentation for vanishing and exploding gradients: the gradient of the loss with respect
 * to each layer's kernel for one batch — its norm, mean size and spread — next to the mean and
 * spread of every layer's output on the same forward pass.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type LossName, meanLoss } from "./_losses.ts";
import { checkSingleModel, prepareData, resolveLoss } from "./_model_io.ts";
import { seedOr } from "./_random.ts";
import { checkBoolean, checkOptions, describe } from "./_validate.ts";
import { invertedDropout } from "./dropout.ts";
import { makeRng } from "./random.ts";

/** The gradient ∂L/∂W[l] of one layer's kernel on a batch. */
export interface KernelGradientStats {
  /** Position of the layer in `model.layers`. */
  index: number;
  /** l: 1 for the first layer with a kernel, 2 for the next, … (the x axis of a chart). */
  depth: number;
  /** The layer's name, e.g. `hidden2`. */
  layer: string;
  /** The layer's tfjs class, e.g. `Dense`. */
  className: string;
  /** The kernel's shape, e.g. [n_in, n_out] or [k_h, k_w, c_in, c_out]. */
  shape: number[];
  /** Number of weights N in the kernel. */
  size: number;
  /** ‖∂L/∂W[l]‖ = √(Σ g²), the L2 (Frobenius) norm. */
  norm: number;
  /** (1/N)·Σ |g|. */
  meanAbs: number;
  /** (1/N)·Σ g. */
  mean: number;
  /** √((1/N)·Σ (g − mean)²). */
  std: number;
  /** ‖W[l]‖, the kernel's own norm, to compare the step with the weights. */
  weightNorm: number;
  /** The gradient's values in the kernel's (row-major) order; only with `values: true`. */
  values?: Float32Array;
}

/** Mean and spread of one layer's output on the batch. */
export interface LayerOutputStats {
  /** Position of the layer in `model.layers`. */
  index: number;
  /** The layer's name. */
  layer: string;
  /** The layer's tfjs class. */
  className: string;
  /** The layer's activation function, if it has one (`linear` for none). */
  activation?: string;
  /** Mean over all examples and units. */
  mean: number;
  /** √variance over all examples and units (1/N). */
  std: number;
}

/** What {@link gradientStats} measured. */
export interface GradientStats {
  /** The loss function, chosen from the output activation as `fit` does unless given. */
  lossName: LossName;
  /** The mean loss over the batch, without the penalty. */
  loss: number;
  /** The weight penalty of the layers' regularizers (0 without one or with `penalty: false`). */
  penalty: number;
  /** Examples in the batch. */
  examples: number;
  /** One entry per layer with a trainable kernel, input side first. */
  kernels: KernelGradientStats[];
  /** One entry per layer, input side first: its output on the same forward pass. */
  activations: LayerOutputStats[];
}

/** Options of {@link gradientStats}. */
export interface GradientStatsOptions {
  /**
   * Training mode, as in a training step: dropout draws masks (from `seed`) and batch norm
   * normalizes with the batch's statistics (its moving statistics are put back afterwards).
   * @default true
   */
  training?: boolean;
  /** Seed of the dropout masks. @default the next seed of lib's global stream */
  seed?: number;
  /** The loss. @default the one the output activation calls for, as in `fit` */
  loss?: LossName;
  /** Add the layers' weight penalties to the loss, as `fit` does. @default true */
  penalty?: boolean;
  /** Keep each gradient's values (for histograms). @default false */
  values?: boolean;
}

const OPTIONS = Object.keys(
  { training: true, seed: true, loss: true, penalty: true, values: true } satisfies Record<
    keyof GradientStatsOptions,
    true
  >,
);

function activationOf(layer: tf.layers.Layer): string | undefined {
  if (layer.getClassName() === "LeakyReLU") return "leakyRelu";
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof act === "string" ? act : undefined;
}

/** Mean and population standard deviation, in double precision (two passes). */
function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}

/** √(Σ v²) in double precision. */
function l2(values: ArrayLike<number>): number {
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += values[i] * values[i];
  return Math.sqrt(sq);
}

/**
 * Per-layer statistics of the loss gradient for one batch, the measurement behind "vanishing"
 * and "exploding" gradients. For every layer l with a kernel W[l], the gradient g = ∂L/∂W[l]
 * of the mean loss L = (1/m)·Σᵢ ℓ(ŷᵢ, yᵢ) (plus the weight penalty, as `fit` adds it) gives
 *
 * - ‖g‖ = √(Σ g²), its L2 norm,
 * - mean |g| = (1/N)·Σ |g| and std(g) = √((1/N)·Σ (g − ḡ)²) over the N weights.
 *
 * In a deep sigmoid network with Glorot weights ‖∂L/∂W[l]‖ shrinks layer by layer towards the
 * input (each sigmoid multiplies the backward signal by σ′ ≤ 1/4); with ReLU and He weights it
 * stays about the same. The same forward pass gives the mean and standard deviation of every
 * layer's output a[l].
 *
 * The gradient comes from tfjs autodiff (`tf.variableGrads`) over the model's layers applied in
 * turn in training mode — the computation of `model.apply(X, { training: true })`, with the
 * Dropout layers' masks drawn from `seed` (as {@link invertedDropout}) so that a measurement
 * can be repeated. Measuring leaves the model as it was: no weight changes, and batch norm's
 * moving statistics are restored.
 *
 * @param model A Sequential model (e.g. from `mlp`) with one input and one output.
 * @param data The batch: `X` [examples, features] and targets `y` as tensors, checked as `fit`
 *   checks them.
 * @param options Mode, dropout seed, loss, penalty, and whether to keep the gradients' values.
 * @returns The loss, one entry per kernel and one per layer output.
 *
 * @example The last layer's gradient of a small sigmoid network
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gradientStats } from "./gradients.ts";
 * import { mlp } from "./model.ts";
 * const model = mlp(2, { hidden: [8, 8], activation: "sigmoid", seed: 1 });
 * const X = tf.randomNormal([32, 2], 0, 1, "float32", 2);
 * const y = tf.cast(tf.greater(tf.sum(X, 1, true), 0), "float32");
 * const { kernels } = gradientStats(model, { X, y });
 * if (kernels.length !== 3 || !(kernels[2].norm > 0)) throw new Error("unexpected statistics");
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export function gradientStats(
  model: tf.LayersModel,
  data: { X: tf.Tensor; y: tf.Tensor },
  options: GradientStatsOptions = {},
): GradientStats {
  if (!(model instanceof tf.Sequential)) {
    throw new TypeError(
      `model must be a tf.Sequential (e.g. from mlp()), got ${
        model instanceof tf.LayersModel ? "a functional LayersModel" : describe(model)
      }`,
    );
  }
  checkSingleModel(model);
  const o = checkOptions(options, OPTIONS);
  const training = checkBoolean(o.training ?? true, "options.training");
  const withPenalty = checkBoolean(o.penalty ?? true, "options.penalty");
  const keepValues = checkBoolean(o.values ?? false, "options.values");
  const lossName = resolveLoss(model, o.loss);
  const rng = makeRng(seedOr(o.seed, "options.seed"));
  const kernels = model.layers.flatMap((layer, index) => {
    const w = layer.trainableWeights.find((v) => /\/kernel(_\d+)?$/.test(v.originalName));
    return w ? [{ layer, index, variable: w.read() as tf.Variable }] : [];
  });
  if (kernels.length === 0) {
    throw new RangeError("model must have at least one trainable layer with a kernel, got none");
  }
  const { X, y } = prepareData(model, data, "data", lossName);
  // Batch norm in training mode updates its moving statistics: keep copies to put back.
  const saved = training
    ? model.layers.filter((l) => l.getClassName() === "BatchNormalization").map((l) => ({
      layer: l,
      values: l.getWeights().map((w) => w.clone()),
    }))
    : [];
  const activations: LayerOutputStats[] = [];
  let loss = 0, penalty = 0;
  try {
    const { value, grads } = tf.variableGrads(() => {
      let a: tf.Tensor = X;
      model.layers.forEach((layer, index) => {
        const className = layer.getClassName();
        if (className === "InputLayer") return;
        const rate = className === "Dropout"
          ? Number((layer.getConfig() as { rate?: unknown }).rate)
          : 0;
        a = training && rate > 0 && rate < 1
          ? invertedDropout(a, { rate, training: true, seed: rng.int(2147483647) })
          : layer.apply(a, { training }) as tf.Tensor;
        activations.push({
          index,
          layer: layer.name,
          className,
          activation: activationOf(layer),
          ...meanStd(a.dataSync()),
        });
      });
      const dataLoss = meanLoss(lossName, y, a);
      loss = dataLoss.dataSync()[0];
      const terms = withPenalty ? model.layers.flatMap((l) => l.calculateLosses()) : [];
      if (terms.length === 0) return dataLoss;
      const sum = tf.addN(terms) as tf.Scalar;
      penalty = sum.dataSync()[0];
      return tf.add(dataLoss, sum) as tf.Scalar;
    }, kernels.map((k) => k.variable));
    value.dispose();
    try {
      return {
        lossName,
        loss,
        penalty,
        examples: X.shape[0],
        activations,
        kernels: kernels.map(({ layer, index, variable }, k): KernelGradientStats => {
          // a kernel the loss does not reach has no entry: its gradient is 0
          const g =
            (grads[variable.name]?.dataSync() ?? new Float32Array(variable.size)) as Float32Array;
          let sumAbs = 0;
          for (let i = 0; i < g.length; i++) sumAbs += Math.abs(g[i]);
          return {
            index,
            depth: k + 1,
            layer: layer.name,
            className: layer.getClassName(),
            shape: [...variable.shape],
            size: g.length,
            norm: l2(g),
            meanAbs: sumAbs / g.length,
            ...meanStd(g),
            weightNorm: l2(variable.dataSync()),
            ...(keepValues ? { values: g.slice() } : {}),
          };
        }),
      };
    } finally {
      tf.dispose(grads);
    }
  } finally {
    for (const { layer, values } of saved) {
      layer.setWeights(values);
      tf.dispose(values);
    }
    tf.dispose([X, y]);
  }
}
