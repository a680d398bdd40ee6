/**
 * The metric names of epoch records and which direction counts as better for each: shared
 * by early stopping and the history helpers.
 *
 * @module
 */
import type { MetricName } from "./callbacks.ts";

/** Every metric an epoch record can hold, in the order records list them. */
export const METRIC_NAMES: readonly MetricName[] = ["loss", "acc", "valLoss", "valAcc"];

/** True for the accuracy metrics (`acc`, `valAcc`), which lie in [0, 1]. */
export function isAccuracy(metric: MetricName): boolean {
  return metric === "acc" || metric === "valAcc";
}

/** "max" for accuracies, "min" for losses: the direction in which a metric improves. */
export function defaultMode(metric: MetricName): "min" | "max" {
  return isAccuracy(metric) ? "max" : "min";
}
