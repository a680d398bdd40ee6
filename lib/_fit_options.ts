/**
 * `fit`'s options checked and resolved into the settings its loop runs with: defaults filled
 * in, the loss picked from the output activation, the progress callback added, and the
 * training path (fast plan or generic autodiff) chosen.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { compilePlan, lossReason, type Plan } from "./_fast_dense.ts";
import { inJupyter } from "./_kernel.ts";
import type { LossName } from "./_losses.ts";
import { resolveLoss } from "./_model_io.ts";
import {
  DEFAULT_LEARNING_RATE,
  OPTIMIZER_NAMES,
  optimizerSettings,
  type OptimizerSpec,
  type ResolvedOptimizer,
} from "./optimizers.ts";
import { type Clip, scheduledRate } from "./_optimizers.ts";
import { seedOr } from "./_random.ts";
import {
  checkBoolean,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  describe,
  quoteList,
} from "./_validate.ts";
import { type Callback, progressCallback } from "./callbacks.ts";
import type { LearningRateSchedule } from "./schedules.ts";
import type { BatchAugmenter, FitOptions } from "./train.ts";

/** The names `FitOptions` accepts. */
const FIT_OPTIONS = [
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
  "weightDecay",
  "augment",
  "clipValue",
  "clipNorm",
];

/** What `fit`'s loop runs with. */
export interface FitSettings {
  /** The epoch limit. */
  epochs: number;
  /** The requested batch size; undefined for the full batch. */
  batchSize: number | undefined;
  /** A named optimizer with all its settings, or a tfjs one. */
  optimizer: ResolvedOptimizer | tf.Optimizer;
  /**
   * The named optimizer's learning rate or schedule (0 for a tfjs optimizer, which holds its
   * own).
   */
  learningRate: number | LearningRateSchedule;
  /** λ of decoupled weight decay (0: none). */
  weightDecay: number;
  /** The loss to minimize. */
  loss: LossName;
  /** The caller's callbacks, then the progress callback if any. */
  callbacks: Callback[];
  /** Shuffle before every epoch. */
  shuffle: boolean;
  /** Seed of the shuffles, the dropout masks and `augment`'s seeds. */
  seed: number;
  /** Record every update in `history.batches`. */
  recordBatches: boolean;
  /** The fast path's plan, or undefined for the generic path. */
  plan: Plan | undefined;
  /** The compiled plan, or why the model has none (used for inference in either path). */
  compiled: Plan | string;
  /** Why the generic path runs, when it does. */
  pathReason: string | undefined;
  /** Called on every training batch, if given. */
  augment: BatchAugmenter | undefined;
  /** Gradient clipping by value and by global norm, if either is set. */
  clip: Clip | undefined;
}

/** True for a tfjs optimizer (tf.Optimizer's instanceof test fails on null and undefined). */
export function isTfOptimizer(value: unknown): value is tf.Optimizer {
  return typeof value === "object" && value !== null && value instanceof tf.Optimizer;
}

/** The `optimizer` option checked: a tfjs optimizer as is, a name or settings resolved. */
function resolveOptimizer(optimizer: unknown): ResolvedOptimizer | tf.Optimizer {
  if (isTfOptimizer(optimizer)) return optimizer;
  if (typeof optimizer === "string") {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(optimizer)) {
      throw new RangeError(
        `optimizer must be one of ${quoteList(OPTIMIZER_NAMES)} or a tf.Optimizer, got ${
          describe(optimizer)
        }`,
      );
    }
  } else if (typeof optimizer !== "object" || optimizer === null || Array.isArray(optimizer)) {
    throw new TypeError(
      `optimizer must be a name such as "adam", a settings object such as ` +
        `{ name: "adam", beta2: 0.99 } or a tf.Optimizer, got ${describe(optimizer)}`,
    );
  }
  return optimizerSettings(optimizer as OptimizerSpec);
}

