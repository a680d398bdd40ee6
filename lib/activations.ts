/**
 * Instrumentation: what each layer of a Sequential model outputs for a batch — mean,
 * variance, per-unit statistics and a histogram — in inference or training mode.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkFiniteTensor } from "./_model_io.ts";
import { seedOr } from "./_random.ts";
import {
  checkBoolean,
  checkIntBetween,
  checkInterval,
  checkOneOf,
  checkOptions,
  checkTensor,
  describe,
  flattenRows,
  LIMITS,
} from "./_validate.ts";
import { invertedDropout } from "./dropout.ts";
import { makeRng } from "./random.ts";

/** One bin of a histogram: values in [start, end) (the last bin includes its end). */
export interface HistogramBin {
  /** Left edge. */
  start: number;
  /** Right edge. */
  end: number;
  /** How many values fell in the bin. */
  count: number;
}

/** Statistics of one layer's output over a batch. */
export interface LayerActivationStats {
  /** Position of the layer in `model.layers`. */
  index: number;
  /** The layer's name, e.g. `hidden2_tanh`. */
  layer: string;
  /** The layer's tfjs class, e.g. `Dense`. */
  className: string;
  /** The layer's activation function, if it has one (`linear` for none). */
  activation?: string;
  /** Examples in the batch. */
  examples: number;
  /** Output units of the layer. */
  units: number;
  /** Mean over all examples and units. */
  mean: number;
  /** Variance over all examples and units (1/N). */
  variance: number;
  /** √variance. */
  std: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Per unit: the mean over the batch. */
  unitMeans: number[];
  /** Per unit: the variance over the batch (1/m). */
  unitVariances: number[];
  /** Histogram of all the layer's values. */
  histogram: HistogramBin[];
  /** Values outside the histogram's range (only with an explicit `range`). */
  outside: number;
}

/** Options of {@link activationStats}. */
export interface ActivationStatsOptions {
  /**
   * Training mode: dropout draws masks (from `seed`) and batch norm normalizes with the
   * batch's statistics. The model is left as it was: batch norm's moving statistics are
   * restored afterwards.
   * @default false
   */
  training?: boolean;
  /** Seed of the dropout masks in training mode. @default the next seed of lib's global stream */
  seed?: number;
  /** Number of histogram bins, at most 10000. @default 30 */
  bins?: number;
  /** Histogram range [lo, hi]. @default each layer's [min, max] */
  range?: [number, number];
  /**
   * Which layers to report: "all", or "activations" — only the outputs of a nonlinearity
   * (a Dense layer with an activation other than linear, an Activation or LeakyReLU layer),
   * i.e. the a[l] of each layer.
   * @default "all"
   */
  layers?: "all" | "activations";
}

const NONLINEAR_CLASSES = ["Activation", "LeakyReLU", "ReLU", "ELU", "Softmax"];

const LAYER_CHOICES = ["all", "activations"] as const;

function activationOf(layer: tf.layers.Layer): string | undefined {
  const cls = layer.getClassName();
  if (cls === "LeakyReLU") return "leakyRelu";
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof act === "string" ? act : undefined;
}

function isActivationOutput(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  if (NONLINEAR_CLASSES.includes(cls)) return true;
  return cls === "Dense" && activationOf(layer) !== "linear";
}

