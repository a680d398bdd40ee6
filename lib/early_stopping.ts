/**
 * Early stopping with the rule of tf-keras's `EarlyStopping` (2.16 and later), epoch for epoch,
 * including restoring the best weights when training ends at the epoch limit: the callback for
 * `fit`, a replay of recorded values through the same rule, the run's result as plain data, and
 * marks for learning-curve charts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { makeContext } from "./_context.ts";
import { defaultMode, isAccuracy, METRIC_NAMES } from "./_metrics.ts";
import {
  checkBoolean,
  checkFinite,
  checkIntAtLeast,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  describe,
} from "./_validate.ts";
import type { Callback, CallbackContext, EpochLog, MetricName } from "./callbacks.ts";

/** Quantities early stopping can watch: any metric of the epoch records. */
export type MonitorName = MetricName;

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Quantity to watch. @default "valLoss" */
  monitor?: MonitorName;
  /** Epochs without improvement after which training stops (0 acts as 1). @default 0 */
  patience?: number;
  /**
   * An epoch improves only if it beats the best value by more than this (Keras `min_delta`).
   * @default 0
   */
  minDelta?: number;
  /** "min" for losses, "max" for accuracies; "auto" picks from the monitor's name. @default "auto" */
  mode?: "auto" | "min" | "max";
  /**
   * Put back the weights of the best epoch when training ends, whether it stopped early or ran
   * out of epochs (Keras `restore_best_weights`); when no watched epoch improved (all NaN),
   * the weights of the first watched epoch.
   * @default false
   */
  restoreBestWeights?: boolean;
  /**
   * A value to beat (Keras `baseline`). Only an epoch that improves on the best so far *and*
   * beats the baseline by more than `minDelta` resets the patience counter; as in Keras, the
   * stop is still checked only at epochs that do not improve on the best. So a run that stalls
   * above the baseline stops at its first non-improving epoch once `patience` epochs have been
   * watched, while a run that keeps improving, however slowly, is never stopped, baseline or
   * not. The best epoch is still recorded (and restored) when it does not beat the baseline.
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
 * "baseline" (stopped before any epoch reset the counter by beating the baseline with a new
 * best), "epochLimit" (it ran all of `fit`'s epochs) or "otherCallback" (another callback
 * stopped it).
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
  /** It beat the best so far by more than minDelta, so it became the best (NaN never does). */
  improved: boolean;
  /** It beat the baseline by more than minDelta (without a baseline: true unless NaN). */
  beatBaseline: boolean;
  /** The patience counter after this epoch (Keras `wait`): watched epochs since the last reset. */
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
  /** Weights of an earlier epoch were put back (false when the last epoch was the best). */
  restored: boolean;
  /** The epoch whose weights the model holds after training. */
  weightsFrom: number | undefined;
}

/**
 * How a run with early stopping ended ({@link EarlyStopping.result}): unlike
 * {@link EarlyStoppingSummary}, every field is set, because it exists only after a run.
 */
export interface StoppingResult {
  /** The watched quantity. */
  monitor: MonitorName;
  /** The direction that counts as better. */
  mode: "min" | "max";
  /**
   * The last epoch that ran: where training stopped, early or at the epoch limit (`cause`
   * says which). It equals the number of epochs trained.
   */
  lastEpoch: number;
  /** Whether training ended before the epoch limit (`cause` is not "epochLimit"). */
  stoppedEarly: boolean;
  /** Why training ended. */
  cause: StopCause;
  /** Why training ended, in words. */
  reason: string;
  /** The watched epoch with the best value (the first one, on ties). */
  bestEpoch: number;
  /** The best watched value. */
  bestValue: number;
  /** Whether weights of an earlier epoch were put back (false when the last epoch was the best). */
  restored: boolean;
  /** The epoch whose weights the model holds after training. */
  weightsFrom: number;
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
  /** Whether weights of an earlier epoch were put back. */
  readonly restored: boolean;
  /** The epoch whose weights the model holds after training, once it has ended. */
  readonly weightsFrom: number | undefined;
  /** One entry per epoch of the last run: value, counter and decision. */
  readonly trace: readonly EarlyStoppingStep[];
  /** The run's record as plain data (fields undefined until the run has them). */
  summary(): EarlyStoppingSummary;
  /**
   * How the last run ended, with every field set: stopping epoch, best epoch and value,
   * cause, whether the best weights were restored.
   *
   * @returns The run's result.
   * @throws {Error} Before a run has ended, or when no watched epoch had a value (all NaN).
   *
   * @example After a replay of scripted validation losses
   * ```ts
   * import { replayEarlyStopping } from "./early_stopping.ts";
   * const r = replayEarlyStopping([0.9, 0.7, 0.72, 0.71, 0.6], { patience: 2 }).result();
   * // best 0.7 at epoch 2; epochs 3 and 4 do not improve, so training stops after epoch 4
   * if (r.bestEpoch !== 2 || r.bestValue !== 0.7 || r.lastEpoch !== 4) throw new Error(r.reason);
   * if (r.cause !== "patience" || !r.stoppedEarly || r.weightsFrom !== 4) throw new Error(r.reason);
   * ```
   */
  result(): StoppingResult;
}

