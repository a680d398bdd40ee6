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
export function perExampleLoss(loss: LossName, y: tf.Tensor, p: tf.Tensor): tf.Tensor1D {
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
export function meanLoss(loss: LossName, y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(perExampleLoss(loss, y, p)) as tf.Scalar);
}

/**
 * Sums the per-example losses (as {@link perExampleLoss}) and counts the correct predictions
 * of rows of predictions `p` against targets `y` (both flat, k values per row), in double
 * precision. Prediction row r goes with target row `rows[r]` (default r). Correct: binary —
 * (p > 0.5) equals y, averaged over the k outputs; categorical — argmax p equals argmax y.
 */
export function scoreRows(
  loss: LossName,
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  k: number,
  rows?: ArrayLike<number>,
): { lossSum: number; hits: number } {
  const n = p.length / k;
  const lo = EPSILON, hi = 1 - EPSILON;
  let lossSum = 0, hits = 0;
  for (let r = 0; r < n; r++) {
    const po = r * k, yo = (rows ? rows[r] : r) * k;
    if (loss === "meanSquaredError") {
      let s = 0;
      for (let j = 0; j < k; j++) s += (p[po + j] - y[yo + j]) ** 2;
      lossSum += s / k;
    } else if (loss === "binaryCrossentropy") {
      let s = 0, h = 0;
      for (let j = 0; j < k; j++) {
        const pj = p[po + j], yj = y[yo + j];
        const pc = pj < lo ? lo : pj > hi ? hi : pj;
        s += yj * Math.log(pc) + (1 - yj) * Math.log(1 - pc);
        if ((pj > 0.5 ? 1 : 0) === yj) h++;
      }
      lossSum -= s / k;
      hits += h / k;
    } else {
      let total = 0, s = 0, best = 0, target = 0;
      for (let j = 0; j < k; j++) total += p[po + j];
      for (let j = 0; j < k; j++) {
        const q = p[po + j] / total;
        s += y[yo + j] * Math.log(q < lo ? lo : q > hi ? hi : q);
        if (p[po + j] > p[po + best]) best = j;
        if (y[yo + j] > y[yo + target]) target = j;
      }
      lossSum -= s;
      if (best === target) hits++;
    }
  }
  return { lossSum, hits };
}

/** The loss a model's output activation calls for: sigmoid → binary, softmax → categorical, else MSE. */
export function lossForActivation(activation: string | undefined): LossName {
  if (activation === "sigmoid") return "binaryCrossentropy";
  if (activation === "softmax") return "categoricalCrossentropy";
  return "meanSquaredError";
}
