/**
 * Loss functions and accuracy counts shared by lib's training paths, written to give the
 * same numbers as the tfjs losses of the same name (probabilities clipped to [ε, 1 − ε],
 * ε = 1e-7).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Loss functions `fit` and `evaluate` know by name. */
export type LossName = "binaryCrossentropy" | "categoricalCrossentropy" | "meanSquaredError";

/** The loss names, for messages and checks. */
export const LOSS_NAMES: readonly LossName[] = [
  "binaryCrossentropy",
  "categoricalCrossentropy",
  "meanSquaredError",
];

/** tfjs layers' fuzz factor for clipping probabilities. */
export const EPSILON = 1e-7;

/**
 * Per-example loss, shape [n]:
 * - binaryCrossentropy: −mean_k [y log p̃ + (1 − y) log(1 − p̃)], p̃ = clip(p, ε, 1 − ε)
 * - categoricalCrossentropy: −Σ_k y log q̃, q̃ = clip(p / Σ_k p, ε, 1 − ε)
 * - meanSquaredError: mean_k (p − y)²
 */
export function _perExampleLoss(loss: LossName, y: tf.Tensor, p: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const last = p.rank - 1;
    if (loss === "meanSquaredError") return tf.mean(tf.square(tf.sub(p, y)), last) as tf.Tensor1D;
    if (loss === "binaryCrossentropy") {
      const pc = tf.clipByValue(p, EPSILON, 1 - EPSILON);
      const ll = tf.add(tf.mul(y, tf.log(pc)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, pc))));
      return tf.neg(tf.mean(ll, last)) as tf.Tensor1D;
    }
    const q = tf.clipByValue(tf.div(p, tf.sum(p, last, true)), EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(y, tf.log(q)), last)) as tf.Tensor1D;
  });
}

/** Mean loss over the examples (a scalar). */
export function _meanLoss(loss: LossName, y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(_perExampleLoss(loss, y, p)) as tf.Scalar);
}

/**
 * Number of correct predictions (a scalar): binary — p > 0.5 equals y, averaged over output
 * units; categorical — argmax p equals argmax y. `undefined` for meanSquaredError.
 */
export function _correctCount(
  loss: LossName,
  y: tf.Tensor,
  p: tf.Tensor,
): tf.Scalar | undefined {
  if (loss === "meanSquaredError") return undefined;
  return tf.tidy(() => {
    const last = p.rank - 1;
    if (loss === "binaryCrossentropy") {
      const hits = tf.cast(tf.equal(tf.cast(tf.greater(p, 0.5), "float32"), y), "float32");
      return tf.sum(tf.mean(hits, last)) as tf.Scalar;
    }
    return tf.sum(
      tf.cast(tf.equal(tf.argMax(p, last), tf.argMax(y, last)), "float32"),
    ) as tf.Scalar;
  });
}

/** The loss a model's output activation calls for: sigmoid → binary, softmax → categorical, else MSE. */
export function _lossForActivation(activation: string | undefined): LossName {
  if (activation === "sigmoid") return "binaryCrossentropy";
  if (activation === "softmax") return "categoricalCrossentropy";
  return "meanSquaredError";
}
