/**
 * The training loop: {@link fit} trains a model with mini-batch gradient descent (several
 * times faster than tfjs `model.fit` for Dense stacks) and returns its `History`. Using the
 * trained model (evaluate, predictProba, predictGrid) is `predict.ts`'s job.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { makeContext } from "./_context.ts";
import { backward, forward, outputGrad, type Param } from "./_fast_dense.ts";
import { isTfOptimizer, resolveFitOptions } from "./_fit_options.ts";
import { type LossName, meanLoss, scoreRows } from "./_losses.ts";
import { checkSingleModel, evaluateTensors, prepareData, type PreparedData } from "./_model_io.ts";
import { createEngine, engineSwitch, type MlpEngine } from "./_mlp_engine.ts";
import { type Decay, makeUpdater, type Updater } from "./_optimizers.ts";
import type { BatchInfo, Callback, CallbackContext, EpochLog, TrainParams } from "./callbacks.ts";
import { History } from "./history.ts";
import type { OptimizerSpec } from "./optimizers.ts";
import type { LearningRateSchedule } from "./schedules.ts";
import { makeRng } from "./random.ts";
import { checkTensor, describe } from "./_validate.ts";

export type { LossName } from "./_losses.ts";
export type { OptimizerName } from "./optimizers.ts";

// The learning rate each update used, in the records `fit` writes (see FitOptions.learningRate).
/**
 * Training or evaluation data as tensors: X [examples, features] (or [examples, height,
 * width, channels] for a model that takes images), y [examples, outputs].
 */
export interface TensorData {
  /** Inputs, one per example along the first axis, of the model's input shape. */
  X: tf.Tensor;
  /**
   * Targets: [n, 1] (or [n]) for binary and regression, one-hot [n, k] for k classes. Binary
   * labels are 0 or 1; a one-hot row holds a single 1 and k − 1 zeros.
   */
  y: tf.Tensor;
}

