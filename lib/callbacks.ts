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
  /** Epochs without improvement after which training stops (0 acts as 1). @default 0 */
  patience?: number;
  /** An epoch improves only if it beats the best value by more than this. @default 0 */
  minDelta?: number;
  /** "min" for losses, "max" for accuracies; "auto" picks from the monitor's name. @default "auto" */
  mode?: "auto" | "min" | "max";
  /** Put back the weights of the best epoch when training ends, whether it stopped early or ran out of epochs. @default false */
  restoreBestWeights?: boolean;
  /**
   * A value to beat. Only an epoch that improves on the best so far *and* beats the baseline
   * by more than `minDelta` resets the patience counter, so if no epoch beats it within
   * `patience` watched epochs, training stops (Keras `baseline`). The best epoch is still
   * recorded (and restored) when it does not beat the baseline.
   * @default undefined (no baseline)
   */
  baseline?: number;
  /**
   * Warm-up epochs that are not watched (Keras `start_from_epoch`): epochs 1 … startFromEpoch
   * neither count toward patience nor can become the best; watching begins at epoch
   * `startFromEpoch + 1`.
   * @default 0
   */
  startFromEpoch?: number;
}

/**
 * Why a run with early stopping ended: "patience" (no improvement for `patience` epochs),
 * "baseline" (no epoch beat the baseline within `patience` epochs), "epochLimit" (it ran all
 * of `fit`'s epochs) or "otherCallback" (another callback stopped it).
 */
export type StopCause = "patience" | "baseline" | "epochLimit" | "otherCallback";

/** One epoch as early stopping judged it (an entry of {@link EarlyStopping.trace}). */
export interface EarlyStoppingStep {
  /** Epoch number, from 1. */
  epoch: number;
  /** The monitored value, if the epoch's log had it. */
  value: number | undefined;
  /** False during the warm-up (epoch ≤ startFromEpoch) or when the value was missing. */
  watched: boolean;
  /** It beat the best so far by more than minDelta, so it became the best. */
  improved: boolean;
  /** It beat the baseline by more than minDelta (always true without a baseline). */
  beatBaseline: boolean;
  /** The patience counter after this epoch: watched epochs since the last reset. */
  wait: number;
  /** The best value after this epoch. */
  bestValue: number | undefined;
  /** The epoch of the best value after this epoch. */
  bestEpoch: number | undefined;
  /** Training stops after this epoch. */
  stop: boolean;
}

/** The record of a run with early stopping, as plain data ({@link EarlyStopping.summary}). */
export interface EarlyStoppingSummary {
  /** The watched quantity. */
  monitor: MonitorName;
  /** The direction that counts as better. */
  mode: "min" | "max";
  /** The patience setting. */
  patience: number;
  /** The minDelta setting. */
  minDelta: number;
  /** The baseline setting. */
  baseline: number | undefined;
  /** The startFromEpoch setting. */
  startFromEpoch: number;
  /** The restoreBestWeights setting. */
  restoreBestWeights: boolean;
  /** Epoch with the best watched value. */
  bestEpoch: number | undefined;
  /** The best watched value. */
  bestValue: number | undefined;
  /** Epoch after which this callback stopped training (undefined if it did not). */
  stoppedEpoch: number | undefined;
  /** The last epoch that ran. */
  lastEpoch: number | undefined;
  /** Why training ended. */
  stopCause: StopCause | undefined;
  /** Why training ended, in words. */
  stopReason: string | undefined;
  /** The best weights were put back (false when the last epoch was the best). */
  restored: boolean;
  /** The epoch whose weights the model holds after training. */
  weightsFrom: number | undefined;
}

/** The early-stopping callback with its settings and what it saw. */
export interface EarlyStopping extends Callback {
  /** The watched quantity. */
  readonly monitor: MonitorName;
  /** The direction that counts as better. */
  readonly mode: "min" | "max";
  /** Epochs without improvement after which training stops (as given; 0 acts as 1). */
  readonly patience: number;
  /** The smallest change that counts as an improvement. */
  readonly minDelta: number;
  /** The value to beat, if any. */
  readonly baseline: number | undefined;
  /** Warm-up epochs that are not watched. */
  readonly startFromEpoch: number;
  /** Whether the best weights are put back at the end. */
  readonly restoreBestWeights: boolean;
  /** Epoch with the best value so far (from 1). */
  readonly bestEpoch: number | undefined;
  /** The best value so far. */
  readonly bestValue: number | undefined;
  /** Epoch after which training was stopped, if it was stopped by this callback. */
  readonly stoppedEpoch: number | undefined;
  /** The last epoch seen so far. */
  readonly lastEpoch: number | undefined;
  /** Why training ended, once it has. */
  readonly stopCause: StopCause | undefined;
  /** Why training stopped (or ended), in words. */
  readonly stopReason: string | undefined;
  /** Whether the best weights were put back. */
  readonly restored: boolean;
  /** The epoch whose weights the model holds after training, once it has ended. */
  readonly weightsFrom: number | undefined;
  /** One entry per epoch of the last run: value, counter and decision. */
  readonly trace: readonly EarlyStoppingStep[];
  /** The run's record as plain data. */
  summary(): EarlyStoppingSummary;
}

