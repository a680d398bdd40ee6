/**
 * A callback context fed by hand, for tests of callbacks without training: the context `fit`
 * itself passes (`makeContext`), with no model and one-example, one-step epochs.
 *
 * @module
 */
import { makeContext } from "../lib/_context.ts";
import type { EpochLog, TrainParams } from "../lib/callbacks.ts";

/** Makes a context with one-example, one-step epochs unless `params` says otherwise. */
export function fakeContext(params: Partial<TrainParams> = {}) {
  return makeContext(undefined, {
    epochs: 100,
    batchSize: 1,
    stepsPerEpoch: 1,
    numExamples: 1,
    hasValidation: true,
    hasAccuracy: true,
    loss: "binaryCrossentropy",
    path: "fast",
    ...params,
  }, { epochs: [] as EpochLog[], batches: [] });
}
