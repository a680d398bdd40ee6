/**
 * Training callbacks: the hooks `fit` calls, early stopping with Keras semantics (plus
 * restoring the best weights when training ends at the epoch limit), and the seam through
 * which notebook display code shows live progress.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { _checkOptions } from "./model.ts";

/** One epoch of training. Epochs count from 1. */
export interface EpochLog {
  /** Epoch number, from 1. */
  epoch: number;
  /** Mean training loss over the epoch's updates (data loss + penalty, weights as they were at each update). */
  loss: number;
  /** Training accuracy over the epoch's updates (classification only). */
  acc?: number;
  /** Validation loss at the end of the epoch (data loss + penalty). */
  valLoss?: number;
  /** Validation accuracy at the end of the epoch. */
  valAcc?: number;
  /** Training seconds since `fit` began, at the end of this epoch (time spent in callbacks excluded). */
  seconds: number;
}

/** One update (mini-batch step), recorded when `fit` runs with `recordBatches: true`. */
export interface BatchLog {
  /** Update number over the whole run, from 1. */
  step: number;
  /** Epoch number, from 1. */
  epoch: number;
  /** Batch number within the epoch, from 1. */
  batch: number;
  /** Examples in the batch. */
  size: number;
  /** Loss on the batch before the update (data loss + penalty). */
  loss: number;
  /** Training seconds since `fit` began, after this update. */
  seconds: number;
}

/** What a batch callback receives; `loss` and `seconds` only with `recordBatches: true`. */
export type BatchInfo = Omit<BatchLog, "loss" | "seconds"> & { loss?: number; seconds?: number };

/** Facts about a training run, fixed when it starts. */
export interface TrainParams {
  /** Maximum number of epochs. */
  epochs: number;
  /** Examples per update. */
  batchSize: number;
  /** Updates per epoch. */
  stepsPerEpoch: number;
  /** Training examples. */
  numExamples: number;
  /** Whether validation data was given (so `valLoss` is logged). */
  hasValidation: boolean;
  /** Whether accuracy is logged (classification losses). */
  hasAccuracy: boolean;
  /** The loss being minimized. */
  loss: string;
  /** "fast" (hand-written backpropagation) or "generic" (tfjs autodiff). */
  path: "fast" | "generic";
}

/** The run's records so far (lib's `History` implements it). */
export interface HistoryRecords {
  /** One entry per finished epoch. */
  readonly epochs: EpochLog[];
  /** One entry per update when `recordBatches` is on. */
  readonly batches: BatchLog[];
}

/** What every callback hook receives besides its own argument. */
export interface CallbackContext {
  /** The model being trained. */
  readonly model: tf.LayersModel;
  /** Facts about the run. */
  readonly params: TrainParams;
  /** Records so far. */
  readonly history: HistoryRecords;
  /** True once a callback asked to stop. */
  readonly stopTraining: boolean;
  /** Why training stops, once a callback asked. */
  readonly stopReason?: string;
  /** Asks `fit` to stop after the current batch (batch hooks) or epoch (epoch hooks). */
  stop(reason: string): void;
}

/** Hooks `fit` calls; each may return a promise, which `fit` awaits. */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(ctx: CallbackContext): void | Promise<void>;
  /** After the last epoch. */
  onTrainEnd?(ctx: CallbackContext): void | Promise<void>;
  /** Before each epoch (epochs count from 1). */
  onEpochBegin?(epoch: number, ctx: CallbackContext): void | Promise<void>;
  /** After each epoch, with its record (already in `ctx.history`). */
  onEpochEnd?(log: EpochLog, ctx: CallbackContext): void | Promise<void>;
  /** Before each update. */
  onBatchBegin?(batch: BatchInfo, ctx: CallbackContext): void | Promise<void>;
  /** After each update. */
  onBatchEnd?(batch: BatchInfo, ctx: CallbackContext): void | Promise<void>;
}

