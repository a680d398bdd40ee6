/**
 * A callback context fed by hand, for tests of callbacks without training. It behaves like
 * the one `fit` passes: `stop()` sets `stopTraining` and keeps the first reason.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { EpochLog, TrainParams } from "../lib/callbacks.ts";

/** Makes a context with one-example, one-step epochs unless `params` says otherwise. */
export function fakeContext(params: Partial<TrainParams> = {}) {
  const history = { epochs: [] as EpochLog[], batches: [] };
  return {
    model: undefined as unknown as tf.LayersModel,
    params: {
      epochs: 100,
      batchSize: 1,
      stepsPerEpoch: 1,
      numExamples: 1,
      hasValidation: true,
      hasAccuracy: true,
      loss: "binaryCrossentropy",
      path: "fast",
      ...params,
    } as TrainParams,
    history,
    stopTraining: false,
    stopReason: undefined as string | undefined,
    stop(reason: string) {
      this.stopTraining = true;
      this.stopReason ??= reason;
    },
  };
}
