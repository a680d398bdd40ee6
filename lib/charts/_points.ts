/**
 * Labelled 2-D points as the decision-boundary and scatter charts draw them: reading records
 * or a data set `{X, y}`, and the colours of the classes.
 *
 * @module
 */
import { checkFinite, checkObject, describe } from "../_validate.ts";
import { round } from "./_common.ts";
import type { LabeledPoint } from "./decision_boundary.ts";

/** Saturated colours for the two classes, matching the ends of the heat map. */
const CLASS_COLORS = ["#174a8b", "#a50f15"];
const MANY_CLASS_COLORS = ["#174a8b", "#a50f15", "#1b7837", "#762a83", "#e08214", "#35978f"];

/** The colours of `count` classes, in class order (blue and red for two). */
export function classColors(count: number): string[] {
  return count <= 2
    ? CLASS_COLORS.slice(0, count)
    : Array.from({ length: count }, (_, i) => MANY_CLASS_COLORS[i % MANY_CLASS_COLORS.length]);
}

/** Reads a panel's points (records or a data set) into records. */
export function readPoints(value: unknown, name: string): LabeledPoint[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) {
    return value.map((pt, k) => {
      const o = checkObject(pt, `${name}[${k}]`);
      const label = o.label;
      if (typeof label !== "number" && typeof label !== "string") {
        throw new TypeError(
          `${name}[${k}].label must be a number or a string, got ${describe(label)}`,
        );
      }
      return {
        x1: round(checkFinite(o.x1, `${name}[${k}].x1`)),
        x2: round(checkFinite(o.x2, `${name}[${k}].x2`)),
        label,
      };
    });
  }
  const set = checkObject(value, name);
  if (!Array.isArray(set.X) || !Array.isArray(set.y)) {
    throw new TypeError(
      `${name} must be an array of {x1, x2, label} or a data set {X, y}, got ${describe(value)}`,
    );
  }
  const X = set.X as unknown[], y = set.y as unknown[];
  if (X.length !== y.length) {
    throw new RangeError(
      `${name}.y must have one label per row of ${name}.X (${X.length}), got ${y.length}`,
    );
  }
  const classNames = set.classNames as string[] | undefined;
  return X.map((row, k) => {
    if (!Array.isArray(row) || row.length < 2) {
      throw new RangeError(
        `${name}.X[${k}] must be a row with at least 2 features, got ${describe(row)}`,
      );
    }
    const label = y[k];
    if (typeof label !== "number") {
      throw new TypeError(`${name}.y[${k}] must be a number, got ${describe(label)}`);
    }
    return {
      x1: round(checkFinite(row[0], `${name}.X[${k}][0]`)),
      x2: round(checkFinite(row[1], `${name}.X[${k}][1]`)),
      label: classNames?.[label] ?? label,
    };
  });
}
