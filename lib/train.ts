/**
 * Training and evaluation: `fit` (faster than tfjs `model.fit` for Dense stacks), its
 * `History`, `evaluate`, `predictProba` and `predictGrid` for decision boundaries.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import {
  _backward,
  _compilePlan,
  _forward,
  _lossReason,
  _outputGrad,
  type _Param,
  type _Plan,
} from "./_fast_dense.ts";
import { _lossForActivation, _meanLoss, _scoreRows, LOSS_NAMES, type LossName } from "./_losses.ts";
import {
  _makeUpdater,
  DEFAULT_LEARNING_RATE,
  OPTIMIZER_NAMES,
  type OptimizerName,
} from "./_optimizers.ts";
import {
  _inJupyter,
  type BatchInfo,
  type BatchLog,
  type Callback,
  type CallbackContext,
  type EpochLog,
  type HistoryRecords,
  progressCallback,
  type TrainParams,
} from "./callbacks.ts";
import { _checkOptions } from "./model.ts";
import { _seedOr, makeRng } from "./random.ts";

export type { LossName } from "./_losses.ts";
export type { OptimizerName } from "./_optimizers.ts";

/** Training or evaluation data as tensors: X [examples, features], y [examples, outputs]. */
export interface TensorData {
  /** Inputs, one row per example. */
  X: tf.Tensor;
  /** Targets: [n, 1] (or [n]) for binary and regression, one-hot [n, k] for k classes. */
  y: tf.Tensor;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** Passes over the training data. @default 1 */
  epochs?: number;
  /** Examples per update; undefined trains on the full batch. @default undefined */
  batchSize?: number;
  /** A name, or a tfjs optimizer used as is. @default "adam" */
  optimizer?: OptimizerName | tf.Optimizer;
  /**
   * Learning rate of a named optimizer.
   * @default 0.01 for "sgd" and "momentum", 0.001 for "rmsprop" and "adam"
   */
  learningRate?: number;
  /** Loss to minimize. @default from the output activation: sigmoid → binaryCrossentropy, softmax → categoricalCrossentropy, else meanSquaredError */
  loss?: LossName;
  /** Data evaluated at the end of every epoch (`valLoss`, `valAcc`). @default undefined */
  validationData?: TensorData;
  /** Hooks called during training. @default [] */
  callbacks?: Callback[];
  /** Shuffle the examples before every epoch. @default true */
  shuffle?: boolean;
  /** Seed of the shuffles and dropout masks. @default the next seed of lib's global stream */
  seed?: number;
  /**
   * Live progress: "line" or "chart" (see `setProgressFactory`), false for none, "auto" for a
   * line inside a Jupyter kernel and nothing elsewhere.
   * @default "auto"
   */
  progress?: false | "line" | "chart" | "auto";
  /** Record the loss of every update in `history.batches` (one sync per update). @default false */
  recordBatches?: boolean;
  /**
   * "fast" (hand-written backpropagation; Dense, Activation, LeakyReLU, Dropout and
   * BatchNormalization layers), "generic" (tfjs autodiff; any layers) or "auto" (fast when
   * the model allows).
   * @default "auto"
   */
  path?: "auto" | "fast" | "generic";
}

