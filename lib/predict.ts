/**
 * Using a trained model: {@link evaluate} (loss and accuracy, as `fit` logs them),
 * {@link predictProba} (the model's outputs) and {@link predictGrid} (a grid of predictions
 * for decision-boundary charts). All run in inference mode: dropout off, batch norm with its
 * moving statistics.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LossName } from "./_losses.ts";
import {
  checkSingleModel,
  evaluateTensors,
  inputDim,
  inputShapeText,
  predictInputs,
  prepareData,
  resolveLoss,
  toInputs,
} from "./_model_io.ts";
import {
  checkIntBetween,
  checkNonNegative,
  checkOptions,
  describe,
  flattenRows,
  LIMITS,
} from "./_validate.ts";
import type { TensorData } from "./train.ts";

/** What {@link evaluate} returns. */
export interface Evaluation {
  /** Data loss + penalty (what `fit` logs as `valLoss`). */
  loss: number;
  /** Mean data loss over the examples. */
  dataLoss: number;
  /** Regularization penalty at the current weights. */
  penalty: number;
  /** Accuracy (classification losses only). */
  acc?: number;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The loss. @default from the output activation, as in `fit` */
  loss?: LossName;
}

/**
 * Evaluates a model in inference mode (dropout off, batch norm with moving statistics):
 * loss = (1/n) Σ ℓ(ŷᵢ, yᵢ) + penalty, the same quantity `fit` logs as `valLoss`. The data are
 * checked as `fit` checks them: X of the model's input shape (a matrix [examples, features],
 * or [examples, height, width, channels] for a `cnn`), finite values, labels 0 or 1 for
 * binaryCrossentropy, one-hot rows for categoricalCrossentropy, a loss that suits the output.
 *
 * @param model A trained model.
 * @param data Tensors {X, y}.
 * @param options The loss to compute.
 * @returns Loss, data loss, penalty and accuracy.
 *
 * @example Loss and accuracy of an untrained classifier
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { evaluate } from "./predict.ts";
 * const model = mlp(2, { seed: 1 });
 * const X = tf.tensor2d([[0, 1], [1, 0]]), y = tf.tensor2d([[1], [0]]);
 * const { loss, acc } = evaluate(model, { X, y });
 * if (!(loss > 0) || acc === undefined) throw new Error("expected a loss and an accuracy");
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export function evaluate(
  model: tf.LayersModel,
  data: TensorData,
  options: EvaluateOptions = {},
): Evaluation {
  checkSingleModel(model);
  checkOptions(options, ["loss"]);
  const loss = resolveLoss(model, options.loss);
  const d = prepareData(model, data, "data", loss);
  try {
    return evaluateTensors(model, d, loss, d.yData);
  } finally {
    tf.dispose([d.X, d.y]);
  }
}

/**
 * The accuracy of a classifier on `data` in inference mode: the fraction of examples whose
 * predicted class (probability ≥ 0.5 for a sigmoid output, the largest output for softmax)
 * is the label — `evaluate(model, data).acc`, as a number. A model with a regression loss has
 * no accuracy: that is an error, not a silent `undefined`.
 *
 * @param model A classifier (sigmoid or softmax output).
 * @param data Tensors {X, y}.
 * @param options The loss, when the output activation does not imply it.
 * @returns The accuracy, in [0, 1].
 * @throws {RangeError} For a model or loss without classes (mean squared error).
 *
 * @example Accuracy of a classifier on four points
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { accuracy, evaluate } from "./predict.ts";
 * const model = mlp(2, { seed: 1 });
 * const X = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]), y = tf.tensor2d([[1], [0], [1], [0]]);
 * const acc = accuracy(model, { X, y });
 * if (acc !== evaluate(model, { X, y }).acc) throw new Error("accuracy is evaluate's acc");
 * if (![0, 0.25, 0.5, 0.75, 1].includes(acc)) throw new Error(`not a fraction of 4: ${acc}`);
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export function accuracy(
  model: tf.LayersModel,
  data: TensorData,
  options: EvaluateOptions = {},
): number {
  checkSingleModel(model);
  checkOptions(options, ["loss"]);
  const loss = resolveLoss(model, options.loss);
  if (loss === "meanSquaredError") {
    throw new RangeError(
      `accuracy needs a classifier (a sigmoid or softmax output with a crossentropy loss); this model's loss is "${loss}"`,
    );
  }
  const acc = evaluate(model, data, options).acc;
  if (acc === undefined) throw new RangeError(`evaluate reported no accuracy for loss "${loss}"`);
  return acc;
}

/**
 * Predicted probabilities (the model's outputs) in inference mode, one row per example:
 * for a sigmoid output [P(y = 1)], for softmax one probability per class. A NaN or infinite
 * input is an error that names where it is (row and column; example and position in it for
 * images).
 *
 * @param model A model.
 * @param X Inputs of the model's input shape, finite numbers: a 2-D tensor or an array of
 *   rows for a model that takes vectors, a tensor [examples, height, width, channels] for
 *   images (a `cnn`).
 * @returns One array of output values per example.
 *
 * @example Class probabilities of a softmax model sum to 1
 * ```ts
 * import { mlp } from "./model.ts";
 * import { predictProba } from "./predict.ts";
 * const model = mlp(2, { outputUnits: 3, outputActivation: "softmax", seed: 1 });
 * const [row] = predictProba(model, [[0.5, -1]]);
 * const total = row.reduce((a, b) => a + b, 0);
 * if (Math.abs(total - 1) > 1e-5) throw new Error(`rows sum to ${total}`);
 * model.dispose();
 * ```
 */
