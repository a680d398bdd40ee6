/**
 * Training callbacks: the hooks `fit` calls, the records they receive, and the seam through
 * which notebook display code shows live progress (plain-text lines by default). Early
 * stopping, the best-known callback, lives in `early_stopping.ts`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { formatEpochLine } from "./_format.ts";
import { checkFunction, checkOptions, checkPositiveInt, describe } from "./_validate.ts";

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
  /** Learning rate of the epoch's last update (named optimizers; tfjs ones state theirs). */
  lr?: number;
}

/** The metrics an epoch record can hold (`acc` and `valAcc` for classification only). */
export type MetricName = "loss" | "acc" | "valLoss" | "valAcc";

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
  /** Learning rate of this update. */
  lr?: number;
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
 * @example Register a factory, then put the previous one back
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
    throw new TypeError(`factory must be a function or undefined, got ${describe(factory)}`);
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
 * @example The callback fit uses for a progress line
 * ```ts
 * import { progressCallback } from "./callbacks.ts";
 * const cb = progressCallback("line");
 * if (typeof cb.onEpochEnd !== "function") throw new Error("no epoch hook");
 * ```
 */
export function progressCallback(kind: ProgressKind): Callback {
  if (kind !== "line" && kind !== "chart") {
    throw new RangeError(`kind must be "line" or "chart", got ${describe(kind)}`);
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
 * @example A line for epoch 2 of 10
 * ```ts
 * import { formatEpochLog } from "./callbacks.ts";
 * const line = formatEpochLog({ epoch: 2, loss: 0.5, seconds: 0.25 }, 10);
 * if (!line.startsWith("epoch 2/10")) throw new Error(line);
 * ```
 */
export function formatEpochLog(log: EpochLog, epochs?: number): string {
  return formatEpochLine(log, epochs);
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
 * @example Collect the lines instead of printing them
 * ```ts
 * import { textProgress } from "./callbacks.ts";
 * const out: string[] = [];
 * const cb = textProgress({ write: (l) => void out.push(l) });
 * if (cb.onEpochEnd === undefined) throw new Error("no epoch hook");
 * ```
 */
export function textProgress(options: TextProgressOptions = {}): Callback {
  checkOptions(options, ["write", "lines"]);
  const write = options.write === undefined
    ? (line: string) => console.log(line)
    : checkFunction<(line: string) => void>(options.write, "write");
  const lines = checkPositiveInt(options.lines ?? 10, "lines");
  let every = 1;
  return {
    onTrainBegin(ctx) {
      every = Math.max(1, Math.ceil(ctx.params.epochs / lines));
    },
    onEpochEnd(log, ctx) {
      if (log.epoch % every === 0 || log.epoch === ctx.params.epochs) {
        write(formatEpochLine(log, ctx.params.epochs));
      }
    },
    onTrainEnd(ctx) {
      const last = ctx.history.epochs.at(-1);
      if (ctx.stopReason) write(ctx.stopReason);
      else if (last && last.epoch % every !== 0 && last.epoch !== ctx.params.epochs) {
        write(formatEpochLine(last, ctx.params.epochs));
      }
    },
  };
}