/** Quantities early stopping can watch. */
export type MonitorName = "loss" | "acc" | "valLoss" | "valAcc";

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Quantity to watch. @default "valLoss" */
  monitor?: MonitorName;
  /** Epochs without improvement after which training stops. @default 0 */
  patience?: number;
  /** An epoch improves only if it beats the best value by more than this. @default 0 */
  minDelta?: number;
  /** "min" for losses, "max" for accuracies; "auto" picks from the monitor's name. @default "auto" */
  mode?: "auto" | "min" | "max";
  /** Put back the weights of the best epoch when training ends, whether it stopped early or ran out of epochs. @default false */
  restoreBestWeights?: boolean;
}

/** The early-stopping callback with what it saw. */
export interface EarlyStopping extends Callback {
  /** The watched quantity. */
  readonly monitor: MonitorName;
  /** The direction that counts as better. */
  readonly mode: "min" | "max";
  /** Epoch with the best value so far (from 1). */
  readonly bestEpoch: number | undefined;
  /** The best value so far. */
  readonly bestValue: number | undefined;
  /** Epoch after which training was stopped, if it was stopped by this callback. */
  readonly stoppedEpoch: number | undefined;
  /** Why training stopped (or ended), in words. */
  readonly stopReason: string | undefined;
  /** Whether the best weights were put back. */
  readonly restored: boolean;
}

const MONITORS: readonly MonitorName[] = ["loss", "acc", "valLoss", "valAcc"];

