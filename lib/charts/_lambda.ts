/**
 * The λ axis shared by the regularization charts: logarithmic, or symmetric-log when λ = 0
 * is among the values (a log axis cannot show 0).
 *
 * @module
 */
import { round } from "./_common.ts";
import { describe } from "../_validate.ts";

/** Checks a λ value of row `i` (finite, ≥ 0) and returns it rounded for the spec. */
export function checkLambda(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where} must be a finite number >= 0 (a λ), got ${describe(value)}`);
  }
  return round(value);
}

/**
 * The x encoding of λ: a log scale when every λ is positive; with λ = 0 among them a
 * symlog scale whose linear zone ends at the smallest positive λ, so 0 and the grid both
 * show. Ticks sit at the λ values when there are at most 12 distinct ones, labelled with two
 * significant digits.
 */
export function lambdaAxis(
  field: string,
  lambdas: readonly number[],
  title: string,
): Record<string, unknown> {
  const distinct = [...new Set(lambdas)].sort((a, b) => a - b);
  const positive = distinct.filter((l) => l > 0);
  const hasZero = distinct[0] === 0;
  const scale = hasZero
    ? { type: "symlog", constant: positive.length > 0 ? positive[0] : 1, nice: false }
    : { type: "log", nice: false };
  const axis: Record<string, unknown> = { format: ".2~g", labelOverlap: "greedy" };
  if (distinct.length <= 12) axis.values = distinct;
  return { field, type: "quantitative", title, scale, axis };
}