const MONITORS: readonly MonitorName[] = ["loss", "acc", "valLoss", "valAcc"];

/**
 * Stops training when the monitored quantity has not improved for `patience` epochs (Keras
 * semantics). An epoch improves if its value beats the best so far by more than `minDelta`
 * (min mode: value < best − minDelta; max mode: value > best + minDelta). A counter `wait`
 * counts the watched epochs since the last improvement; training stops after the epoch at
 * which `wait` reaches `patience` (at least 1). So without further improvement training
 * stops exactly `max(patience, 1)` epochs after the best one.
 *
 * With a `baseline`, only an epoch that improves on the best *and* beats the baseline (by
 * more than `minDelta`) resets the counter: a run that never beats the baseline stops after
 * `patience` watched epochs. (Keras checks the counter only at epochs that do not improve on
 * the best, so a run creeping down above its baseline never stops there; here it stops, as
 * Keras documents.) With `startFromEpoch: s`, epochs 1 … s are a warm-up that is not watched.
 *
 * With `restoreBestWeights`, the weights of the best epoch are put back when training ends,
 * also when it ends at the epoch limit. After `fit`, the callback holds the run's record:
 * `bestEpoch`, `bestValue`, `stoppedEpoch`, `lastEpoch`, `stopCause`, `stopReason`,
 * `weightsFrom`, a per-epoch `trace`, and all of it as data from `summary()`;
 * {@link stoppingMarks} turns it into chart marks.
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
  _checkOptions(options, [
    "monitor",
    "patience",
    "minDelta",
    "mode",
    "restoreBestWeights",
    "baseline",
    "startFromEpoch",
  ]);
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
  if (typeof restore !== "boolean") {
    throw new TypeError(`restoreBestWeights must be a boolean, got ${String(restore)}`);
  }
  const baseline = options.baseline;
  if (baseline !== undefined) {
    if (typeof baseline !== "number" || !Number.isFinite(baseline)) {
      throw new RangeError(
        `baseline must be a finite number or undefined, got ${String(baseline)}`,
      );
    }
    // Losses are never below 0 and accuracies lie in [0, 1]: a baseline at or beyond the end
    // of that range (less minDelta) cannot be beaten, and training would always stop.
    const isAcc = monitor.endsWith("cc");
    if (mode === "min" && !(baseline - minDelta > 0)) {
      throw new RangeError(
        `baseline must be greater than minDelta (${minDelta}) in "min" mode: ${monitor} is never below 0, got ${baseline}`,
      );
    }
    if (mode === "max" && isAcc && !(baseline + minDelta < 1)) {
      throw new RangeError(
        `baseline must be less than 1 - minDelta (${
          1 - minDelta
        }) in "max" mode: ${monitor} is never above 1, got ${baseline}`,
      );
    }
  }
  const startFromEpoch = options.startFromEpoch ?? 0;
  if (
    typeof startFromEpoch !== "number" || !Number.isInteger(startFromEpoch) || startFromEpoch < 0
  ) {
    throw new RangeError(
      `startFromEpoch must be a non-negative integer, got ${String(startFromEpoch)}`,
    );
  }
  const limit = Math.max(patience, 1);

  let bestEpoch: number | undefined, bestValue: number | undefined;
  let stoppedEpoch: number | undefined, stopReason: string | undefined;
  let stopCause: StopCause | undefined, weightsFrom: number | undefined;
  let lastEpoch: number | undefined;
  let wait = 0, restored = false, everReset = false;
  let bestWeights: tf.Tensor[] | undefined;
  let trace: EarlyStoppingStep[] = [];

  const forget = () => {
    bestWeights?.forEach((t) => t.dispose());
    bestWeights = undefined;
  };
  const putBack = (ctx: CallbackContext) => {
    if (restore && bestWeights && bestEpoch !== lastEpoch) {
      ctx.model.setWeights(bestWeights);
      restored = true;
    }
    weightsFrom = restore && bestEpoch !== undefined ? bestEpoch : lastEpoch;
  };
  const beats = (value: number, reference: number) =>
    mode === "min" ? value < reference - minDelta : value > reference + minDelta;
  const bestText = () =>
    bestEpoch === undefined
      ? "no epoch watched"
      : `best ${bestValue?.toPrecision(4)} at epoch ${bestEpoch}`;

  return {
    monitor,
    mode,
    patience,
    minDelta,
    baseline,
    startFromEpoch,
    restoreBestWeights: restore,
    get bestEpoch() {
      return bestEpoch;
    },
    get bestValue() {
      return bestValue;
    },
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    get lastEpoch() {
      return lastEpoch;
    },
    get stopCause() {
      return stopCause;
    },
    get stopReason() {
      return stopReason;
    },
    get restored() {
      return restored;
    },
    get weightsFrom() {
      return weightsFrom;
    },
    get trace() {
      return trace;
    },
    summary() {
      return {
        monitor,
        mode,
        patience,
        minDelta,
        baseline,
        startFromEpoch,
        restoreBestWeights: restore,
        bestEpoch,
        bestValue,
        stoppedEpoch,
        lastEpoch,
        stopCause,
        stopReason,
        restored,
        weightsFrom,
      };
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
      if (startFromEpoch >= ctx.params.epochs) {
        throw new RangeError(
          `startFromEpoch must be less than the number of epochs (${ctx.params.epochs}) or no epoch is watched, got ${startFromEpoch}`,
        );
      }
      forget();
      bestEpoch =
        bestValue =
        stoppedEpoch =
        stopReason =
        stopCause =
        weightsFrom =
        lastEpoch =
          undefined;
      wait = 0;
      restored = everReset = false;
      trace = [];
    },
    onEpochEnd(log, ctx) {
      lastEpoch = log.epoch;
      const value = log[monitor];
      const step: EarlyStoppingStep = {
        epoch: log.epoch,
        value,
        watched: value !== undefined && log.epoch > startFromEpoch,
        improved: false,
        beatBaseline: false,
        wait,
        bestValue,
        bestEpoch,
        stop: false,
      };
      trace.push(step);
      if (!step.watched) return;
      const v = value as number;
      step.improved = bestValue === undefined ? !Number.isNaN(v) : beats(v, bestValue);
      step.beatBaseline = baseline === undefined ? !Number.isNaN(v) : beats(v, baseline);
      if (step.improved) {
        bestValue = v;
        bestEpoch = log.epoch;
        if (restore) {
          forget();
          bestWeights = tf.tidy(() => ctx.model.getWeights().map((w) => w.clone()));
        }
      }
      if (step.improved && step.beatBaseline) {
        wait = 0;
        everReset = true;
      } else {
        wait += 1;
      }
      Object.assign(step, { wait, bestValue, bestEpoch });
      if (wait < limit) return;
      step.stop = true;
      stoppedEpoch = log.epoch;
      const epochs = `${wait} epoch${wait === 1 ? "" : "s"}`;
      if (baseline !== undefined && !everReset) {
        stopCause = "baseline";
        stopReason = `${monitor} did not beat the baseline ${
          Number(baseline.toPrecision(4))
        } by more than ${minDelta} in ${epochs} (${bestText()})`;
      } else {
        stopCause = "patience";
        stopReason =
          `${monitor} did not improve by more than ${minDelta} for ${epochs} (${bestText()})`;
      }
      putBack(ctx);
      ctx.stop(`early stopping: ${stopReason}`);
    },
    onTrainEnd(ctx) {
      if (stoppedEpoch === undefined) {
        const limitReached = !ctx.stopTraining;
        stopCause = limitReached ? "epochLimit" : "otherCallback";
        stopReason = `${
          limitReached ? "reached the epoch limit" : "another callback stopped training"
        } after epoch ${lastEpoch ?? 0}; ${monitor} ${bestText()}`;
        putBack(ctx);
      }
      forget();
    },
  };
}

/**
 * Replays a recorded sequence of monitored values (one per epoch, from epoch 1) through an
 * {@link earlyStopping} callback, without a model: the callback ends up exactly as it would
 * after a `fit` whose epochs produced these values, with `stoppedEpoch`, `bestEpoch`,
 * `stopCause`, `trace` and `summary()`. A run that stops early follows the same path as
 * the same run without stopping (same seeds) up to its stop, so replaying one long run's
 * validation losses answers "where would patience k have stopped?" for every k at once.
 *
 * @param values The monitored value of each epoch, e.g. `history.epochs.map((e) => e.valLoss)`.
 * @param options Early-stopping settings; `restoreBestWeights` must stay off (there is no model).
 * @returns The callback after the replay.
 *
 * @example Patience 2 on a scripted validation loss
 * ```ts
 * import { replayEarlyStopping } from "./callbacks.ts";
 * const stopper = replayEarlyStopping([0.9, 0.7, 0.72, 0.71, 0.6], { patience: 2 });
 * if (stopper.stoppedEpoch !== 4 || stopper.bestEpoch !== 2) throw new Error(stopper.stopReason);
 * ```
 */