/**
 * The record of a training run: one {@link EpochLog} per epoch (and one {@link BatchLog} per
 * update with `recordBatches`), why training ended, and which path ran.
 *
 * @example Epoch records as a DataFrame
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * const X = tf.tensor2d([[0, 0], [1, 1]]), y = tf.tensor2d([[0], [1]]);
 * const model = mlp(2, { seed: 1 });
 * const history = await fit(model, { X, y }, { epochs: 3, seed: 1 });
 * const df = history.toDataFrame();
 * if (df.height !== 3 || history.last?.epoch !== 3) throw new Error("expected 3 epochs");
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export class History implements HistoryRecords {
  /** One entry per finished epoch. */
  readonly epochs: EpochLog[] = [];
  /** One entry per update, when `recordBatches` was on. */
  readonly batches: BatchLog[] = [];
  /** Why training ended, in words. */
  stopReason = "";
  /** Whether a callback stopped training before the epoch limit. */
  stoppedEarly = false;
  /** Which training path ran. */
  path: "fast" | "generic" = "fast";
  /** Why the generic path ran, when it did. */
  pathReason?: string;
  /** Training seconds in total (time in callbacks excluded). */
  seconds = 0;

  /** The last epoch's record. */
  get last(): EpochLog | undefined {
    return this.epochs.at(-1);
  }

  /**
   * The records as a nodejs-polars DataFrame: one row per epoch (columns epoch, loss, acc,
   * valLoss, valAcc, seconds — those that were logged) or, with `"batches"`, per update.
   *
   * @param which "epochs" or "batches". @default "epochs"
   * @returns A DataFrame.
   */
  toDataFrame(which: "epochs" | "batches" = "epochs"): pl.DataFrame {
    if (which !== "epochs" && which !== "batches") {
      throw new RangeError(`which must be "epochs" or "batches", got ${String(which)}`);
    }
    const rows: Record<string, number | undefined>[] = which === "epochs"
      ? this.epochs.map((e) => ({ ...e }))
      : this.batches.map((b) => ({ ...b }));
    const keys = which === "epochs"
      ? ["epoch", "loss", "acc", "valLoss", "valAcc", "seconds"]
      : ["step", "epoch", "batch", "size", "loss", "seconds"];
    const columns: Record<string, number[]> = {};
    for (const k of keys) {
      if (rows.length > 0 && rows.every((r) => r[k] !== undefined)) {
        columns[k] = rows.map((r) => r[k] as number);
      }
    }
    if (rows.length === 0) { for (const k of ["epoch", "loss"]) columns[k] = []; }
    return pl.DataFrame(columns);
  }
}

// ---------------------------------------------------------------------------------------------
// Argument checks

function _isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

function _checkModel(model: unknown): tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`model must be a tfjs LayersModel (e.g. from mlp()), got ${String(model)}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RangeError(
      `model must have one input and one output, got ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  return model;
}

function _inputDim(model: tf.LayersModel): number | null {
  const shape = model.inputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

function _outputDim(model: tf.LayersModel): number | null {
  const shape = model.outputs[0].shape;
  return shape.length === 2 ? shape[1] : null;
}

/** Checks X and y against each other and the model; returns float32 2-D tensors to dispose. */
function _prepare(
  model: tf.LayersModel,
  data: unknown,
  name: string,
): { X: tf.Tensor2D; y: tf.Tensor2D } {
  if (typeof data !== "object" || data === null) {
    throw new TypeError(
      `${name} must be an object {X, y} of tensors (see toTensors), got ${String(data)}`,
    );
  }
  const { X, y } = data as { X?: unknown; y?: unknown };
  if (!_isTensor(X) || !_isTensor(y)) {
    throw new TypeError(`${name}.X and ${name}.y must be tensors (see toTensors)`);
  }
  if (X.rank !== 2) {
    throw new RangeError(`${name}.X must be 2-D [examples, features], got shape [${X.shape}]`);
  }
  const inDim = _inputDim(model);
  if (inDim !== null && X.shape[1] !== inDim) {
    throw new RangeError(
      `${name}.X must have ${inDim} columns (the model's input size), got ${X.shape[1]}`,
    );
  }
  const outDim = _outputDim(model);
  if (y.rank !== 2 && !(y.rank === 1 && outDim === 1)) {
    throw new RangeError(
      `${name}.y must be 2-D [examples, ${outDim ?? "outputs"}]${
        outDim === 1 ? " or 1-D" : ""
      }, got shape [${y.shape}]`,
    );
  }
  if (y.shape[0] !== X.shape[0]) {
    throw new RangeError(
      `${name}.y must have one row per row of ${name}.X (${X.shape[0]}), got ${y.shape[0]}`,
    );
  }
  const yCols = y.rank === 1 ? 1 : y.shape[1];
  if (outDim !== null && yCols !== outDim) {
    throw new RangeError(
      `${name}.y must have ${outDim} columns (the model's output units), got ${yCols}`,
    );
  }
  if (X.shape[0] === 0) throw new RangeError(`${name} must have at least one example, got 0`);
  return tf.tidy(() => ({
    X: (X.dtype === "float32" ? X.clone() : tf.cast(X, "float32")) as tf.Tensor2D,
    y: tf.cast(y.rank === 1 ? tf.reshape(y, [-1, 1]) : y, "float32") as tf.Tensor2D,
  }));
}

function _checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function _checkLoss(loss: unknown): LossName {
  if (typeof loss !== "string" || !(LOSS_NAMES as readonly string[]).includes(loss)) {
    throw new RangeError(
      `loss must be one of ${LOSS_NAMES.map((l) => `"${l}"`).join(", ")}, got ${String(loss)}`,
    );
  }
  return loss as LossName;
}

/** The activation of the model's last layer that has one. */
function _outputActivation(model: tf.LayersModel): string | undefined {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const layer = model.layers[i];
    const cfg = layer.getConfig() as { activation?: unknown };
    if (typeof cfg.activation === "string") return cfg.activation;
    if (layer.getClassName() === "LeakyReLU") return "leakyRelu";
    if (layer.weights.length > 0) return undefined;
  }
  return undefined;
}

