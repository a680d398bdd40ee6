/**
 * What training and prediction share about a model's inputs and outputs: the checks of the
 * model and of the data against it, the float32 tensors both feed it (matrices [examples,
 * features] for vector inputs, [examples, height, width, channels] for images, any rank the
 * model takes), its loss by default, and the inference-mode forward pass and scoring behind
 * `evaluate` and `fit`'s `valLoss`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { compilePlan, forward, type Plan } from "./_fast_dense.ts";
import { LOSS_NAMES, lossForActivation, type LossName, scoreRows } from "./_losses.ts";
import {
  checkFiniteValues,
  checkModel,
  checkObject,
  checkOneOf,
  checkTensor,
  describe,
  firstNonFinite,
  flattenRows,
} from "./_validate.ts";
import type { Evaluation } from "./predict.ts";

/**
 * Inputs and targets as float32 tensors: X [examples, ...the model's input shape] (a matrix
 * [examples, features] for an MLP), y the matrix [examples, outputs].
 */
export interface DataTensors {
  X: tf.Tensor;
  y: tf.Tensor2D;
}

/** Checked {@link DataTensors}, with the targets' values already read into JavaScript. */
export interface PreparedData extends DataTensors {
  /** The values of `y`, row by row. */
  yData: ArrayLike<number>;
}

/** True when the model's weights have been freed (by `model.dispose()`). */
function isDisposedModel(model: tf.LayersModel): boolean {
  for (const w of model.weights) {
    try {
      w.read();
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Throws unless `model` is a tfjs LayersModel with one input and one output that has not been
 * disposed.
 */
export function checkSingleModel(model: unknown, name = "model"): tf.LayersModel {
  const m = checkModel<tf.LayersModel>(model, name);
  if (m.inputs.length !== 1 || m.outputs.length !== 1) {
    throw new RangeError(
      `${name} must have one input and one output, got ${m.inputs.length} and ${m.outputs.length}`,
    );
  }
  if (isDisposedModel(m)) {
    throw new TypeError(`${name} has been disposed (its weights are freed); build a new one`);
  }
  return m;
}

/**
 * Throws a RangeError naming the first NaN or ±Infinity of a float32 tensor (`X has a
 * non-finite value NaN at row 17, column 1`; beyond two dimensions `X has a non-finite value
 * NaN in example 17 at [3, 5, 0]`, the position within the example). One reduction on the
 * backend checks the whole tensor; its values are read only to locate a bad one. Integer and
 * boolean tensors pass.
 */
export function checkFiniteTensor(x: tf.Tensor, name: string): void {
  if (x.dtype !== "float32" || x.size === 0) return;
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(x)).dataSync()[0]);
  if (allFinite) return;
  const values = x.dataSync() as Float32Array;
  if (x.rank <= 2) {
    checkFiniteValues(values, x.rank > 1 ? x.shape[x.rank - 1] : 1, name);
    return;
  }
  const i = firstNonFinite(values);
  const perExample = x.size / x.shape[0];
  const at: number[] = [];
  for (let rest = i % perExample, d = x.rank - 1; d >= 1; d--) {
    at.unshift(rest % x.shape[d]);
    rest = Math.floor(rest / x.shape[d]);
  }
  throw new RangeError(
    `${name} has a non-finite value ${values[i]} in example ${Math.floor(i / perExample)} at [${
      at.join(", ")
    }]`,
  );
}

/**
 * Throws unless the targets `values` (k per row) suit `loss`: finite numbers for every loss,
 * labels 0 or 1 for binaryCrossentropy, one-hot rows for categoricalCrossentropy. The message
 * names the first bad row (and column).
 */
export function checkTargets(
  values: ArrayLike<number>,
  k: number,
  loss: LossName,
  name: string,
): void {
  checkFiniteValues(values, k, name);
  if (loss === "binaryCrossentropy") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== 0 && v !== 1) {
        const at = k > 1 ? `row ${Math.floor(i / k)}, column ${i % k}` : `row ${i}`;
        throw new RangeError(
          `${name} must hold labels 0 or 1 for binaryCrossentropy, got ${v} at ${at}`,
        );
      }
    }
  } else if (loss === "categoricalCrossentropy") {
    const what =
      `${name} must hold one-hot rows (a single 1, the rest 0) for categoricalCrossentropy`;
    for (let r = 0, o = 0; o < values.length; r++, o += k) {
      let ones = 0;
      for (let j = 0; j < k; j++) {
        const v = values[o + j];
        if (v === 1) ones++;
        else if (v !== 0) throw new RangeError(`${what}, got ${v} at row ${r}, column ${j}`);
      }
      if (ones !== 1) {
        throw new RangeError(`${what}, got ${ones === 0 ? "no 1" : `${ones} ones`} in row ${r}`);
      }
    }
  }
}

