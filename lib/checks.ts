/**
 * Check cells: a notebook states a claim, then proves it on its own numbers.
 *
 * @module
 */
import { flushIopub } from "./_kernel.ts";
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
 * `console.log` lines from a queue and can declare the cell finished before they are sent
 * (the notebook then drops them, or shows them under the next cell); the promise resolves
 * once the kernel has published the line (see {@link flushOutput}).
 *
 * @param condition Whether the claim holds.
 * @param claim The claim, as a sentence.
 * @param detail The numbers behind it, shown in both cases.
 * @returns A promise that resolves once the line has been published to the notebook.
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
 * Waits until everything printed or displayed so far has been published by the Deno kernel
 * (usually a few milliseconds; nothing to wait for outside a kernel). End a cell that prints
 * with `await lib.flushOutput()` when its last statement is a `console.log`: the kernel sends
 * output from a queue and can declare the cell finished first, and the notebook then drops
 * the lines still queued or shows them under the next cell.
 *
 * In the kernel this watches the kernel's own IOPub channel for a marker queued after the
 * output; where that channel cannot be watched it waits 20 ms instead.
 *
 * @returns A promise that resolves when the output has been published.
 *
 * @example End a cell that prints
 * ```ts
 * import { flushOutput } from "./checks.ts";
 * console.log("done");
 * await flushOutput();
 * ```
 */
export function flushOutput(): Promise<void> {
  return flushIopub(20);
}