export function predictProba(model: tf.LayersModel, X: tf.Tensor | number[][]): number[][] {
  checkSingleModel(model);
  const x = toInputs(model, X, "X");
  try {
    const p = predictInputs(model, x);
    const rows = p.arraySync();
    p.dispose();
    return rows;
  } finally {
    x.dispose();
  }
}

/** A point of a decision-boundary grid: inputs, P(class 1) (or of the predicted class), and the predicted class. */
export interface GridPoint {
  x1: number;
  x2: number;
  /** Binary: P(y = 1). Multiclass: probability of the predicted class. */
  p: number;
  /** Predicted class: p > 0.5 for binary, argmax for multiclass. */
  label: number;
}

/** Options of {@link predictGrid}. */
export interface GridOptions {
  /** Grid points along each axis, an integer in [2, 1000]. @default 80 */
  resolution?: number;
  /** Margin added on each side, as a fraction of the data's range on that axis. @default 0.1 */
  padding?: number;
}

/**
 * Evaluates a two-input model on a regular grid covering the data, for decision-boundary
 * charts: resolution × resolution points from min − padding·range to max + padding·range on
 * each axis. The resolution is at most 1000 (a million points, about as many as a chart can
 * draw); the points must be finite numbers.
 *
 * @param model A model with two inputs.
 * @param points The data to cover: rows [x1, x2] of finite numbers, or a dataset with `X`.
 * @param options Grid resolution and padding.
 * @returns One {x1, x2, p, label} per grid point.
 *
 * @example A 5 × 5 grid over two points
 * ```ts
 * import { mlp } from "./model.ts";
 * import { predictGrid } from "./predict.ts";
 * const model = mlp(2, { hidden: [3], seed: 1 });
 * const grid = predictGrid(model, [[0, 0], [1, 1]], { resolution: 5 });
 * if (grid.length !== 25) throw new Error(`got ${grid.length} points`);
 * model.dispose();
 * ```
 */
export function predictGrid(
  model: tf.LayersModel,
  points: number[][] | { X: number[][] },
  options: GridOptions = {},
): GridPoint[] {
  checkSingleModel(model);
  if (inputDim(model) !== 2) {
    throw new RangeError(
      `model must take 2 inputs for a grid, got inputs of shape ${inputShapeText(model)}`,
    );
  }
  const rows = Array.isArray(points) ? points : (points as { X?: unknown })?.X;
  if (
    !Array.isArray(rows) || rows.length === 0 ||
    rows.some((r) => !Array.isArray(r) || r.length !== 2)
  ) {
    throw new TypeError(
      `points must be a non-empty array of [x1, x2] rows or a dataset with such X, got ${
        describe(points)
      }`,
    );
  }
  const values = flattenRows(rows, Array.isArray(points) ? "points" : "points.X", 2);
  checkOptions(options, ["resolution", "padding"]);
  const resolution = checkIntBetween(
    options.resolution ?? 80,
    "resolution",
    2,
    LIMITS.gridResolution,
    "points per axis",
  );
  const padding = checkNonNegative(options.padding ?? 0.1, "padding");
  const axis = (j: number) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = j; i < values.length; i += 2) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
    const pad = (hi - lo || 1) * padding;
    lo -= pad;
    hi += pad;
    return Array.from({ length: resolution }, (_, i) => lo + (hi - lo) * i / (resolution - 1));
  };
  const xs = axis(0), ys = axis(1);
  const grid: number[][] = [];
  for (const b of ys) for (const a of xs) grid.push([a, b]);
  const probs = predictProba(model, grid);
  return grid.map(([x1, x2], i) => {
    const row = probs[i];
    if (row.length === 1) return { x1, x2, p: row[0], label: row[0] > 0.5 ? 1 : 0 };
    let best = 0;
    for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
    return { x1, x2, p: row[best], label: best };
  });
}