/**
 * A batch augmenter for `fit`'s `augment` option: given a training batch and a seed, it
 * returns the batch the model trains on — X of the same shape (flipped, shifted, noisy
 * images …) and y of the same shape (the same targets, or soft ones as mixup makes). `fit`
 * calls it synchronously inside the step's `tf.tidy`, so every tensor it makes is freed after
 * the step; it must not dispose its inputs. `batch.y` is the float32 matrix [batch, outputs]
 * `fit` trains on (labels of rank 1 as one column). The seed, an integer in [0, 2³¹), comes
 * from `fit`'s seed, a different one for every batch: draw every random choice from it (for
 * example `makeRng(seed)`, or tfjs ops given `seed`) and a seed reproduces the run exactly.
 *
 * @param batch The batch: inputs X [batch, ...] and targets y [batch, outputs].
 * @param seed The batch's seed.
 * @returns The batch to train on, tensors of the same shapes.
 *
 * @example Add Gaussian noise to the inputs, seeded
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { type BatchAugmenter, fit } from "./train.ts";
 * const noisy: BatchAugmenter = ({ X, y }, seed) => ({
 *   X: tf.add(X, tf.randomNormal(X.shape, 0, 0.1, "float32", seed)),
 *   y,
 * });
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = tf.tensor2d([[0], [1], [1], [1]]);
 * const model = mlp(2, { hidden: [4], seed: 1 });
 * const history = await fit(model, { X, y }, { epochs: 3, augment: noisy, seed: 1 });
 * if (history.epochs.length !== 3) throw new Error("expected 3 epochs");
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export type BatchAugmenter = (
  batch: { X: tf.Tensor; y: tf.Tensor },
  seed: number,
) => { X: tf.Tensor; y: tf.Tensor };

/** Options of {@link fit}. */
export interface FitOptions {
  /** Passes over the training data. @default 1 */
  epochs?: number;
  /**
   * Examples per update; undefined (or a size of at least the number of examples) trains on
   * the full batch.
   * @default undefined
   */
  batchSize?: number;
  /**
   * A named optimizer, alone or with settings, or a tfjs optimizer used as is (it keeps its
   * own learning rate and its state from one call to the next). With g the batch gradient
   * and α the learning rate (`optimizers.ts` has the tfjs, PyTorch and Keras variants):
   *
   * - "sgd": w ← w − α·g
   * - "momentum" (`momentum` μ = 0.9, `nesterov` false): v ← μ·v + g, w ← w − α·v
   * - "rmsprop" (`rho` ρ = 0.9, `epsilon` ε = 1e-7, `momentum` 0):
   *   s ← ρ·s + (1 − ρ)·g², w ← w − α·g/√(s + ε)
   * - "adam" (`beta1` β₁ = 0.9, `beta2` β₂ = 0.999, `epsilon` ε = 1e-7):
   *   m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g², w ← w − α·m̂/(√v̂ + ε) with
   *   m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
   *
   * Settings go in an object: `{ name: "adam", beta2: 0.99, epsilon: 1e-8 }`.
   * @default "adam"
   */
  optimizer?: OptimizerSpec | tf.Optimizer;
  /**
   * Learning rate α of a named optimizer: a number, or a schedule `(step) => α` asked for
   * the rate of every update, step counted from 0 in each call (see `schedules.ts`:
   * `stepDecay`, `exponentialDecay`, `inverseTimeDecay`, `cosineDecay`). Each epoch record
   * keeps the rate of its last update as `lr`, each batch record its own.
   * @default 0.01 for "sgd" and "momentum", 0.001 for "rmsprop" and "adam"
   */
  learningRate?: number | LearningRateSchedule;
  /**
   * λ of decoupled weight decay (AdamW's, Loshchilov & Hutter): every update also takes
   * α·λ·w off each kernel, w ← w − α·(the optimizer's step) − α·λ·w, with α the update's
   * learning rate (so the decay follows a schedule, as in PyTorch and Keras). Kernels only:
   * the weight matrices of every Dense (and other) layer, the output layer's included, but
   * no biases nor batch-norm γ and β; PyTorch's `weight_decay` and Keras's decay every
   * weight they are given unless told otherwise. Unlike an L2 penalty, the decay is not part
   * of the loss and does not go through the optimizer: with "sgd" it equals an L2 penalty
   * l2(λ/2)·Σw² on every kernel (tfjs/Keras convention, gradient λ·w; `mlp`'s
   * `kernelRegularizer` with `regularizeOutput`), with "momentum", "rmsprop" or "adam" it
   * does not. Named optimizers only.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Gradient clipping by value: before every update, each element of the gradient g of the
   * loss (data loss plus the layers' weight penalties; decoupled `weightDecay` is not clipped)
   * is clipped to [−c, c],
   *
   *   g ← min(max(g, −c), c),
   *
   * then handed to the optimizer, as Keras's `clipvalue` and PyTorch's
   * `clip_grad_value_(params, c)` do. The direction of g changes when some elements are cut.
   * A positive finite number; undefined for none. With `clipNorm` as well, this comes first.
   * @default undefined
   */
  clipValue?: number;
  /**
   * Gradient clipping by global norm: before every update the whole gradient — all weights
   * of all layers as one vector, with norm ‖g‖ = √(Σ over every weight of g²) — is scaled
   *
   *   g ← g · c / max(‖g‖, c),
   *
   * so a gradient of norm above c is brought down to norm c, keeping its direction, and one
   * of norm at most c is left as it is. This is PyTorch's `clip_grad_norm_(params, c)` (which
   * divides by ‖g‖ + 10⁻⁶) and Keras's `global_clipnorm`; Keras's `clipnorm` is another rule,
   * applied to each weight tensor on its own (every kernel and bias to norm c). With "sgd"
   * the update's norm is then at most α·c. g is the gradient of the loss with the layers'
   * weight penalties (decoupled `weightDecay` is not clipped). A positive finite number;
   * undefined for none. A non-finite gradient makes the update NaN, as in PyTorch.
   * @default undefined
   */
  clipNorm?: number;
  /** Loss to minimize. @default from the output activation: sigmoid → binaryCrossentropy, softmax → categoricalCrossentropy, else meanSquaredError */
  loss?: LossName;
  /** Data evaluated at the end of every epoch (`valLoss`, `valAcc`). @default undefined */
  validationData?: TensorData;
  /** Hooks called during training. @default [] */
  callbacks?: Callback[];
  /** Shuffle the examples before every epoch. @default true */
  shuffle?: boolean;
  /** Seed of the shuffles, the dropout masks and `augment`'s seeds. @default the next seed of lib's global stream */
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
  /**
   * Data augmentation: a {@link BatchAugmenter} called on every training batch (after the
   * shuffle, before the update; never on `validationData`, never by `evaluate`) with a seed
   * of its own for every batch, so each epoch sees fresh variants and a `seed` reproduces
   * the run. The seeds come from a stream of their own (started from `seed`): the shuffles
   * and dropout masks are the same with or without an augmenter. When it changes y (mixup's
   * soft labels), the epoch's `loss` and `acc` score the predictions against the targets the
   * model trained on — `loss` is the loss the optimizer minimized, `acc` counts a hit when
   * the predicted class is the target's: argmax of the target row (categorical), target >
   * 0.5 (binary). The augmented targets are not checked for labels the loss expects.
   * An augmenter that returns its batch unchanged trains exactly as no augmenter. Where the
   * step runs in tfjs (a `cnn`, a `tf.Optimizer`, the generic path) the augmented batch
   * stays in tfjs and adds no read-back; a Dense stack with a named optimizer trains outside
   * tfjs, on the augmented X and y, read back once per batch (and not on X read up front).
   * @default undefined
   */
  augment?: BatchAugmenter;
}

