/**
 * The context every callback hook receives: the one implementation behind `fit`, the replays
 * of early stopping and the tests that drive callbacks by hand.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { CallbackContext, HistoryRecords, TrainParams } from "./callbacks.ts";

/** A callback context as its owner sees it: the stop flag and reason can be read back. */
export interface TrainingContext<H extends HistoryRecords = HistoryRecords>
  extends CallbackContext {
  /** The records the owner appends to. */
  readonly history: H;
  /** True once a callback called `stop`. */
  readonly stopTraining: boolean;
  /** The reason given to the first `stop` call. */
  readonly stopReason: string | undefined;
}

/**
 * Makes the context of one training run. `stop(reason)` sets `stopTraining` and keeps the
 * first reason: a later stop does not overwrite why training ended. Without a model (a
 * replay of recorded values), reading `model` throws.
 *
 * @param model The model being trained, or undefined for a run without one.
 * @param params Facts about the run.
 * @param history The records the owner appends to as epochs finish.
 * @returns The context to pass to every hook.
 */
export function makeContext<H extends HistoryRecords>(
  model: tf.LayersModel | undefined,
  params: TrainParams,
  history: H,
): TrainingContext<H> {
  let stopTraining = false;
  let stopReason: string | undefined;
  return {
    get model(): tf.LayersModel {
      if (model === undefined) {
        throw new Error("this training context has no model: it replays recorded values");
      }
      return model;
    },
    params,
    history,
    get stopTraining() {
      return stopTraining;
    },
    get stopReason() {
      return stopReason;
    },
    stop(reason: string) {
      stopTraining = true;
      stopReason ??= String(reason);
    },
  };
}