/** Total penalty of the model's weight regularizers at the current weights. */
function _penaltyValue(model: tf.LayersModel): number {
  return tf.tidy(() => {
    const terms = model.layers.flatMap((l) => l.calculateLosses());
    return terms.length ? tf.addN(terms).dataSync()[0] : 0;
  });
}

/** Forward pass in inference mode (dropout off, batch norm with moving statistics). */
function _predict(model: tf.LayersModel, X: tf.Tensor2D, plan?: _Plan | string): tf.Tensor2D {
  return tf.tidy(() => {
    const p = plan ?? _compilePlan(model);
    if (typeof p !== "string") return _forward(p, X, false).output;
    return model.apply(X, { training: false }) as tf.Tensor2D;
  });
}

async function _call<T>(
  callbacks: Callback[],
  hook: keyof Callback,
  arg: T,
  ctx: CallbackContext,
): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((a: T, c: CallbackContext) => unknown) | undefined;
    if (fn === undefined) continue;
    const result = hook === "onTrainBegin" || hook === "onTrainEnd"
      ? (fn as unknown as (c: CallbackContext) => unknown).call(cb, ctx)
      : fn.call(cb, arg, ctx);
    if (result instanceof Promise) await result;
  }
}

// ---------------------------------------------------------------------------------------------
// fit