/** Statistics and histogram of a [m, n] block of values. */
function summarize(
  values: Float32Array | Float64Array,
  m: number,
  n: number,
  bins: number,
  range: [number, number] | undefined,
): Omit<LayerActivationStats, "index" | "layer" | "className" | "activation"> {
  const N = m * n;
  let sum = 0, min = Infinity, max = -Infinity;
  const unitSums = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = values[i * n + j];
      sum += v;
      unitSums[j] += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = sum / N;
  const unitMeans = unitSums.map((s) => s / m);
  let sq = 0;
  const unitSq = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = values[i * n + j];
      sq += (v - mean) ** 2;
      unitSq[j] += (v - unitMeans[j]) ** 2;
    }
  }
  const variance = sq / N;
  let [lo, hi] = range ?? [min, max];
  if (hi === lo) {
    const pad = Math.abs(lo) * 0.05 || 0.05;
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let outside = 0;
  for (let k = 0; k < N; k++) {
    const v = values[k];
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return {
    examples: m,
    units: n,
    mean,
    variance,
    std: Math.sqrt(variance),
    min,
    max,
    unitMeans,
    unitVariances: unitSq.map((s) => s / m),
    histogram: counts.map((count, b) => ({
      start: lo + b * width,
      end: b === bins - 1 ? hi : lo + (b + 1) * width,
      count,
    })),
    outside,
  };
}

/**
 * Runs a batch through a Sequential model layer by layer and summarizes each layer's output:
 * mean and variance over all values, per-unit means and variances over the batch, minimum,
 * maximum and a histogram. Use it to watch the signal through a deep network: activations
 * that shrink towards 0 or pile up at a saturating activation's limits, the effect of batch
 * norm, the scale of dropout's output.
 *
 * In training mode Dropout layers use {@link invertedDropout} with masks from `seed` (the
 * same computation as tfjs's Dropout layer, made reproducible) and BatchNormalization layers
 * use the batch's statistics; their moving statistics are put back afterwards, so measuring
 * does not change the model.
 *
 * @param model A Sequential model (e.g. from `mlp`).
 * @param X A batch [examples, features] of finite numbers, as a tensor or rows.
 * @param options Mode, seed, histogram bins and range, which layers.
 * @returns One entry per reported layer, input side first.
 *
 * @example The mean of a ReLU layer's output is never negative
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { activationStats } from "./activations.ts";
 * import { mlp } from "./model.ts";
 * const model = mlp(2, { hidden: [8, 8], seed: 1 });
 * const X = tf.randomNormal([64, 2], 0, 1, "float32", 2);
 * const stats = activationStats(model, X, { layers: "activations" });
 * if (stats.length !== 3 || stats[0].mean < 0) throw new Error("unexpected statistics");
 * X.dispose();
 * model.dispose();
 * ```
 */
export function activationStats(
  model: tf.LayersModel,
  X: tf.Tensor | number[][],
  options: ActivationStatsOptions = {},
): LayerActivationStats[] {
  if (!(model instanceof tf.Sequential)) {
    throw new TypeError(
      `model must be a tf.Sequential (e.g. from mlp()), got ${
        model instanceof tf.LayersModel ? "a functional LayersModel" : describe(model)
      }`,
    );
  }
  const o = checkOptions(options, ["training", "seed", "bins", "range", "layers"]);
  const training = checkBoolean(o.training ?? false, "options.training");
  const bins = checkIntBetween(o.bins ?? 30, "options.bins", 1, LIMITS.bins, "bins");
  const range = o.range === undefined ? undefined : checkInterval(o.range, "options.range");
  const which = checkOneOf(o.layers ?? "all", "options.layers", LAYER_CHOICES);
  const inDim = model.inputs[0].shape[1];
  const x = X instanceof tf.Tensor ? X : Array.isArray(X) ? undefined : null;
  if (x === null) {
    throw new TypeError(`X must be a 2-D tensor or an array of rows, got ${describe(X)}`);
  }
  if (x) checkTensor(x, "X");
  if (x && x.rank !== 2) {
    throw new RangeError(`X must be 2-D [examples, features], got shape [${x.shape}]`);
  }
  const cols = x ? x.shape[1] : (X as number[][])[0]?.length;
  if (cols !== inDim) {
    throw new RangeError(`X must have ${inDim} columns (the model's input size), got ${cols}`);
  }
  const width = cols as number;
  const rows = x ? undefined : flattenRows(X as unknown[], "X", width);
  if (x) checkFiniteTensor(x, "X");
  const rng = makeRng(seedOr(o.seed));

  // Batch norm in training mode updates its moving statistics: keep copies to put back.
  const saved = training
    ? model.layers.filter((l) => l.getClassName() === "BatchNormalization").map((l) => ({
      layer: l,
      values: l.getWeights().map((w) => w.clone()),
    }))
    : [];
  const out: LayerActivationStats[] = [];
  try {
    tf.tidy(() => {
      let a: tf.Tensor = rows === undefined
        ? x as tf.Tensor
        : tf.tensor2d(Float32Array.from(rows), [rows.length / width, width], "float32");
      if (a.dtype !== "float32") a = tf.cast(a, "float32");
      model.layers.forEach((layer, index) => {
        const cls = layer.getClassName();
        if (cls === "InputLayer") return;
        if (cls === "Dropout" && training) {
          const rate = Number((layer.getConfig() as { rate?: unknown }).rate);
          if (rate > 0 && rate < 1) {
            a = invertedDropout(a, { rate, training: true, seed: rng.int(2147483647) });
          }
        } else {
          a = layer.apply(a, { training }) as tf.Tensor;
        }
        if (which === "activations" && !isActivationOutput(layer)) return;
        const [m, n] = a.shape;
        out.push({
          index,
          layer: layer.name,
          className: cls,
          activation: activationOf(layer),
          ...summarize(a.dataSync() as Float32Array, m, n, bins, range),
        });
      });
    });
  } finally {
    for (const { layer, values } of saved) {
      layer.setWeights(values);
      tf.dispose(values);
    }
  }
  return out;
}
