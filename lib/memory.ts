/**
 * Freeing what a lesson no longer needs: tensors, `{X, y}` pairs and models.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describe } from "./_validate.ts";

/** Anything {@link dispose} frees. */
export type Disposable = tf.Tensor | tf.LayersModel | { X: tf.Tensor; y: tf.Tensor } | undefined;

/**
 * Frees tensors, `{X, y}` tensor pairs and models (their weights), so that a loop that builds
 * one model per fold or per λ keeps `tf.memory().numTensors` flat. `undefined` is skipped.
 *
 * @param items What to free.
 * @returns Nothing: every item is freed.
 *
 * @example A model's worth of tensors, freed in one call
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { dispose } from "./memory.ts";
 * const before = tf.memory().numTensors;
 * const data = { X: tf.zeros([4, 2]), y: tf.ones([4, 1]) };
 * dispose(data, tf.scalar(1));
 * if (tf.memory().numTensors !== before) throw new Error("leak");
 * ```
 */
export function dispose(...items: Disposable[]): void {
  items.forEach((item, i) => {
    if (item === undefined) return;
    if (item instanceof tf.Tensor) item.dispose();
    else if (item instanceof tf.LayersModel) item.dispose();
    else if (
      item !== null && typeof item === "object" && item.X instanceof tf.Tensor &&
      item.y instanceof tf.Tensor
    ) {
      item.X.dispose();
      item.y.dispose();
    } else {
      throw new TypeError(
        `items[${i}] must be a tensor, a model or an {X, y} pair of tensors, got ${describe(item)}`,
      );
    }
  });
}