/**
 * Trains a model with mini-batch (or full-batch) gradient descent and returns its history.
 *
 * Each epoch shuffles the examples (seeded), then for each batch of B examples computes the
 * loss L = (1/B) Σ ℓ(ŷᵢ, yᵢ) + penalty and updates the weights with the optimizer. The
 * logged `loss` is the mean of the batch losses over the epoch, weighted by batch size, each
 * taken before its update — data loss plus the regularization penalty, as Keras reports it;
 * `valLoss` is computed at the end of the epoch on the validation data in inference mode
 * (dropout off, batch norm with moving statistics), also data loss plus penalty. Accuracy:
 * binary — p > 0.5 matches y; categorical — argmax matches.
 *
 * For Sequential stacks of Dense, Activation, LeakyReLU, Dropout and BatchNormalization
 * layers (with L1/L2 weight regularizers), `fit` uses hand-written backpropagation, and a
 * named optimizer updates all weights in one loop: several times faster than `model.fit`
 * on the wasm backend (see `deno task bench`).
 * Other models train through tfjs autodiff (`history.path` says which ran). Both follow the
 * tfjs/Keras conventions: penalty l1·Σ|w| + l2·Σw² with gradient l1·sign(w) + 2·l2·w,
 * probabilities clipped to [1e-7, 1 − 1e-7] in crossentropies, inverted dropout, batch-norm
 * moving averages with momentum 0.99. Weight constraints are not applied (as in tfjs).
 * Dropout masks come from the `seed`, so a seed reproduces a run exactly (on the generic
 * path, tfjs Dropout layers draw their own masks). A named optimizer starts afresh in every
 * call; pass a `tf.Optimizer` to carry its state from one call to the next. Weights smaller
 * than 1e-20 in size are set to 0 after each update (they cannot change a float32 result,
 * and subnormal numbers slow the wasm backend's matrix products down a hundredfold).
 *
 * @param model The model to train (updated in place).
 * @param data Training tensors {X, y}.
 * @param options Epochs, batch size, optimizer, validation data, callbacks and more.
 * @returns The run's history.
 *
 * @example Train a small classifier on the full batch
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = tf.tensor2d([[0], [1], [1], [1]]);
 * const model = mlp(2, { hidden: [4], seed: 1 });
 * const history = await fit(model, { X, y }, { epochs: 5, learningRate: 0.1, seed: 1 });
 * if (history.epochs.length !== 5) throw new Error("expected 5 epochs");
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export async function fit(
  model: tf.LayersModel,
  data: TensorData,
  options: FitOptions = {},
): Promise<History> {
  _checkModel(model);
  _checkOptions(options, [
    "epochs",
    "batchSize",
    "optimizer",
    "learningRate",
    "loss",
    "validationData",
    "callbacks",
    "shuffle",
    "seed",
    "progress",
    "recordBatches",
    "path",
  ]);
  const epochs = _checkPositiveInt(options.epochs ?? 1, "epochs");
  if (options.batchSize !== undefined) _checkPositiveInt(options.batchSize, "batchSize");
  const optimizer = options.optimizer ?? "adam";
  if (typeof optimizer === "string") {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(optimizer)) {
      throw new RangeError(
        `optimizer must be one of ${
          OPTIMIZER_NAMES.map((o) => `"${o}"`).join(", ")
        } or a tf.Optimizer, got ${optimizer}`,
      );
    }
  } else if (!(optimizer instanceof tf.Optimizer)) {
    throw new TypeError(`optimizer must be a name or a tf.Optimizer, got ${String(optimizer)}`);
  } else if (options.learningRate !== undefined) {
    throw new TypeError(
      "learningRate applies to a named optimizer; set the learning rate on the tf.Optimizer instead",
    );
  }
  const learningRate = typeof optimizer === "string"
    ? options.learningRate ?? DEFAULT_LEARNING_RATE[optimizer]
    : 0;
  if (
    typeof optimizer === "string" &&
    (typeof learningRate !== "number" || !(learningRate > 0) || !Number.isFinite(learningRate))
  ) {
    throw new RangeError(`learningRate must be a finite number > 0, got ${String(learningRate)}`);
  }
  const loss = options.loss === undefined
    ? _lossForActivation(_outputActivation(model))
    : _checkLoss(options.loss);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== "object" || c === null)) {
    throw new TypeError(`callbacks must be an array of callback objects, got ${String(callbacks)}`);
  }
  const progress = options.progress ?? "auto";
  if (![false, "line", "chart", "auto"].includes(progress)) {
    throw new RangeError(
      `progress must be false, "line", "chart" or "auto", got ${String(progress)}`,
    );
  }
  const pathOpt = options.path ?? "auto";
  if (!["auto", "fast", "generic"].includes(pathOpt)) {
    throw new RangeError(`path must be "auto", "fast" or "generic", got ${String(pathOpt)}`);
  }
  const seed = _seedOr(options.seed);
  const shuffle = options.shuffle ?? true;

  const compiled = _compilePlan(model);
  const reason = typeof compiled === "string" ? compiled : _lossReason(compiled, loss);
  if (pathOpt === "fast" && reason !== undefined) {
    throw new TypeError(`path "fast" cannot train this model: ${reason}`);
  }
  const plan = pathOpt !== "generic" && typeof compiled !== "string" && reason === undefined
    ? compiled
    : undefined;

  const allCallbacks = [...callbacks];
  if (progress === "line" || progress === "chart") allCallbacks.push(progressCallback(progress));
  else if (progress === "auto" && _inJupyter()) allCallbacks.push(progressCallback("line"));

  const train = _prepare(model, data, "data");
  let val: { X: tf.Tensor2D; y: tf.Tensor2D } | undefined;
  try {
    if (options.validationData !== undefined) {
      val = _prepare(model, options.validationData, "validationData");
    }
  } catch (e) {
    tf.dispose(train);
    throw e;
  }
  const n = train.X.shape[0];
  const batchSize = Math.min(options.batchSize ?? n, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);

  const params: _Param[] = plan
    ? plan.params
    : model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable }));
  const updater = _makeUpdater(params, optimizer, learningRate, plan !== undefined);
  const rng = makeRng(seed);
  const nextSeed = () => rng.int(2147483647);

  const history = new History();
  history.path = plan ? "fast" : "generic";
  if (!plan) history.pathReason = pathOpt === "generic" ? "requested" : reason;
  const trainParams: TrainParams = {
    epochs,
    batchSize,
    stepsPerEpoch,
    numExamples: n,
    hasValidation: val !== undefined,
    hasAccuracy: loss !== "meanSquaredError",
    loss,
    path: history.path,
  };
  const ctx = {
    model,
    params: trainParams,
    history,
    stopTraining: false,
    stopReason: undefined as string | undefined,
    stop(why: string) {
      this.stopTraining = true;
      this.stopReason ??= String(why);
    },
  };
  const batchHooks = allCallbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  const recordBatches = options.recordBatches ?? false;

  let trainSeconds = 0;
  let clock = performance.now();
  const tick = () => {
    const now = performance.now();
    trainSeconds += (now - clock) / 1000;
    clock = now;
    return trainSeconds;
  };
  const callHooks = async <T>(hook: keyof Callback, arg: T) => {
    tick();
    await _call(allCallbacks, hook, arg, ctx);
    clock = performance.now();
  };

  /** One update on a batch; returns the batch's predictions and the penalty before it. */
  const trainStep = (xb: tf.Tensor2D, yb: tf.Tensor2D): [tf.Tensor2D, number | undefined] => {
    if (plan) {
      const { output, cache } = _forward(plan, xb, true, nextSeed);
      const { grad, fused } = _outputGrad(plan, loss, output, yb);
      const penalty = updater.step(_backward(plan, cache, grad, fused));
      return [output, penalty];
    }
    let p: tf.Tensor2D | undefined;
    let penalty: number | undefined;
    const vars = params.map((q) => q.variable);
    const { grads } = tf.variableGrads(() => {
      p = tf.keep(model.apply(xb, { training: true }) as tf.Tensor2D);
      const terms = model.layers.flatMap((l) => l.calculateLosses());
      let total = _meanLoss(loss, yb, p);
      if (terms.length) {
        const sum = tf.addN(terms) as tf.Scalar;
        penalty = sum.dataSync()[0];
        total = tf.add(total, sum);
      }
      return total;
    }, vars);
    updater.step(vars.map((v) => grads[v.name]));
    return [p as tf.Tensor2D, penalty];
  };

  // Targets in JavaScript: losses and accuracies are summed there, in double precision.
  const yTrain = train.y.dataSync(), k = train.y.shape[1];
  const yVal = val?.y.dataSync();

  try {
    await callHooks("onTrainBegin", undefined);
    let step = 0;
    for (let epoch = 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
      await callHooks("onEpochBegin", epoch);
      updater.refresh();
      // Batches are gathered by index: tfjs-wasm's slice copies its whole input each time.
      const order = stepsPerEpoch === 1
        ? undefined
        : shuffle
        ? rng.shuffle([...Array(n).keys()])
        : [...Array(n).keys()];
      const preds: tf.Tensor2D[] = [];
      let penaltySum = 0;
      try {
        for (let b = 0; b < stepsPerEpoch; b++) {
          const start = b * batchSize, size = Math.min(batchSize, n - start);
          const info: BatchInfo = { step: step + 1, epoch, batch: b + 1, size };
          if (batchHooks) await callHooks("onBatchBegin", info);
          const rows = order?.slice(start, start + size);
          const [xb, yb] = rows === undefined ? [train.X, train.y] : tf.tidy(() => {
            const idx = tf.tensor1d(rows, "int32");
            return [tf.gather(train.X, idx), tf.gather(train.y, idx)];
          });
          const [p, penalty] = tf.tidy(() => trainStep(xb, yb));
          step++;
          preds.push(p);
          penaltySum += (penalty ?? 0) * size;
          if (rows !== undefined) tf.dispose([xb, yb]);
          if (recordBatches) {
            const { lossSum } = _scoreRows(loss, p.dataSync(), yTrain, k, rows);
            info.loss = lossSum / size + (penalty ?? 0);
            info.seconds = tick();
            history.batches.push({ ...info, loss: info.loss, seconds: info.seconds });
          }
          if (batchHooks) {
            await callHooks("onBatchEnd", info);
            if (ctx.stopTraining) break;
          }
        }
        // Epoch metrics: predictions read back once, scored in JavaScript.
        const P = preds.length === 1 ? preds[0] : tf.concat(preds);
        const pData = await P.data();
        if (P !== preds[0]) P.dispose();
        const seen = pData.length / k;
        const scored = _scoreRows(loss, pData, yTrain, k, order);
        const log: EpochLog = {
          epoch,
          loss: (scored.lossSum + penaltySum) / seen,
          seconds: 0,
        };
        if (trainParams.hasAccuracy) log.acc = scored.hits / seen;
        if (val) {
          const v = _evaluateTensors(model, val, loss, yVal, compiled);
          log.valLoss = v.loss;
          if (trainParams.hasAccuracy) log.valAcc = v.acc;
        }
        log.seconds = tick();
        history.epochs.push(log);
      } finally {
        tf.dispose(preds);
      }
      await callHooks("onEpochEnd", history.epochs.at(-1));
    }
    history.stoppedEarly = ctx.stopTraining && history.epochs.length < epochs;
    history.stopReason = ctx.stopReason ??
      `reached the epoch limit (${epochs} epoch${epochs === 1 ? "" : "s"})`;
    await callHooks("onTrainEnd", undefined);
  } finally {
    updater.dispose();
    tf.dispose([train.X, train.y]);
    if (val) tf.dispose([val.X, val.y]);
    history.seconds = trainSeconds;
  }
  return history;
}

