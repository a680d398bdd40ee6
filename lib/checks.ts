/**
 * Check cells: a notebook states a claim, then proves it on its own numbers.
 *
 * @module
 */
import { inJupyter } from "./_kernel.ts";
import { checkBoolean, checkString } from "./_validate.ts";

/**
 * Thrown by {@link check} when a lesson's claim does not hold on the notebook's own run. Its
 * message is `Check failed: claim (detail)`.
 *
 * @example Telling a failed claim from other errors
 * ```ts
 * import { check, CheckError } from "./checks.ts";
 * try {
 *   await check(1 > 2, "one exceeds two");
 * } catch (error) {
 *   if (!(error instanceof CheckError)) throw error;
 * }
 * ```
 */
export class CheckError extends Error {
  /**
   * Makes the error.
   *
   * @param claim The sentence that did not hold.
   * @param detail The numbers behind it.
   */
  constructor(claim: string, detail?: string) {
    super(`Check failed: ${claim}${detail ? ` (${detail})` : ""}`);
    this.name = "CheckError";
  }
}

/**
 * Asserts one claim of a lesson. On success it prints `✓ claim` (with the measured numbers
 * in `detail`), so the executed notebook reads as a list of verified statements; on failure
 * it throws a {@link CheckError} that names the claim and the numbers, at once (not through
 * the returned promise), so a forgotten `await` can never hide a failed claim.
 *
 * Await the returned promise in a notebook (`await lib.check(…)`): the Deno kernel sends
 * `console.log` lines asynchronously and drops the ones still queued when a cell ends, so
 * awaiting gives the printed line time to reach the notebook.
 *
 * @param condition Whether the claim holds.
 * @param claim The claim, as a sentence.
 * @param detail The numbers behind it, shown in both cases.
 * @returns A promise that resolves once the line has been handed to the notebook.
 *
 * @example A claim that holds
 * ```ts
 * import { check } from "./checks.ts";
 * const trainAcc = 0.98, testAcc = 0.85;
 * await check(trainAcc > testAcc, "the model scores higher on its own training data",
 *   `train ${trainAcc}, test ${testAcc}`);
 * ```
 */
export function check(condition: boolean, claim: string, detail?: string): Promise<void> {
  checkString(claim, "claim");
  checkBoolean(condition, "condition");
  if (!condition) throw new CheckError(claim, detail);
  console.log(`✓ ${claim}${detail ? ` (${detail})` : ""}`);
  return flushOutput();
}

/**
 * Waits until the lines printed so far have reached the notebook (a few milliseconds in a
 * Jupyter kernel, nothing elsewhere). End a cell that prints with `await lib.flushOutput()`
 * when its last statement is a `console.log`: the Deno kernel drops output still queued
 * when a cell finishes.
 *
 * @returns A promise that resolves when the output has been sent.
 *
 * @example End a cell that prints
 * ```ts
 * import { flushOutput } from "./checks.ts";
 * console.log("done");
 * await flushOutput();
 * ```
 */
export function flushOutput(): Promise<void> {
  if (!inJupyter()) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, 20));
}
