/**
 * Closeness assertions shared by the regularization tests: relative tolerance for numbers far
 * from zero, absolute near it.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Asserts |actual − expected| ≤ tol · max(1, |expected|). */
export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

/** {@link assertClose} for every entry of two matrices of the same shape. */
export function assertAllClose(a: number[][], b: number[][], tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: rows`);
  a.forEach((row, i) => row.forEach((v, j) => assertClose(v, b[i][j], tol, `${what}[${i}][${j}]`)));
}
