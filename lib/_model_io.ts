/**
 * What training and prediction share about a model's inputs and outputs: the checks of the
 * model and of the data against it, the float32 matrices both feed it, its loss by default,
 * and the inference-mode forward pass and scoring behind `evaluate` and `fit`'s `valLoss`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { compilePlan, forward, type Plan } from "./_fast_dense.ts";
import { LOSS_NAMES, lossForActivation, type LossName, scoreRows } from "./_losses.ts";
import { checkModel, checkObject, checkOneOf, checkTensor, describe } from "./_validate.ts";
import type { Evaluation } from "./predict.ts";

/** Inputs and targets as float32 matrices [examples, features] and [examples, outputs]. */
export interface Matrices {
  X: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** Throws unless `model` is a tfjs LayersModel with one input and one output. */
export function checkSingleModel(model: unknown, name = "model"): tf.LayersModel {
  const m = checkModel<tf.LayersModel>(model, name);
  if (m.inputs.length !== 1 || m.outputs.length !== 1) {
    throw new RangeError(
      `${name} must have one input and one output, got ${m.inputs.length} and ${m.outputs.length}`,
    );
  }
  return m;
}

/** The number of input columns the model takes, if fixed. */
export function inputDim(model: tf.LayersModel): number | null {
  const shape = model.inputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

/** The number of output units, if fixed. */
export function outputDim(model: tf.LayersModel): number | null {
  const shape = model.outputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

/**
 * Checks `data` = {X, y} against itself and the model; returns float32 copies as matrices
 * (y of rank 1 becomes one column), which the caller disposes.
 */
export function prepareData(model: tf.LayersModel, data: unknown, name: string): Matrices {
  const { X, y } = checkObject(data, name);
  checkTensor<tf.Tensor>(X, `${name}.X`);
  checkTensor<tf.Tensor>(y, `${name}.y`);
  const x = X as tf.Tensor, t = y as tf.Tensor;
  if (x.rank !== 2) {
    throw new RangeError(`${name}.X must be 2-D [examples, features], got shape [${x.shape}]`);
  }
  const inDim = inputDim(model);
  if (inDim !== null && x.shape[1] !== inDim) {
    throw new RangeError(
      `${name}.X must have ${inDim} columns (the model's input size), got ${x.shape[1]}`,
    );
  }
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
  return tf.tidy(() => ({
    X: (x.dtype === "float32" ? x.clone() : tf.cast(x, "float32")) as tf.Tensor2D,
    y: tf.cast(t.rank === 1 ? tf.reshape(t, [-1, 1]) : t, "float32") as tf.Tensor2D,
  }));
}

/** Inputs given as a 2-D tensor or an array of rows, checked and cast to a float32 matrix. */
export function toMatrix(model: tf.LayersModel, X: unknown, name: string): tf.Tensor2D {
  const isTensor = X instanceof tf.Tensor;
  if (isTensor) {
    checkTensor(X, name);
    if (X.rank !== 2) {
      throw new RangeError(`${name} must be 2-D [examples, features], got shape [${X.shape}]`);
    }
  } else if (!Array.isArray(X) || X.some((r) => !Array.isArray(r))) {
    throw new TypeError(`${name} must be a 2-D tensor or an array of rows, got ${describe(X)}`);
  }
  const inDim = inputDim(model);
  const cols = isTensor ? X.shape[1] : (X as number[][])[0]?.length;
  if (inDim !== null && cols !== undefined && cols !== inDim) {
    throw new RangeError(
      `${name} must have ${inDim} columns (the model's input size), got ${cols}`,
    );
  }
  if (!isTensor && (X as number[][]).some((r) => r.length !== inDim)) {
    throw new RangeError(`${name} rows must all have ${inDim} values`);
  }
  return tf.tidy(() =>
    tf.cast(
      isTensor ? X : tf.tensor2d(X as number[][], [(X as number[][]).length, inDim ?? 0]),
      "float32",
    ) as tf.Tensor2D
  );
}

/** The activation of the model's last layer that has one. */
function outputActivation(model: tf.LayersModel): string | undefined {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const layer = model.layers[i];
    const cfg = layer.getConfig() as { activation?: unknown };
    if (typeof cfg.activation === "string") return cfg.activation;
    if (layer.getClassName() === "LeakyReLU") return "leakyRelu";
    if (layer.weights.length > 0) return undefined;
  }
  return undefined;
}

/**
 * The loss to use: `loss` checked, or by default the one that matches the output activation
 * (sigmoid → binaryCrossentropy, softmax → categoricalCrossentropy, else meanSquaredError).
 */
export function resolveLoss(model: tf.LayersModel, loss: unknown): LossName {
  return loss === undefined
    ? lossForActivation(outputActivation(model))
    : checkOneOf(loss, "loss", LOSS_NAMES);
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
 * the fast path's plan when the model has one (`plan`, compiled here when not given).
 */
export function predictMatrix(
  model: tf.LayersModel,
  X: tf.Tensor2D,
  plan?: Plan | string,
): tf.Tensor2D {
  return tf.tidy(() => {
    const p = plan ?? compilePlan(model);
    if (typeof p !== "string") return forward(p, X, false).output;
    return model.apply(X, { training: false }) as tf.Tensor2D;
  });
}

/**
 * Loss (data loss + penalty), data loss, penalty and accuracy on prepared matrices, in
 * inference mode; `yData` saves reading y back again.
 */
export function evaluateMatrices(
  model: tf.LayersModel,
  d: Matrices,
  loss: LossName,
  yData?: ArrayLike<number>,
  plan?: Plan | string,
): Evaluation {
  const p = predictMatrix(model, d.X, plan);
  const pData = p.dataSync();
  p.dispose();
  const n = d.X.shape[0];
  const { lossSum, hits } = scoreRows(loss, pData, yData ?? d.y.dataSync(), d.y.shape[1]);
  const penalty = penaltyValue(model);
  const out: Evaluation = { loss: lossSum / n + penalty, dataLoss: lossSum / n, penalty };
  if (loss !== "meanSquaredError") out.acc = hits / n;
  return out;
}