// ---------------------------------------------------------------------------------------------
// evaluation and prediction

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

/**
 * Evaluates a model in inference mode (dropout off, batch norm with moving statistics):
 * loss = (1/n) Σ ℓ(ŷᵢ, yᵢ) + penalty, the same quantity `fit` logs as `valLoss`.
 *
 * @param model A trained model.
 * @param data Tensors {X, y}.
 * @param options.loss The loss. @default from the output activation, as in {@link fit}
 * @returns Loss, data loss, penalty and accuracy.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { evaluate } from "./train.ts";
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
  options: { loss?: LossName } = {},
): Evaluation {
  _checkModel(model);
  _checkOptions(options, ["loss"]);
  const loss = options.loss === undefined
    ? _lossForActivation(_outputActivation(model))
    : _checkLoss(options.loss);
  const d = _prepare(model, data, "data");
  try {
    return _evaluateTensors(model, d, loss);
  } finally {
    tf.dispose([d.X, d.y]);
  }
}

/** evaluate() on prepared tensors; `yData` saves reading y again. */
function _evaluateTensors(
  model: tf.LayersModel,
  d: { X: tf.Tensor2D; y: tf.Tensor2D },
  loss: LossName,
  yData?: ArrayLike<number>,
  plan?: _Plan | string,
): Evaluation {
  const p = _predict(model, d.X, plan);
  const pData = p.dataSync();
  p.dispose();
  const n = d.X.shape[0];
  const { lossSum, hits } = _scoreRows(loss, pData, yData ?? d.y.dataSync(), d.y.shape[1]);
  const penalty = _penaltyValue(model);
  const out: Evaluation = { loss: lossSum / n + penalty, dataLoss: lossSum / n, penalty };
  if (loss !== "meanSquaredError") out.acc = hits / n;
  return out;
}