/**
 * Stops training when the monitored quantity has not improved for `patience` epochs (Keras
 * semantics): an epoch improves if its value beats the best so far by more than `minDelta`
 * (min mode: value < best − minDelta); otherwise a counter grows, and training stops once it
 * reaches `patience` (at least one epoch). So without further improvement training stops
 * `max(patience, 1)` epochs after the best one. With `restoreBestWeights`, the weights of the
 * best epoch are put back when training ends, also when it ends at the epoch limit.
 *
 * @param options What to watch and how patiently.
 * @returns A callback for `fit` that records the best and stopping epochs.
 *
 * @example Stop once validation loss stalls for 3 epochs
 * ```ts
 * import { earlyStopping } from "./callbacks.ts";
 * const stopper = earlyStopping({ monitor: "valLoss", patience: 3, restoreBestWeights: true });
 * // pass it to fit: fit(model, train, { epochs: 100, validationData: dev, callbacks: [stopper] })
 * if (stopper.mode !== "min") throw new Error("valLoss is minimized");
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  _checkOptions(options, ["monitor", "patience", "minDelta", "mode", "restoreBestWeights"]);
  const monitor = options.monitor ?? "valLoss";
  if (!MONITORS.includes(monitor)) {
    throw new RangeError(
      `monitor must be one of ${MONITORS.map((m) => `"${m}"`).join(", ")}, got ${String(monitor)}`,
    );
  }
  const patience = options.patience ?? 0;
  if (typeof patience !== "number" || !Number.isInteger(patience) || patience < 0) {
    throw new RangeError(`patience must be a non-negative integer, got ${String(patience)}`);
  }
  const minDelta = options.minDelta ?? 0;
  if (typeof minDelta !== "number" || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
    throw new RangeError(`minDelta must be a finite number >= 0, got ${String(minDelta)}`);
  }
  const modeOpt = options.mode ?? "auto";
  if (modeOpt !== "auto" && modeOpt !== "min" && modeOpt !== "max") {
    throw new RangeError(`mode must be "auto", "min" or "max", got ${String(modeOpt)}`);
  }
  const mode = modeOpt === "auto"
    ? (monitor.toLowerCase().endsWith("acc") ? "max" : "min")
    : modeOpt;
  const restore = options.restoreBestWeights ?? false;

  let bestEpoch: number | undefined, bestValue: number | undefined;
  let stoppedEpoch: number | undefined, stopReason: string | undefined;
  let lastEpoch = 0, wait = 0, restored = false;
  let bestWeights: tf.Tensor[] | undefined;

  const forget = () => {
    bestWeights?.forEach((t) => t.dispose());
    bestWeights = undefined;
  };
  const putBack = (ctx: CallbackContext) => {
    if (restore && bestWeights && bestEpoch !== lastEpoch) {
      ctx.model.setWeights(bestWeights);
      restored = true;
    }
  };
  const improves = (value: number) =>
    bestValue === undefined
      ? !Number.isNaN(value)
      : mode === "min"
      ? value < bestValue - minDelta
      : value > bestValue + minDelta;

  return {
    monitor,
    mode,
    get bestEpoch() {
      return bestEpoch;
    },
    get bestValue() {
      return bestValue;
    },
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    get stopReason() {
      return stopReason;
    },
    get restored() {
      return restored;
    },
    onTrainBegin(ctx) {
      if (monitor.startsWith("val") && !ctx.params.hasValidation) {
        throw new RangeError(`earlyStopping monitors ${monitor}, so fit needs validationData`);
      }
      if (monitor.endsWith("cc") && !ctx.params.hasAccuracy) {
        throw new RangeError(
          `earlyStopping monitors ${monitor}, but loss ${ctx.params.loss} has no accuracy`,
        );
      }
      forget();
      bestEpoch =
        bestValue =
        stoppedEpoch =
        stopReason =
          undefined;
      lastEpoch = wait = 0;
      restored = false;
    },
    onEpochEnd(log, ctx) {
      lastEpoch = log.epoch;
      const value = log[monitor];
      if (value === undefined) return;
      if (improves(value)) {
        bestValue = value;
        bestEpoch = log.epoch;
        wait = 0;
        if (restore) {
          forget();
          bestWeights = tf.tidy(() => ctx.model.getWeights().map((w) => w.clone()));
        }
        return;
      }
      wait += 1;
      if (wait >= Math.max(patience, 1)) {
        stoppedEpoch = log.epoch;
        stopReason = `${monitor} did not improve by more than ${minDelta} for ${wait} epoch${
          wait === 1 ? "" : "s"
        } (best ${bestValue?.toPrecision(4)} at epoch ${bestEpoch})`;
        putBack(ctx);
        ctx.stop(`early stopping: ${stopReason}`);
      }
    },
    onTrainEnd(ctx) {
      if (stoppedEpoch === undefined) {
        stopReason = `training ended after epoch ${lastEpoch}; best ${monitor} ${
          bestValue?.toPrecision(4)
        } at epoch ${bestEpoch}`;
        putBack(ctx);
      }
      forget();
    },
  };
}

/** How live progress is shown: a one-line status or an updating learning-curve chart. */
export type ProgressKind = "line" | "chart";

/** Makes the callback that shows live progress of one training run. */
export type ProgressFactory = (kind: ProgressKind) => Callback;

let progressFactory: ProgressFactory | undefined;

/**
 * Registers how `fit` shows live progress (`progress: "line" | "chart"`, and by default
 * inside a Jupyter kernel). Notebook display code registers itself here, so training code
 * never depends on display code. Without a registration, `fit` prints plain text lines.
 *
 * @param factory Makes one progress callback per run; `undefined` removes the registration.
 * @returns The factory registered before.
 *
 * @example
 * ```ts
 * import { setProgressFactory } from "./callbacks.ts";
 * const seen: string[] = [];
 * const previous = setProgressFactory((kind) => ({ onTrainBegin: () => void seen.push(kind) }));
 * setProgressFactory(previous);
 * ```
 */
export function setProgressFactory(
  factory: ProgressFactory | undefined,
): ProgressFactory | undefined {
  if (factory !== undefined && typeof factory !== "function") {
    throw new TypeError(`factory must be a function or undefined, got ${String(factory)}`);
  }
  const previous = progressFactory;
  progressFactory = factory;
  return previous;
}