export function replayEarlyStopping(
  values: readonly number[],
  options: EarlyStoppingOptions = {},
): EarlyStopping {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number")) {
    throw new TypeError(
      `values must be a non-empty array of numbers (one per epoch), got ${
        Array.isArray(values)
          ? `[${values.slice(0, 5).map(String).join(", ")}${values.length > 5 ? ", ..." : ""}]`
          : String(values)
      }`,
    );
  }
  if (typeof options === "object" && options !== null && options.restoreBestWeights) {
    throw new RangeError(
      "restoreBestWeights must be false in replayEarlyStopping: a replay has no model, got true",
    );
  }
  const stopper = earlyStopping(options);
  const records: EpochLog[] = [];
  const ctx: CallbackContext & { stopTraining: boolean; stopReason?: string } = {
    model: undefined as unknown as tf.LayersModel,
    params: {
      epochs: values.length,
      batchSize: 1,
      stepsPerEpoch: 1,
      numExamples: 1,
      hasValidation: true,
      hasAccuracy: true,
      loss: "replay",
      path: "fast",
    },
    history: { epochs: records, batches: [] },
    stopTraining: false,
    stopReason: undefined,
    stop(reason: string) {
      this.stopTraining = true;
      this.stopReason ??= reason;
    },
  };
  stopper.onTrainBegin!(ctx);
  for (const [i, value] of values.entries()) {
    const log: EpochLog = { epoch: i + 1, loss: NaN, seconds: 0, [stopper.monitor]: value };
    records.push(log);
    stopper.onEpochEnd!(log, ctx);
    if (ctx.stopTraining) break;
  }
  stopper.onTrainEnd!(ctx);
  return stopper;
}

