/**
 * Confusion matrices of a classifier: counts of (actual, predicted) class pairs, and the
 * accuracy within each actual class (its recall). Plain numbers in, plain numbers out: no
 * tensors, so labels from `tensor.argMax(-1).dataSync()` or an array work alike. Draw the
 * matrix with `confusionMatrixChart`.
 *
 * @module
 */
import { checkIntBetween, describe, isTensorLike } from "./_validate.ts";

/** Most classes a confusion matrix takes (a 10 000 × 10 000 matrix of counts). */
const MAX_CLASSES = 10_000;

/** Checks that `labels` is an array-like of numbers (not a tensor) and returns its length. */
function _labelCount(labels: unknown, name: string): number {
  if (isTensorLike(labels)) {
    throw new TypeError(
      `${name} must be an array or typed array of class labels, got ${
        describe(labels)
      } (pass tensor.dataSync())`,
    );
  }
  const length = (labels as ArrayLike<number> | null)?.length;
  if (
    typeof labels !== "object" || labels === null || typeof length !== "number" ||
    !Number.isInteger(length) || length < 0
  ) {
    throw new TypeError(
      `${name} must be an array or typed array of class labels, got ${describe(labels)}`,
    );
  }
  return length;
}

/** Throws unless `labels[i]` is an integer in [0, numClasses); returns it. */
function _label(labels: ArrayLike<unknown>, i: number, name: string, numClasses: number): number {
  const v = labels[i];
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < numClasses) return v;
  const error = typeof v === "number" ? RangeError : TypeError;
  throw new error(
    `${name}[${i}] must be an integer class label in [0, ${numClasses}), got ${describe(v)}`,
  );
}

/**
 * Counts how often each actual class was predicted as each class: C[i][j] = #{n : yₙ = i and
 * ŷₙ = j}. Rows are actual classes, columns predicted ones, so row i sums to the number of
 * examples of class i and the diagonal holds the correct predictions.
 *
 * @param actual The true class of each example, integers in [0, numClasses).
 * @param predicted The predicted class of each example (same length), e.g. the argmax of the
 *   model's outputs.
 * @param numClasses The number of classes K.
 * @returns The K × K matrix of counts, as fresh arrays.
 *
 * @example Three classes, one mistake
 * ```ts
 * import { confusionMatrix } from "./confusion.ts";
 * const m = confusionMatrix([0, 1, 2, 2], [0, 1, 2, 1], 3);
 * // actual 2 was predicted as 1 once
 * if (JSON.stringify(m) !== "[[1,0,0],[0,1,0],[0,1,1]]") throw new Error(JSON.stringify(m));
 * ```
 */
export function confusionMatrix(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const k = checkIntBetween(numClasses, "numClasses", 1, MAX_CLASSES, "classes");
  const n = _labelCount(actual, "actual");
  const m = _labelCount(predicted, "predicted");
  if (m !== n) {
    throw new RangeError(
      `predicted must hold one label per actual label (${n}), got ${m} labels`,
    );
  }
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const a = _label(actual, i, "actual", k);
    const p = _label(predicted, i, "predicted", k);
    matrix[a][p]++;
  }
  return matrix;
}

/**
 * The accuracy within each actual class, i.e. its recall: Cᵢᵢ / Σⱼ Cᵢⱼ, the share of the
 * examples of class i that were predicted as i. A class without examples (a row of zeros) has
 * no accuracy: NaN.
 *
 * @param matrix A confusion matrix: K rows of K counts (non-negative numbers), rows actual
 *   classes, columns predicted ones, as {@link confusionMatrix} returns it.
 * @returns One value in [0, 1] (or NaN) per class.
 *
 * @example Class 2 is right one time in two
 * ```ts
 * import { confusionMatrix, perClassAccuracy } from "./confusion.ts";
 * const acc = perClassAccuracy(confusionMatrix([0, 1, 2, 2], [0, 1, 2, 1], 3));
 * if (JSON.stringify(acc) !== "[1,1,0.5]") throw new Error(JSON.stringify(acc));
 * ```
 */
export function perClassAccuracy(matrix: readonly (readonly number[])[]): number[] {
  if (!Array.isArray(matrix)) {
    throw new TypeError(
      `matrix must be a square array of rows of counts, got ${describe(matrix)}`,
    );
  }
  if (matrix.length === 0) {
    throw new RangeError("matrix must hold at least one class, got an empty array");
  }
  const k = matrix.length;
  return matrix.map((row, i) => {
    if (!Array.isArray(row)) {
      throw new TypeError(`matrix[${i}] must be an array of ${k} counts, got ${describe(row)}`);
    }
    if (row.length !== k) {
      throw new RangeError(
        `matrix must be square (${k} rows of ${k} counts), got ${row.length} counts in row ${i}`,
      );
    }
    let total = 0;
    for (let j = 0; j < k; j++) {
      const v = row[j];
      if (typeof v !== "number" || !(v >= 0) || v === Infinity) {
        const error = typeof v === "number" ? RangeError : TypeError;
        throw new error(
          `matrix[${i}][${j}] must be a finite count >= 0, got ${describe(v)}`,
        );
      }
      total += v;
    }
    return total === 0 ? NaN : row[i] / total;
  });
}