/** A positive number, or a schedule whose first rate (at step 0) is a finite number >= 0. */
function checkLearningRate(value: unknown): number | LearningRateSchedule {
  if (typeof value === "function") {
    scheduledRate(value as LearningRateSchedule, 0);
    return value as LearningRateSchedule;
  }
  if (typeof value !== "number") {
    throw new TypeError(
      `learningRate must be a positive number or a schedule (a function of the step), got ${
        describe(value)
      }`,
    );
  }
  return checkPositive(value, "learningRate");
}

/** A clipping threshold: undefined, or a positive finite number. */
function checkClip(value: unknown, name: string, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be a positive finite number (${what}), got ${describe(value)}`,
    );
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number (${what}), got ${value}`);
  }
  return value;
}

/** Checks `options` against `model` and resolves them into {@link FitSettings}. */
export function resolveFitOptions(model: tf.LayersModel, options: FitOptions): FitSettings {
  checkOptions(options, FIT_OPTIONS);
  const epochs = checkPositiveInt(options.epochs ?? 1, "epochs");
  const batchSize = options.batchSize === undefined
    ? undefined
    : checkPositiveInt(options.batchSize, "batchSize");
  const optimizer = resolveOptimizer(options.optimizer ?? "adam");
  if (isTfOptimizer(optimizer) && options.learningRate !== undefined) {
    throw new TypeError(
      "learningRate applies to a named optimizer; set the learning rate on the tf.Optimizer instead",
    );
  }
  const learningRate = isTfOptimizer(optimizer)
    ? 0
    : checkLearningRate(options.learningRate ?? DEFAULT_LEARNING_RATE[optimizer.name]);
  const weightDecay = checkNonNegative(options.weightDecay ?? 0, "weightDecay");
  if (weightDecay > 0 && isTfOptimizer(optimizer)) {
    throw new TypeError(
      "weightDecay applies to a named optimizer; a tf.Optimizer has no decoupled weight decay",
    );
  }
  const loss = resolveLoss(model, options.loss);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== "object" || c === null)) {
    throw new TypeError(
      `callbacks must be an array of callback objects, got ${describe(callbacks)}`,
    );
  }
  const progress = options.progress ?? "auto";
  if (![false, "line", "chart", "auto"].includes(progress)) {
    throw new RangeError(
      `progress must be false, "line", "chart" or "auto", got ${describe(progress)}`,
    );
  }
  const path = checkOneOf(options.path ?? "auto", "path", ["auto", "fast", "generic"] as const);
  const shuffle = checkBoolean(options.shuffle ?? true, "shuffle");
  const recordBatches = checkBoolean(options.recordBatches ?? false, "recordBatches");
  const seed = seedOr(options.seed);
  const augment = options.augment;
  if (augment !== undefined && typeof augment !== "function") {
    throw new TypeError(
      `augment must be a function ({ X, y }, seed) => { X, y } (a BatchAugmenter), got ${
        describe(augment)
      }`,
    );
  }

  const clipValue = checkClip(
    options.clipValue,
    "clipValue",
    "the largest size of a gradient element",
  );
  const clipNorm = checkClip(
    options.clipNorm,
    "clipNorm",
    "the largest norm of the whole gradient",
  );
  const clip = clipValue === undefined && clipNorm === undefined ? undefined : {
    ...(clipValue === undefined ? {} : { value: clipValue }),
    ...(clipNorm === undefined ? {} : { norm: clipNorm }),
  };

  const compiled = compilePlan(model);
  const reason = typeof compiled === "string" ? compiled : lossReason(compiled, loss);
  if (path === "fast" && reason !== undefined) {
    throw new TypeError(`path "fast" cannot train this model: ${reason}`);
  }
  const plan = path !== "generic" && typeof compiled !== "string" && reason === undefined
    ? compiled
    : undefined;

  const all = [...callbacks];
  if (progress === "line" || progress === "chart") all.push(progressCallback(progress));
  else if (progress === "auto" && inJupyter()) all.push(progressCallback("line"));

  return {
    epochs,
    batchSize,
    optimizer,
    learningRate,
    weightDecay,
    loss,
    callbacks: all,
    shuffle,
    seed,
    recordBatches,
    plan,
    compiled,
    pathReason: plan ? undefined : path === "generic" ? "requested" : reason,
    augment,
    clip,
  };
}