const ALLOWED_OPTIONS = [
  "monitor",
  "patience",
  "minDelta",
  "mode",
  "restoreBestWeights",
  "baseline",
  "startFromEpoch",
];

/**
 * Stops training when the monitored quantity has not improved for `patience` epochs, by the
 * rule of tf-keras's `EarlyStopping.on_epoch_end` (2.16 and later), epoch for epoch. (Keras 3
 * runs the same `on_epoch_end`, except that its best starts empty, so that its first watched
 * value, even NaN, always becomes the best.) An epoch t ≥ 1 with value v is watched if its log
 * has the monitor and t > `startFromEpoch` (epochs 1 … s are a warm-up). The best value v⋆
 * starts at +∞ (min mode) or −∞ (max mode); v **improves** if v + δ < v⋆ (min) or v − δ > v⋆
 * (max), δ = `minDelta`, so NaN never improves. At each watched epoch:
 *
 * 1. the counter `wait` grows by 1;
 * 2. if v improves: v⋆ ← v, and if there is no `baseline` b or v also beats it (v + δ < b,
 *    resp. v − δ > b), `wait` ← 0; the epoch never stops training;
 * 3. otherwise training stops after this epoch if `wait` ≥ `patience` and t > 1 (Keras's
 *    `epoch > 0`, its epochs counting from 0).
 *
 * Without a baseline, training therefore stops exactly `max(patience, 1)` epochs after the
 * best one if nothing improves meanwhile (`patience` 0 acts as 1). With a baseline, a run that
 * stalls above it stops at its first non-improving epoch once `patience` epochs have been
 * watched; a run still improving above it is never stopped (Keras documents "training will
 * stop if the model doesn't show improvement over the baseline", but its code checks the stop
 * only at non-improving epochs, and this rule follows the code). Unlike Keras, a baseline that
 * can never be beaten (a loss baseline ≤ `minDelta`, an accuracy baseline ≥ 1 − `minDelta`) is
 * rejected.
 *
 * With `restoreBestWeights`, the weights of the best epoch (or, when no watched epoch
 * improved, of the first watched epoch, as Keras copies those first) are put back when
 * training ends, however it ends: stopped early, at the epoch limit or by another callback.
 * After `fit`, the callback holds the run's record:
 * `bestEpoch`, `bestValue`, `stoppedEpoch`, `lastEpoch`, `stopCause`, `stopReason`,
 * `weightsFrom`, a per-epoch `trace`, and all of it as data from `summary()`;
 * {@link stoppingMarks} turns it into chart marks.
 *
 * @param options What to watch and how patiently.
 * @returns A callback for `fit` that records the best and stopping epochs.
 *
 * @example Stop once validation loss stalls for 3 epochs
 * ```ts
 * import { earlyStopping } from "./early_stopping.ts";
 * const stopper = earlyStopping({ monitor: "valLoss", patience: 3, restoreBestWeights: true });
 * // pass it to fit: fit(model, train, { epochs: 100, validationData: dev, callbacks: [stopper] })
 * if (stopper.mode !== "min") throw new Error("valLoss is minimized");
 * ```
 *
 * @example A baseline stops a run that stalls above it, never one that still improves
 * ```ts
 * import { replayEarlyStopping } from "./early_stopping.ts";
 * // every epoch is a new best but none beats 0.5: the counter climbs, yet nothing stops
 * const creeping = replayEarlyStopping([1, 0.9, 0.8, 0.7, 0.6], { patience: 2, baseline: 0.5 });
 * if (creeping.stopCause !== "epochLimit") throw new Error(creeping.stopReason);
 * // the first epoch that does not improve finds the counter at 6 ≥ 2: training stops there
 * const stalled = replayEarlyStopping([1, 0.9, 0.8, 0.7, 0.6, 0.65], {
 *   patience: 2,
 *   baseline: 0.5,
 * });
 * if (stalled.stoppedEpoch !== 6) throw new Error(stalled.stopReason);
 * if (stalled.stopCause !== "baseline") throw new Error(stalled.stopReason);
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  checkOptions(options, ALLOWED_OPTIONS);
  const monitor = checkOneOf(options.monitor ?? "valLoss", "monitor", METRIC_NAMES);
  const patience = checkIntAtLeast(options.patience ?? 0, "patience", 0);
  const minDelta = checkNonNegative(options.minDelta ?? 0, "minDelta");
  const modeOpt = checkOneOf(options.mode ?? "auto", "mode", ["auto", "min", "max"] as const);
  const mode = modeOpt === "auto" ? defaultMode(monitor) : modeOpt;
  const restore = checkBoolean(options.restoreBestWeights ?? false, "restoreBestWeights");
  const baseline = options.baseline === undefined
    ? undefined
    : checkFinite(options.baseline, "baseline");
  if (baseline !== undefined) {
    // Losses are never below 0 and accuracies lie in [0, 1]: a baseline at or beyond the end
    // of that range (less minDelta) cannot be beaten, so it could never reset the counter.
    if (mode === "min" && !(baseline - minDelta > 0)) {
      throw new RangeError(
        `baseline must be greater than minDelta (${minDelta}) in "min" mode: ${monitor} is never below 0, got ${baseline}`,
      );
    }
    if (mode === "max" && isAccuracy(monitor) && !(baseline + minDelta < 1)) {
      throw new RangeError(
        `baseline must be less than 1 - minDelta (${
          1 - minDelta
        }) in "max" mode: ${monitor} is never above 1, got ${baseline}`,
      );
    }
  }
  const startFromEpoch = checkIntAtLeast(options.startFromEpoch ?? 0, "startFromEpoch", 0);
  // Keras's starting best: nothing (NaN, the wrong infinity) improves on it
  const initialBest = mode === "min" ? Infinity : -Infinity;

  let bestEpoch: number | undefined, bestValue: number | undefined;
  let stoppedEpoch: number | undefined, stopReason: string | undefined;
  let stopCause: StopCause | undefined, weightsFrom: number | undefined;
  let lastEpoch: number | undefined;
  let wait = 0, restored = false, everReset = false, best = initialBest;
  // the weights copied for restoring, and the epoch they come from (Keras best_weights)
  let bestWeights: tf.Tensor[] | undefined, keptEpoch: number | undefined;
  let trace: EarlyStoppingStep[] = [];

  const forget = () => {
    bestWeights?.forEach((t) => t.dispose());
    bestWeights = keptEpoch = undefined;
  };
  const putBack = (ctx: CallbackContext) => {
    if (bestWeights && keptEpoch !== lastEpoch) {
      ctx.model.setWeights(bestWeights);
      restored = true;
    }
    weightsFrom = keptEpoch ?? lastEpoch;
  };
  // Keras's _is_improvement, in its arithmetic: monitor_op(value - min_delta, reference) with
  // min_delta negated in "min" mode
  const beats = (value: number, reference: number) =>
    mode === "min" ? value + minDelta < reference : value - minDelta > reference;
  const bestText = () =>
    bestEpoch === undefined
      ? "no best value yet"
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
    result() {
      if (stopCause === undefined || stopReason === undefined || lastEpoch === undefined) {
        throw new Error(
          "early stopping has not finished a run: call result() after fit (or replayEarlyStopping) has trained with it",
        );
      }
      if (bestEpoch === undefined || bestValue === undefined) {
        throw new Error(
          `early stopping watched no epoch with a ${monitor} value (all were NaN, infinite or in the warm-up), so the run has no best epoch`,
        );
      }
      return {
        monitor,
        mode,
        lastEpoch,
        stoppedEarly: stopCause !== "epochLimit",
        cause: stopCause,
        reason: stopReason,
        bestEpoch,
        bestValue,
        restored,
        weightsFrom: weightsFrom ?? lastEpoch,
      };
    },
    onTrainBegin(ctx) {
      if (monitor.startsWith("val") && !ctx.params.hasValidation) {
        throw new RangeError(`earlyStopping monitors ${monitor}, so fit needs validationData`);
      }
      if (isAccuracy(monitor) && !ctx.params.hasAccuracy) {
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
      best = initialBest;
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
      step.improved = beats(v, best);
      step.beatBaseline = baseline === undefined ? !Number.isNaN(v) : beats(v, baseline);
      // Keras copies the first watched epoch's weights, improvement or not, then every best's
      if (restore && (step.improved || keptEpoch === undefined)) {
        forget();
        bestWeights = tf.tidy(() => ctx.model.getWeights().map((w) => w.clone()));
        keptEpoch = log.epoch;
      }
      wait += 1;
      if (step.improved) {
        best = bestValue = v;
        bestEpoch = log.epoch;
        if (step.beatBaseline) {
          wait = 0;
          everReset = true;
        }
      }
      Object.assign(step, { wait, bestValue, bestEpoch });
      // an improving epoch never stops training, nor does epoch 1 (Keras: epoch > 0)
      if (step.improved || wait < patience || log.epoch <= 1) return;
      step.stop = true;
      stoppedEpoch = log.epoch;
      const epochs = `${wait} epoch${wait === 1 ? "" : "s"}`;
      if (baseline !== undefined && !everReset) {
        stopCause = "baseline";
        stopReason = `${monitor} did not beat the baseline ${
          Number(baseline.toPrecision(4))
        } by more than ${minDelta} with a new best in ${epochs} (${bestText()})`;
      } else {
        stopCause = "patience";
        stopReason =
          `${monitor} did not improve by more than ${minDelta} for ${epochs} (${bestText()})`;
      }
      ctx.stop(`early stopping: ${stopReason}`);
    },
    onTrainEnd(ctx) {
      if (stoppedEpoch === undefined) {
        const limitReached = !ctx.stopTraining;
        stopCause = limitReached ? "epochLimit" : "otherCallback";
        stopReason = `${
          limitReached ? "reached the epoch limit" : "another callback stopped training"
        } after epoch ${lastEpoch ?? 0}; ${monitor} ${bestText()}`;
      }
      // as Keras 2.16+ does, the weights go back when training ends, however it ended
      putBack(ctx);
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
 * import { replayEarlyStopping } from "./early_stopping.ts";
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
      `values must be a non-empty array of numbers (one per epoch), got ${describe(values)}`,
    );
  }
  const settings = checkOptions(options, ALLOWED_OPTIONS);
  if (settings.restoreBestWeights) {
    throw new RangeError(
      "restoreBestWeights must be false in replayEarlyStopping: a replay has no model, got true",
    );
  }
  const stopper = earlyStopping(settings);
  const records: EpochLog[] = [];
  const ctx = makeContext(undefined, {
    epochs: values.length,
    batchSize: 1,
    stepsPerEpoch: 1,
    numExamples: 1,
    hasValidation: true,
    hasAccuracy: true,
    loss: "replay",
    path: "fast",
  }, { epochs: records, batches: [] });
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
 * import { earlyStopping, stoppingMarks } from "./early_stopping.ts";
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
    throw new TypeError(`stopper must be an earlyStopping() callback, got ${describe(stopper)}`);
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