/**
 * The progress callback `fit` uses for `kind`: the registered factory's, else
 * {@link textProgress}.
 *
 * @param kind "line" or "chart".
 * @returns A callback showing the run's progress.
 *
 * @example
 * ```ts
 * import { progressCallback } from "./callbacks.ts";
 * const cb = progressCallback("line");
 * if (typeof cb.onEpochEnd !== "function") throw new Error("no epoch hook");
 * ```
 */
export function progressCallback(kind: ProgressKind): Callback {
  if (kind !== "line" && kind !== "chart") {
    throw new RangeError(`progress must be "line" or "chart", got ${String(kind)}`);
  }
  return progressFactory ? progressFactory(kind) : textProgress();
}

/**
 * Formats an epoch record as one line, e.g.
 * `epoch 5/20  loss 0.3124  acc 0.871  valLoss 0.3350  valAcc 0.860  1.2 s`.
 *
 * @param log The epoch record.
 * @param epochs The run's epoch limit, if known.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { formatEpochLog } from "./callbacks.ts";
 * const line = formatEpochLog({ epoch: 2, loss: 0.5, seconds: 0.25 }, 10);
 * if (!line.startsWith("epoch 2/10")) throw new Error(line);
 * ```
 */
export function formatEpochLog(log: EpochLog, epochs?: number): string {
  const parts = [`epoch ${log.epoch}${epochs ? `/${epochs}` : ""}`, `loss ${log.loss.toFixed(4)}`];
  if (log.acc !== undefined) parts.push(`acc ${log.acc.toFixed(3)}`);
  if (log.valLoss !== undefined) parts.push(`valLoss ${log.valLoss.toFixed(4)}`);
  if (log.valAcc !== undefined) parts.push(`valAcc ${log.valAcc.toFixed(3)}`);
  parts.push(`${log.seconds.toFixed(1)} s`);
  return parts.join("  ");
}

/** Options of {@link textProgress}. */
export interface TextProgressOptions {
  /** Where lines go. @default console.log */
  write?: (line: string) => void;
  /** Lines per run, at most (evenly spread epochs, plus the last). @default 10 */
  lines?: number;
}

/**
 * A plain-text progress callback: a few epoch lines per run and one closing line.
 *
 * @param options Where to write and how often.
 * @returns A callback.
 *
 * @example
 * ```ts
 * import { textProgress } from "./callbacks.ts";
 * const out: string[] = [];
 * const cb = textProgress({ write: (l) => void out.push(l) });
 * if (cb.onEpochEnd === undefined) throw new Error("no epoch hook");
 * ```
 */
export function textProgress(options: TextProgressOptions = {}): Callback {
  const write = options.write ?? ((line: string) => console.log(line));
  const lines = options.lines ?? 10;
  if (!Number.isInteger(lines) || lines < 1) {
    throw new RangeError(`lines must be a positive integer, got ${String(lines)}`);
  }
  let every = 1;
  return {
    onTrainBegin(ctx) {
      every = Math.max(1, Math.ceil(ctx.params.epochs / lines));
    },
    onEpochEnd(log, ctx) {
      if (log.epoch % every === 0 || log.epoch === ctx.params.epochs) {
        write(formatEpochLog(log, ctx.params.epochs));
      }
    },
    onTrainEnd(ctx) {
      const last = ctx.history.epochs.at(-1);
      if (ctx.stopReason) write(ctx.stopReason);
      else if (last && last.epoch % every !== 0 && last.epoch !== ctx.params.epochs) {
        write(formatEpochLog(last, ctx.params.epochs));
      }
    },
  };
}

/** True inside a Deno Jupyter kernel (where `Deno.jupyter` exists). */
export function _inJupyter(): boolean {
  try {
    return typeof (Deno as unknown as { jupyter?: { broadcast?: unknown } }).jupyter?.broadcast ===
      "function";
  } catch {
    return false;
  }
}
