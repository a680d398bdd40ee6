/**
 * Check cells: a notebook states a claim, then proves it on its own numbers.
 *
 * @module
 */

/** Thrown by {@link check} when a lesson's claim does not hold on the notebook's own run. */
export class CheckError extends Error {
  /** Makes the error; `claim` is the sentence that did not hold. */
  constructor(claim: string, detail?: string) {
    super(`Check failed: ${claim}${detail ? ` (${detail})` : ""}`);
    this.name = "CheckError";
  }
}

/**
 * Asserts one claim of a lesson. On success it prints `✓ claim` (with the measured numbers
 * in `detail`), so the executed notebook reads as a list of verified statements; on failure
 * it throws a {@link CheckError} that names the claim and the numbers.
 *
 * @param condition Whether the claim holds.
 * @param claim The claim, as a sentence.
 * @param detail The numbers behind it, shown in both cases.
 *
 * @example
 * ```ts
 * import { check } from "./checks.ts";
 * const trainAcc = 0.98, testAcc = 0.85;
 * check(trainAcc > testAcc, "the model scores higher on its own training data",
 *   `train ${trainAcc}, test ${testAcc}`);
 * ```
 */
export function check(condition: boolean, claim: string, detail?: string): void {
  if (typeof claim !== "string" || claim.length === 0) {
    throw new TypeError(`claim must be a non-empty string, got ${JSON.stringify(claim)}`);
  }
  if (!condition) throw new CheckError(claim, detail);
  console.log(`✓ ${claim}${detail ? ` (${detail})` : ""}`);
}