function _toMatrix(model: tf.LayersModel, X: unknown, name: string): tf.Tensor2D {
  if (_isTensor(X)) {
    if (X.rank !== 2) {
      throw new RangeError(`${name} must be 2-D [examples, features], got shape [${X.shape}]`);
    }
  } else if (!Array.isArray(X) || X.some((r) => !Array.isArray(r))) {
    throw new TypeError(`${name} must be a 2-D tensor or an array of rows, got ${String(X)}`);
  }
  const inDim = _inputDim(model);
  const cols = _isTensor(X) ? X.shape[1] : (X as number[][])[0]?.length;
  if (inDim !== null && cols !== undefined && cols !== inDim) {
    throw new RangeError(
      `${name} must have ${inDim} columns (the model's input size), got ${cols}`,
    );
  }
  if (!_isTensor(X) && (X as number[][]).some((r) => r.length !== inDim)) {
    throw new RangeError(`${name} rows must all have ${inDim} values`);
  }
  return tf.tidy(() =>
    tf.cast(
      _isTensor(X) ? X : tf.tensor2d(X as number[][], [(X as number[][]).length, inDim ?? 0]),
      "float32",
    ) as tf.Tensor2D
  );
}

/**
 * Predicted probabilities (the model's outputs) in inference mode, one row per example:
 * for a sigmoid output [P(y = 1)], for softmax one probability per class.
 *
 * @param model A model.
 * @param X Inputs as a 2-D tensor or an array of rows.
 * @returns One array of output values per example.
 *
 * @example
 * ```ts
 * import { mlp } from "./model.ts";
 * import { predictProba } from "./train.ts";
 * const model = mlp(2, { outputUnits: 3, outputActivation: "softmax", seed: 1 });
 * const [row] = predictProba(model, [[0.5, -1]]);
 * const total = row.reduce((a, b) => a + b, 0);
 * if (Math.abs(total - 1) > 1e-5) throw new Error(`rows sum to ${total}`);
 * model.dispose();
 * ```
 */