/** A vertical rule with a label at an epoch (the shape `learningCurves`' `marks` take). */
export interface StoppingMark {
  /** Where the rule goes. */
  epoch: number;
  /** The label written next to it. */
  label: string;
}

/**
 * Marks for a learning-curve chart from a finished early-stopping run: the end of the
 * warm-up (when `startFromEpoch` > 0), the best epoch, and the epoch where training stopped
 * or reached the epoch limit (one mark when the last epoch was also the best).
 *
 * @param stopper An {@link earlyStopping} callback after `fit` has run with it.
 * @returns Marks `{epoch, label}` for `learningCurves(history, { marks })`.
 *
 * @example Mark the best epoch and the end of the run
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * import { earlyStopping, stoppingMarks } from "./callbacks.ts";
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tf.tensor2d([[0], [1], [1], [0]]);
 * const model = mlp(2, { hidden: [8], seed: 1 });
 * const stopper = earlyStopping({ patience: 2, restoreBestWeights: true });
 * const history = await fit(model, { X, y }, {
 *   epochs: 20, validationData: { X, y }, callbacks: [stopper], seed: 1, progress: false,
 * });
 * const marks = stoppingMarks(stopper); // e.g. [{ epoch: 20, label: "best = epoch limit (20)" }]
 * if (marks.at(-1)?.epoch !== history.epochs.length) throw new Error(JSON.stringify(marks));
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export function stoppingMarks(stopper: EarlyStopping): StoppingMark[] {
  if (
    typeof stopper !== "object" || stopper === null ||
    typeof (stopper as { summary?: unknown }).summary !== "function"
  ) {
    throw new TypeError(`stopper must be an earlyStopping() callback, got ${String(stopper)}`);
  }
  const s = stopper.summary();
  if (s.stopCause === undefined || s.lastEpoch === undefined) {
    throw new RangeError(
      "stopper must have finished a run: call stoppingMarks after fit has trained with it",
    );
  }
  const marks: StoppingMark[] = [];
  if (s.startFromEpoch > 0 && s.startFromEpoch < s.lastEpoch) {
    marks.push({ epoch: s.startFromEpoch, label: "warm-up ends" });
  }
  const stopped = s.stopCause === "patience" || s.stopCause === "baseline" ||
    s.stopCause === "otherCallback";
  const endLabel = stopped ? "stopped" : "epoch limit";
  if (s.bestEpoch !== undefined && s.bestEpoch !== s.lastEpoch) {
    marks.push({ epoch: s.bestEpoch, label: `best (${s.bestEpoch})` });
    marks.push({ epoch: s.lastEpoch, label: `${endLabel} (${s.lastEpoch})` });
  } else if (s.bestEpoch !== undefined) {
    marks.push({ epoch: s.lastEpoch, label: `best = ${endLabel} (${s.lastEpoch})` });
  } else {
    marks.push({ epoch: s.lastEpoch, label: `${endLabel} (${s.lastEpoch})` });
  }
  return marks;
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