// ---------------------------------------------------------------------------------------------
// the loop

/** For each param, whether it is a layer's kernel (the weights weight decay shrinks). */
function kernelFlags(model: tf.LayersModel, params: Param[]): boolean[] {
  const kernels = new Set<tf.Variable>();
  for (const layer of model.layers) {
    for (const w of layer.trainableWeights) {
      if (w.originalName.endsWith("/kernel")) kernels.add(w.read() as tf.Variable);
    }
  }
  return params.map((p) => kernels.has(p.variable));
}

/** Calls `hook` of every callback in order, awaiting each one that returns a promise. */
async function callHook<T>(
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

/** `augment` applied to a batch, its result checked (tensors of the batch's shapes, float32). */
function augmentBatch(
  augment: BatchAugmenter,
  X: tf.Tensor,
  y: tf.Tensor2D,
  seed: number,
): { X: tf.Tensor; y: tf.Tensor2D } {
  const out = augment({ X, y }, seed) as unknown;
  if (out instanceof Promise || typeof (out as { then?: unknown })?.then === "function") {
    throw new TypeError(
      "augment must return { X, y } synchronously (fit calls it inside tf.tidy), got a promise",
    );
  }
  const o = out as { X?: unknown; y?: unknown } | null;
  if (
    typeof o !== "object" || o === null || !(o.X instanceof tf.Tensor) ||
    !(o.y instanceof tf.Tensor)
  ) {
    throw new TypeError(`augment must return { X, y } with tensors X and y, got ${describe(out)}`);
  }
  const pairs: [tf.Tensor, tf.Tensor, string][] = [[o.X, X, "X"], [o.y, y, "y"]];
  for (const [got, want, name] of pairs) {
    checkTensor(got, `augment's ${name}`);
    if (got.rank !== want.rank || got.shape.some((d, i) => d !== want.shape[i])) {
      throw new RangeError(
        `augment must return ${name} of the batch's shape [${want.shape.join(", ")}], got [${
          got.shape.join(", ")
        }]`,
      );
    }
  }
  const float = <T extends tf.Tensor>(t: T): T => t.dtype === "float32" ? t : tf.cast(t, "float32");
  return { X: float(o.X), y: float(o.y as tf.Tensor2D) };
}

/** A seed for augmentation's own stream, derived from fit's seed. */
function augmentSeed(seed: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0;
}

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
 * on the wasm backend (see `deno task bench`). With a named optimizer, the whole step runs
 * outside tfjs, on WebAssembly SIMD kernels over one memory that holds the weights,
 * gradients, optimizer state and activations (with `augment`, on the batch the augmenter
 * returns, read back from tfjs once per batch); the model's variables get the
 * weights at the end of every epoch (before validation) and before every callback.
 * Other models — a `cnn` with its images X [examples, height, width, channels] among them —
 * train through tfjs autodiff (`history.path` says which ran). Both follow the
 * tfjs/Keras conventions: penalty l1·Σ|w| + l2·Σw² with gradient l1·sign(w) + 2·l2·w,
 * probabilities clipped to [1e-7, 1 − 1e-7] in crossentropies, inverted dropout, batch-norm
 * moving averages with momentum 0.99. Weight constraints are not applied (as in tfjs).
 * Dropout masks come from the `seed`, so a seed reproduces a run exactly (on the generic
 * path, each Dropout layer of the model is given a fresh seed for every batch). With
 * `augment`, every training batch goes through the augmenter first, and the epoch's `loss`
 * and `acc` score the predictions against the targets it returned (see
 * {@link FitOptions.augment}). A named optimizer starts afresh in every
 * call; pass a `tf.Optimizer` to carry its state from one call to the next. `clipValue` and
 * `clipNorm` clip every update's gradient, by element or by its global norm over all weights
 * (see {@link FitOptions.clipNorm}), on both paths and for a `tf.Optimizer` too. Weights smaller
 * than 1e-20 in size are set to 0 after each update (they cannot change a float32 result,
 * and subnormal numbers slow the wasm backend's matrix products down a hundredfold).
 *
 * The data are checked before anything trains, and an error names the argument and the first
 * bad row: X must have the model's input shape (after the examples axis) and X and y
 * (training and validation) must hold finite numbers; for
 * binaryCrossentropy y holds labels 0 or 1, for categoricalCrossentropy one-hot rows, one
 * column per output unit; the loss must suit the output (categoricalCrossentropy a softmax,
 * binaryCrossentropy a sigmoid or softmax, never a softmax over one unit). A batch size above
 * the number of examples trains on the full batch.
 *
 * @param model The model to train (updated in place).
 * @param data Training tensors {X, y}.
 * @param options Epochs, batch size, optimizer, validation data, callbacks and more.
 * @returns The run's history.
 * @throws {RangeError} For labels the loss cannot score, non-finite values, or data whose
 *   shape does not match the model.
 * @throws {TypeError} For data that are not live tensors, or a disposed model.
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
 *
 * @example Clip the gradient's global norm: an SGD update then moves the weights by at most α·c
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = tf.tensor2d([[0], [1], [1], [1]]);
 * const model = mlp(2, { hidden: [4], seed: 1 });
 * const flat = () => model.getWeights().flatMap((w) => Array.from(w.dataSync()));
 * const before = flat();
 * await fit(model, { X, y }, { optimizer: "sgd", learningRate: 10, clipNorm: 0.01 });
 * const step = Math.hypot(...flat().map((w, i) => w - before[i]));
 * if (step > 10 * 0.01 * (1 + 1e-5)) throw new Error(`step ${step}`);
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export async function fit(
  model: tf.LayersModel,
  data: TensorData,
  options: FitOptions = {},
): Promise<History> {
  checkSingleModel(model);
  const settings = resolveFitOptions(model, options);
  const { epochs, loss, plan, shuffle, recordBatches } = settings;
  const allCallbacks = settings.callbacks;

  const train = prepareData(model, data, "data", loss);
  let val: PreparedData | undefined;
  try {
    if (options.validationData !== undefined) {
      val = prepareData(model, options.validationData, "validationData", loss);
    }
  } catch (e) {
    tf.dispose([train.X, train.y]);
    throw e;
  }
  const n = train.X.shape[0];
  const batchSize = Math.min(settings.batchSize ?? n, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);

  const params: Param[] = plan
    ? plan.params
    : model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable }));
  const decay: Decay | undefined = settings.weightDecay > 0
    ? { weightDecay: settings.weightDecay, decayed: kernelFlags(model, params) }
    : undefined;
  // The engine runs the fast path's whole step in WebAssembly memory, without tfjs ops. With
  // augment it trains on the batches the augmenter returns and needs no data of its own.
  const optimizer = settings.optimizer;
  let engine: MlpEngine | undefined;
  let updater: Updater | undefined;
  try {
    engine = plan && !isTfOptimizer(optimizer) && engineSwitch.enabled
      ? createEngine(
        plan,
        settings.augment ? undefined : train.X.dataSync() as Float32Array,
        settings.augment ? undefined : Float32Array.from(train.yData),
        {
          loss,
          optimizer,
          learningRate: settings.learningRate,
          maxBatch: batchSize,
          decay,
          clip: settings.clip,
        },
      )
      : undefined;
    if (!engine) {
      updater = makeUpdater(
        params,
        optimizer,
        settings.learningRate,
        plan !== undefined,
        decay,
        settings.clip,
      );
    }
  } catch (e) {
    tf.dispose([train.X, train.y]);
    if (val) tf.dispose([val.X, val.y]);
    throw e;
  }
  const currentRate = () => engine ? engine.rate : updater?.rate;
  const rng = makeRng(settings.seed);
  const nextSeed = () => rng.int(2147483647);
  const augment = settings.augment;
  const augmentRng = augment ? makeRng(augmentSeed(settings.seed)) : undefined;
  // The generic path seeds tfjs's Dropout layers for every batch (their seed is read by
  // `call`), and puts their own seeds back at the end.
  const dropouts =
    (plan ? [] : model.layers.filter((l) => l.getClassName() === "Dropout")) as unknown as {
      seed?: number;
    }[];
  const dropoutSeeds = dropouts.map((d) => d.seed);

  const history = new History();
  history.path = plan ? "fast" : "generic";
  if (!plan) history.pathReason = settings.pathReason;
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
  const ctx = makeContext(model, trainParams, history);
  const batchHooks = allCallbacks.some((c) => c.onBatchBegin || c.onBatchEnd);

  let trainSeconds = 0;
  let clock = performance.now();
  const tick = () => {
    const now = performance.now();
    trainSeconds += (now - clock) / 1000;
    clock = now;
    return trainSeconds;
  };
  const callHooks = async <T>(hook: keyof Callback, arg: T) => {
    // Callbacks see (and may change) the model's weights: the engine's go there first, and
    // any a callback changed come back.
    engine?.writeBack();
    tick();
    await callHook(allCallbacks, hook, arg, ctx);
    clock = performance.now();
    engine?.refresh();
  };

  /** One update on a batch; returns the batch's predictions and the penalty before it. */
  const trainStep = (xb: tf.Tensor, yb: tf.Tensor2D): [tf.Tensor2D, number | undefined] => {
    if (plan) {
      const { output, cache } = forward(plan, xb as tf.Tensor2D, true, nextSeed);
      const { grad, fused } = outputGrad(plan, loss, output, yb);
      const penalty = updater!.step(backward(plan, cache, grad, fused));
      return [output, penalty];
    }
    let p: tf.Tensor2D | undefined;
    let penalty: number | undefined;
    const vars = params.map((q) => q.variable);
    for (const d of dropouts) d.seed = nextSeed();
    const { grads } = tf.variableGrads(() => {
      p = tf.keep(model.apply(xb, { training: true }) as tf.Tensor2D);
      const terms = model.layers.flatMap((l) => l.calculateLosses());
      let total = meanLoss(loss, yb, p);
      if (terms.length) {
        const sum = tf.addN(terms) as tf.Scalar;
        penalty = sum.dataSync()[0];
        total = tf.add(total, sum);
      }
      return total;
    }, vars);
    updater!.step(vars.map((v) => grads[v.name]));
    return [p as tf.Tensor2D, penalty];
  };

  // Targets in JavaScript: losses and accuracies are summed there, in double precision.
  const yTrain = train.yData, k = train.y.shape[1];
  const yVal = val?.yData;

  try {
    await callHooks("onTrainBegin", undefined);
    let step = 0;
    for (let epoch = 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
      await callHooks("onEpochBegin", epoch);
      updater?.refresh();
      // Batches are gathered by index: tfjs-wasm's slice copies its whole input each time.
      const order = stepsPerEpoch === 1
        ? undefined
        : shuffle
        ? rng.shuffle([...Array(n).keys()])
        : [...Array(n).keys()];
      const preds: tf.Tensor2D[] = [];
      // With augment: the targets each batch trained on, row for row with `preds`.
      const targets: tf.Tensor2D[] = [];
      // With the engine: the predictions, copied row by row as the batches run, and with
      // augment the targets they trained on.
      const engineRows = engine ? new Float32Array(n * k) : undefined;
      const engineTargets = engine && augment ? new Float32Array(n * k) : undefined;
      let seenRows = 0;
      let penaltySum = 0;
      try {
        for (let b = 0; b < stepsPerEpoch; b++) {
          const start = b * batchSize, size = Math.min(batchSize, n - start);
          const info: BatchInfo = { step: step + 1, epoch, batch: b + 1, size };
          if (batchHooks) await callHooks("onBatchBegin", info);
          const rows = order?.slice(start, start + size);
          let p: tf.Tensor2D | undefined, penalty: number | undefined;
          let yUsed: tf.Tensor2D | undefined;
          // With the engine and augment: the augmented batch's targets, row by row.
          let yAug: Float32Array | undefined;
          if (engine) {
            if (augment && augmentRng) {
              // The augmenter gets the batch as tensors, as on the tfjs path; the engine
              // trains on what it returns, read back once (X and y).
              let xAug: Float32Array | undefined;
              tf.tidy(() => {
                const idx = rows === undefined ? undefined : tf.tensor1d(rows, "int32");
                const [xb, yb] = idx === undefined
                  ? [train.X, train.y]
                  : [tf.gather(train.X, idx), tf.gather(train.y, idx)];
                const a = augmentBatch(augment, xb, yb, augmentRng.int(2147483647));
                xAug = a.X.dataSync() as Float32Array;
                yAug = a.y.dataSync() as Float32Array;
              });
              penalty = engine.stepOn(xAug!, yAug!, size, nextSeed);
              engineTargets!.set(yAug!, start * k);
            } else {
              penalty = engine.step(order, start, size, nextSeed);
            }
            engineRows!.set(engine.output(size), start * k);
            seenRows = start + size;
          } else {
            const [xb, yb] = rows === undefined ? [train.X, train.y] : tf.tidy(() => {
              const idx = tf.tensor1d(rows, "int32");
              return [tf.gather(train.X, idx), tf.gather(train.y, idx)];
            });
            try {
              [p, penalty, yUsed] = tf.tidy(() => {
                if (!augment || !augmentRng) return [...trainStep(xb, yb), undefined];
                const a = augmentBatch(augment, xb, yb, augmentRng.int(2147483647));
                const [pa, pen] = trainStep(a.X, a.y);
                // A clone of an unchanged y shares its data; it is kept past the tidy.
                return [pa, pen, a.y === yb ? yb.clone() : a.y];
              });
            } finally {
              if (rows !== undefined) tf.dispose([xb, yb]);
            }
            preds.push(p);
            if (yUsed) targets.push(yUsed);
          }
          step++;
          const rate = currentRate();
          if (rate !== undefined) info.lr = rate;
          penaltySum += (penalty ?? 0) * size;
          if (recordBatches) {
            const { lossSum } = engine
              ? scoreRows(loss, engine.output(size), yAug ?? yTrain, k, yAug ? undefined : rows)
              : yUsed
              ? scoreRows(loss, p!.dataSync(), yUsed.dataSync(), k)
              : scoreRows(loss, p!.dataSync(), yTrain, k, rows);
            info.loss = lossSum / size + (penalty ?? 0);
            info.seconds = tick();
            history.batches.push({ ...info, loss: info.loss, seconds: info.seconds });
          }
          if (batchHooks) {
            await callHooks("onBatchEnd", info);
            if (ctx.stopTraining) break;
          }
        }
        // Epoch metrics: predictions read back once, scored in JavaScript; with augment,
        // against the targets the batches trained on, in the order they ran, read in the
        // same transfer (each row: k predictions, then k targets). The engine's are at hand;
        // its weights go to the model before validation uses it.
        let pData: ArrayLike<number>;
        // With augment: the predictions and the targets they are scored against.
        let pa: Float32Array | undefined, ya: Float32Array | undefined;
        if (engine) {
          engine.writeBack();
          pData = engineRows!.subarray(0, seenRows * k);
          if (engineTargets) {
            pa = pData as Float32Array;
            ya = engineTargets.subarray(0, seenRows * k);
          }
        } else {
          const P = augment
            ? tf.tidy(() => tf.concat([tf.concat(preds), tf.concat(targets)], 1))
            : preds.length === 1
            ? preds[0]
            : tf.concat(preds);
          try {
            pData = await P.data();
          } finally {
            if (P !== preds[0]) P.dispose();
          }
          if (augment) {
            const rows = pData.length / (2 * k);
            const both = pData as Float32Array;
            pa = new Float32Array(rows * k);
            ya = new Float32Array(rows * k);
            for (let r = 0; r < rows; r++) {
              pa.set(both.subarray(2 * k * r, 2 * k * r + k), k * r);
              ya.set(both.subarray(2 * k * r + k, 2 * k * (r + 1)), k * r);
            }
            pData = pa;
          }
        }
        let scored: { lossSum: number; hits: number };
        if (pa && ya) {
          scored = scoreRows(loss, pa, ya, k);
          if (loss === "binaryCrossentropy") {
            scored.hits = scoreRows(loss, pa, ya.map((v) => v > 0.5 ? 1 : 0), k).hits;
          }
        } else {
          scored = scoreRows(loss, pData, yTrain, k, order);
        }
        const seen = pData.length / k;
        const log: EpochLog = {
          epoch,
          loss: (scored.lossSum + penaltySum) / seen,
          seconds: 0,
        };
        if (trainParams.hasAccuracy) log.acc = scored.hits / seen;
        const rate = currentRate();
        if (rate !== undefined) log.lr = rate;
        if (val) {
          const v = evaluateTensors(model, val, loss, yVal, settings.compiled);
          log.valLoss = v.loss;
          if (trainParams.hasAccuracy) log.valAcc = v.acc;
        }
        log.seconds = tick();
        history.epochs.push(log);
      } finally {
        tf.dispose(preds);
        tf.dispose(targets);
      }
      await callHooks("onEpochEnd", history.epochs.at(-1));
    }
    history.stoppedEarly = ctx.stopTraining && history.epochs.length < epochs;
    history.stopReason = ctx.stopReason ??
      `reached the epoch limit (${epochs} epoch${epochs === 1 ? "" : "s"})`;
    await callHooks("onTrainEnd", undefined);
  } finally {
    dropouts.forEach((d, i) => d.seed = dropoutSeeds[i]);
    updater?.dispose();
    engine?.writeBack();
    tf.dispose([train.X, train.y]);
    if (val) tf.dispose([val.X, val.y]);
    history.seconds = trainSeconds;
  }
  return history;
}