export function predictProba(model: tf.LayersModel, X: tf.Tensor | number[][]): number[][] {
  _checkModel(model);
  const x = _toMatrix(model, X, "X");
  try {
    const p = _predict(model, x);
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
  /** Grid points along each axis. @default 80 */
  resolution?: number;
  /** Margin added on each side, as a fraction of the data's range on that axis. @default 0.1 */
  padding?: number;
}

/**
 * Evaluates a two-input model on a regular grid covering the data, for decision-boundary
 * charts: resolution × resolution points from min − padding·range to max + padding·range on
 * each axis.
 *
 * @param model A model with two inputs.
 * @param points The data to cover: rows [x1, x2], or a dataset with `X`.
 * @param options Grid resolution and padding.
 * @returns One {x1, x2, p, label} per grid point.
 *
 * @example
 * ```ts
 * import { mlp } from "./model.ts";
 * import { predictGrid } from "./train.ts";
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
  _checkModel(model);
  if (_inputDim(model) !== 2) {
    throw new RangeError(`model must take 2 inputs for a grid, got ${_inputDim(model)}`);
  }
  const rows = Array.isArray(points) ? points : (points as { X?: unknown })?.X;
  if (
    !Array.isArray(rows) || rows.length === 0 ||
    rows.some((r) => !Array.isArray(r) || r.length !== 2)
  ) {
    throw new TypeError(
      "points must be a non-empty array of [x1, x2] rows or a dataset with such X",
    );
  }
  _checkOptions(options, ["resolution", "padding"]);
  const resolution = _checkPositiveInt(options.resolution ?? 80, "resolution");
  if (resolution < 2) throw new RangeError(`resolution must be at least 2, got ${resolution}`);
  const padding = options.padding ?? 0.1;
  if (typeof padding !== "number" || !(padding >= 0) || !Number.isFinite(padding)) {
    throw new RangeError(`padding must be a finite number >= 0, got ${String(padding)}`);
  }
  const axis = (j: number) => {
    let lo = Infinity, hi = -Infinity;
    for (const r of rows as number[][]) {
      lo = Math.min(lo, r[j]);
      hi = Math.max(hi, r[j]);
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
