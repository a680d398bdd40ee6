/**
 * The record of a training run: the {@link History} that `fit` returns, and helpers that read
 * it the way lessons do — one metric as a column of numbers ({@link metricColumn}) and the
 * epoch where a metric was best ({@link bestEpoch}).
 *
 * @module
 */
import pl from "nodejs-polars";
import { defaultMode, METRIC_NAMES } from "./_metrics.ts";
import { checkObject, checkOneOf, checkOptions, describe } from "./_validate.ts";
import type { BatchLog, EpochLog, HistoryRecords, MetricName } from "./callbacks.ts";

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
 * const history = await fit(model, { X, y }, { epochs: 3, seed: 1, progress: false });
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
    checkOneOf(which, "which", ["epochs", "batches"] as const);
    const rows: Record<string, number | undefined>[] = which === "epochs"
      ? this.epochs.map((e) => ({ ...e }))
      : this.batches.map((b) => ({ ...b }));
    const keys = which === "epochs"
      ? ["epoch", "loss", "acc", "valLoss", "valAcc", "seconds", "lr"]
      : ["step", "epoch", "batch", "size", "loss", "seconds", "lr"];
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

/** A run's epoch records: a {@link History} (or anything with `epochs`), or the array itself. */
export type EpochRecords = { readonly epochs: readonly EpochLog[] } | readonly EpochLog[];

/** The epoch records of `history`, checked to be an array of records. */
function recordsOf(history: EpochRecords): readonly EpochLog[] {
  const records = Array.isArray(history)
    ? history
    : (checkObject(history, "history") as { epochs?: unknown }).epochs;
  if (!Array.isArray(records)) {
    throw new TypeError(
      `history must be a History or an array of epoch records, got ${describe(history)}`,
    );
  }
  return records as readonly EpochLog[];
}

/** The metrics every record of `records` holds. */
function metricsIn(records: readonly EpochLog[]): MetricName[] {
  return METRIC_NAMES.filter((m) => records.every((r) => typeof r[m] === "number"));
}

/**
 * One metric of every epoch, in epoch order: `metricColumn(history, "valLoss")` is
 * [valLoss₁, valLoss₂, …]. Every entry is a number: a history that lacks the metric in any
 * epoch (no validation data for `valLoss`, a regression for `acc`) is an error naming the
 * metrics it has.
 *
 * @param history A {@link History} from `fit`, or its array of epoch records.
 * @param metric "loss", "acc", "valLoss" or "valAcc".
 * @returns One number per epoch (empty for a history without epochs).
 * @throws {RangeError} When an epoch has no number for `metric`.
 *
 * @example The validation losses of a run
 * ```ts
 * import { metricColumn } from "./history.ts";
 * const epochs = [
 *   { epoch: 1, loss: 0.9, valLoss: 0.8, seconds: 0.1 },
 *   { epoch: 2, loss: 0.6, valLoss: 0.7, seconds: 0.2 },
 * ];
 * const valLosses = metricColumn(epochs, "valLoss");
 * if (valLosses.join() !== "0.8,0.7") throw new Error(String(valLosses));
 * ```
 */
export function metricColumn(history: EpochRecords, metric: MetricName): number[] {
  const records = recordsOf(history);
  checkOneOf(metric, "metric", METRIC_NAMES);
  return records.map((record, i) => {
    const value = record?.[metric];
    if (typeof value !== "number") {
      const epoch = typeof record?.epoch === "number" ? record.epoch : i + 1;
      const has = metricsIn(records);
      throw new RangeError(
        `history has no ${metric} in epoch ${epoch}; its metrics are ${
          has.length === 0 ? "(none)" : has.join(", ")
        }${metric.startsWith("val") ? " (valLoss and valAcc need fit's validationData)" : ""}`,
      );
    }
    return value;
  });
}

/** Options of {@link bestEpoch}. */
export interface BestEpochOptions {
  /**
   * "min" when lower is better, "max" when higher is.
   * @default "max" for "acc" and "valAcc", "min" for "loss" and "valLoss"
   */
  mode?: "min" | "max";
}

/** The epoch where a metric was best, with its value ({@link bestEpoch}). */
export interface BestEpoch {
  /** The epoch number (from the record, counted from 1). */
  epoch: number;
  /** The metric's value in that epoch. */
  value: number;
  /** That epoch's whole record, with every metric it has (`record.loss`, `record.valAcc` …). */
  record: EpochLog;
}

/**
 * The epoch where a metric was best: the lowest value (mode "min") or the highest ("max"),
 * the earliest such epoch on ties. NaN values never win. It is the best epoch that
 * early stopping records for a run it lets reach the epoch limit (minDelta 0, no warm-up).
 *
 * @param history A {@link History} from `fit`, or its array of epoch records.
 * @param metric "loss", "acc", "valLoss" or "valAcc".
 * @param options The direction that counts as better.
 * @returns The best epoch and the metric's value there.
 * @throws {RangeError} When the history has no epochs, lacks the metric, or has only NaN.
 *
 * @example The epoch with the lowest validation loss
 * ```ts
 * import { bestEpoch } from "./history.ts";
 * const epochs = [0.8, 0.6, 0.65, 0.6].map((valLoss, i) => ({
 *   epoch: i + 1, loss: 1 / (i + 1), valLoss, seconds: i,
 * }));
 * const best = bestEpoch(epochs, "valLoss"); // lowest value, first of the ties
 * if (best.epoch !== 2 || best.value !== 0.6) throw new Error(JSON.stringify(best));
 * const worst = bestEpoch(epochs, "valLoss", { mode: "max" });
 * if (worst.epoch !== 1) throw new Error(JSON.stringify(worst));
 * if (best.record.loss !== 0.5) throw new Error("the record is that of epoch 2");
 * ```
 */
export function bestEpoch(
  history: EpochRecords,
  metric: MetricName,
  options: BestEpochOptions = {},
): BestEpoch {
  checkOptions(options, ["mode"]);
  const mode = options.mode === undefined
    ? defaultMode(checkOneOf(metric, "metric", METRIC_NAMES))
    : checkOneOf(options.mode, "mode", ["min", "max"] as const);
  const records = recordsOf(history);
  const values = metricColumn(records, metric);
  if (values.length === 0) {
    throw new RangeError(`history must have at least one epoch to find the best ${metric}`);
  }
  let best: number | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (best === undefined || (mode === "min" ? v < values[best] : v > values[best])) best = i;
  }
  if (best === undefined) {
    throw new RangeError(`history has no epoch with a ${metric} that is a number, only NaN`);
  }
  return { epoch: records[best].epoch, value: values[best], record: records[best] };
}
