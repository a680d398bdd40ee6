/**
 * A callback context fed by hand, for tests of callbacks without training: the context `fit`
 * itself passes (`makeContext`), with no model (or a stamped stand-in) and one-example,
 * one-step epochs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { makeContext } from "../lib/_context.ts";
import type { EpochLog, TrainParams } from "../lib/callbacks.ts";

/** Makes a context with one-example, one-step epochs unless `params` says otherwise. */
export function fakeContext(params: Partial<TrainParams> = {}, model?: tf.LayersModel) {
  return makeContext(model, {
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

/** A stand-in model whose one weight is a number the test sets: see {@link stampedModel}. */
export interface StampedModel {
  /** The stand-in, for `fakeContext(params, model)`. */
  model: tf.LayersModel;
  /** Sets the weight, e.g. to the epoch number before that epoch's hooks run. */
  stamp(value: number): void;
  /** The weight the model holds now (after a callback's `setWeights`, the one put back). */
  readonly value: number;
}

/**
 * A stand-in for a model whose weights a callback copies (`getWeights`) and puts back
 * (`setWeights`): its only weight is a number the test sets, so stamping it with the epoch
 * number before each epoch's hooks makes the weights the model holds at the end say which
 * epoch they came from. `getWeights` returns a new scalar tensor each call: call it inside
 * `tf.tidy`, as callbacks do.
 */
export function stampedModel(): StampedModel {
  let value = 0;
  const model = {
    getWeights: () => [tf.scalar(value)],
    setWeights: (weights: tf.Tensor[]) => {
      value = weights[0].dataSync()[0];
    },
  } as unknown as tf.LayersModel;
  return {
    model,
    stamp: (v: number) => {
      value = v;
    },
    get value() {
      return value;
    },
  };
}