/** The number of input columns the model takes, if its input is a vector of fixed size. */
export function inputDim(model: tf.LayersModel): number | null {
  const shape = model.inputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

/** The model's input shape as text, `[examples, 28, 28, 1]` (`?` for a free size). */
export function inputShapeText(model: tf.LayersModel): string {
  const [, ...rest] = model.inputs[0].shape;
  return `[examples, ${rest.map((d) => d ?? "?").join(", ")}]`;
}

/**
 * Throws a RangeError unless a tensor of shape `shape` fits the model's input: for a model
 * that takes vectors a matrix with its number of columns, otherwise a tensor of the same
 * rank whose sizes after the first match the model's input shape (`X must have shape
 * [examples, 8, 8, 1] (the model's input shape), got [4, 8, 8]`).
 */
export function checkInputShape(model: tf.LayersModel, shape: readonly number[], name: string) {
  const expected = model.inputs[0].shape;
  if (expected.length === 2) {
    if (shape.length !== 2) {
      throw new RangeError(
        `${name} must be 2-D [examples, ${
          expected[1] ?? "features"
        }] (the model's input shape), got shape [${shape.join(", ")}]`,
      );
    }
    if (expected[1] !== null && shape[1] !== expected[1]) {
      throw new RangeError(
        `${name} must have ${expected[1]} columns (the model's input size), got ${shape[1]}`,
      );
    }
    return;
  }
  if (
    shape.length !== expected.length ||
    expected.some((d, i) => i > 0 && d !== null && d !== shape[i])
  ) {
    throw new RangeError(
      `${name} must have shape ${inputShapeText(model)} (the model's input shape), got [${
        shape.join(", ")
      }]`,
    );
  }
}

/** The number of output units, if fixed. */
export function outputDim(model: tf.LayersModel): number | null {
  const shape = model.outputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

/**
 * Checks `data` = {X, y} against itself, the model and the loss — shapes, finite values, labels
 * the loss can score (see {@link checkTargets}) — and returns float32 copies (X of the model's
 * input rank, y a matrix: y of rank 1 becomes one column), which the caller disposes, with y's
 * values read once.
 */
export function prepareData(
  model: tf.LayersModel,
  data: unknown,
  name: string,
  loss: LossName,
): PreparedData {
  const { X, y } = checkObject(data, name);
  checkTensor<tf.Tensor>(X, `${name}.X`);
  checkTensor<tf.Tensor>(y, `${name}.y`);
  const x = X as tf.Tensor, t = y as tf.Tensor;
  checkInputShape(model, x.shape, `${name}.X`);
  const outDim = outputDim(model);
  if (t.rank !== 2 && !(t.rank === 1 && outDim === 1)) {
    throw new RangeError(
      `${name}.y must be 2-D [examples, ${outDim ?? "outputs"}]${
        outDim === 1 ? " or 1-D" : ""
      }, got shape [${t.shape}]`,
    );
  }
  if (t.shape[0] !== x.shape[0]) {
    throw new RangeError(
      `${name}.y must have one row per row of ${name}.X (${x.shape[0]}), got ${t.shape[0]}`,
    );
  }
  const yCols = t.rank === 1 ? 1 : t.shape[1];
  if (outDim !== null && yCols !== outDim) {
    throw new RangeError(
      `${name}.y must have ${outDim} columns (the model's output units), got ${yCols}`,
    );
  }
  if (x.shape[0] === 0) throw new RangeError(`${name} must have at least one example, got 0`);
  checkFiniteTensor(x, `${name}.X`);
  const yData = t.dataSync() as ArrayLike<number>;
  checkTargets(yData, yCols ?? 1, loss, `${name}.y`);
  return {
    ...tf.tidy(() => ({
      X: x.dtype === "float32" ? x.clone() : tf.cast(x, "float32"),
      y: tf.cast(t.rank === 1 ? tf.reshape(t, [-1, 1]) : t, "float32") as tf.Tensor2D,
    })),
    yData,
  };
}

/**
 * Inputs given as a tensor of the model's input rank (a matrix, or [examples, height, width,
 * channels] for images) or, for a model that takes vectors, an array of rows, checked
 * (shape, numbers, finite values) and cast to float32, which the caller disposes.
 */
export function toInputs(model: tf.LayersModel, X: unknown, name: string): tf.Tensor {
  const vectors = model.inputs[0].shape.length === 2;
  if (X instanceof tf.Tensor) {
    checkTensor(X, name);
    checkInputShape(model, X.shape, name);
    checkFiniteTensor(X, name);
    return tf.tidy(() => tf.cast(X, "float32"));
  }
  if (!vectors) {
    throw new TypeError(
      `${name} must be a tensor of shape ${inputShapeText(model)} (the model's input shape), got ${
        describe(X)
      }`,
    );
  }
  if (!Array.isArray(X) || X.some((r) => !Array.isArray(r))) {
    throw new TypeError(`${name} must be a 2-D tensor or an array of rows, got ${describe(X)}`);
  }
  const inDim = inputDim(model);
  const cols = (X as number[][])[0]?.length;
  if (inDim !== null && cols !== undefined && cols !== inDim) {
    throw new RangeError(
      `${name} must have ${inDim} columns (the model's input size), got ${cols}`,
    );
  }
  const rows = X as unknown[];
  const width = inDim ?? cols ?? 0;
  const values = Float32Array.from(flattenRows(rows, name, width));
  return tf.tensor2d(values, [rows.length, width], "float32");
}

/** The activation of the model's last layer that has one. */
function outputActivation(model: tf.LayersModel): string | undefined {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const layer = model.layers[i];
    const cfg = layer.getConfig() as { activation?: unknown };
    if (typeof cfg.activation === "string") return cfg.activation;
    if (layer.getClassName() === "LeakyReLU") return "leakyRelu";
    if (layer.getClassName() === "Softmax") return "softmax";
    if (layer.weights.length > 0) return undefined;
  }
  return undefined;
}

/**
 * The loss to use: `loss` checked, or by default the one that matches the output activation
 * (sigmoid → binaryCrossentropy, softmax → categoricalCrossentropy, else meanSquaredError).
 * Throws a RangeError when the output cannot give the loss's probabilities: a softmax over one
 * unit (always 1), categoricalCrossentropy without a softmax output, binaryCrossentropy without
 * a sigmoid or softmax output. Outputs whose activation lib cannot tell are not checked.
 */
export function resolveLoss(model: tf.LayersModel, loss: unknown): LossName {
  const activation = outputActivation(model);
  if (activation === "softmax" && outputDim(model) === 1) {
    throw new RangeError(
      "model has a softmax output of 1 unit, which always outputs 1; use a sigmoid output for two classes",
    );
  }
  const name = loss === undefined
    ? lossForActivation(activation)
    : checkOneOf(loss, "loss", LOSS_NAMES);
  if (activation === undefined) return name;
  if (name === "categoricalCrossentropy" && activation !== "softmax") {
    throw new RangeError(
      `loss "categoricalCrossentropy" needs a softmax output, got a ${activation} output${
        activation === "sigmoid" ? '; use "binaryCrossentropy" for independent sigmoid outputs' : ""
      }`,
    );
  }
  if (name === "binaryCrossentropy" && activation !== "sigmoid" && activation !== "softmax") {
    throw new RangeError(
      `loss "binaryCrossentropy" needs probabilities from a sigmoid (or softmax) output, got a ${activation} output`,
    );
  }
  return name;
}

/** Total penalty of the model's weight regularizers at the current weights. */
function penaltyValue(model: tf.LayersModel): number {
  return tf.tidy(() => {
    const terms = model.layers.flatMap((l) => l.calculateLosses());
    return terms.length ? tf.addN(terms).dataSync()[0] : 0;
  });
}

/**
 * Forward pass in inference mode (dropout off, batch norm with moving statistics), through
 * the fast path's plan when the model has one (`plan`, compiled here when not given; a plan
 * exists only for models that take vectors, so X is then a matrix).
 */
export function predictInputs(
  model: tf.LayersModel,
  X: tf.Tensor,
  plan?: Plan | string,
): tf.Tensor2D {
  return tf.tidy(() => {
    const p = plan ?? compilePlan(model);
    if (typeof p !== "string") return forward(p, X as tf.Tensor2D, false).output;
    return model.apply(X, { training: false }) as tf.Tensor2D;
  });
}

/**
 * Loss (data loss + penalty), data loss, penalty and accuracy on prepared tensors, in
 * inference mode; `yData` saves reading y back again.
 */
export function evaluateTensors(
  model: tf.LayersModel,
  d: DataTensors,
  loss: LossName,
  yData?: ArrayLike<number>,
  plan?: Plan | string,
): Evaluation {
  const p = predictInputs(model, d.X, plan);
  const pData = p.dataSync();
  p.dispose();
  const n = d.X.shape[0];
  const { lossSum, hits } = scoreRows(loss, pData, yData ?? d.y.dataSync(), d.y.shape[1]);
  const penalty = penaltyValue(model);
  const out: Evaluation = { loss: lossSum / n + penalty, dataLoss: lossSum / n, penalty };
  if (loss !== "meanSquaredError") out.acc = hits / n;
  return out;
}
