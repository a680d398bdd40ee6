/**
 * The private side of the data modules (`datasets.ts`, `synthetic.ts`, `split.ts`,
 * `preprocessing.ts`, `tabular.ts`): the check that a value is a consistent data set, row
 * index checks, and the small helpers the generators share.
 *
 * @module
 */
import type { Dataset, Task } from "./datasets.ts";
import type { Rng } from "./random.ts";
import { checkOneOf, describe } from "./_validate.ts";

/** The tasks a data set can pose. */
const TASKS: readonly Task[] = ["binary", "multiclass", "regression"];

/**
 * Checks that `ds` is a consistent {@link Dataset}: one label per row, every row as long as
 * `featureNames`, finite numbers, distinct column names, labels valid for the task.
 * Empty data sets (no rows) are allowed.
 */
export function checkDataset(ds: unknown, name = "ds"): Dataset {
  if (ds === null || typeof ds !== "object") {
    throw new TypeError(`${name} must be a Dataset object, got ${describe(ds)}`);
  }
  const d = ds as Partial<Dataset>;
  if (!Array.isArray(d.X)) {
    throw new TypeError(`${name}.X must be an array of rows, got ${describe(d.X)}`);
  }
  if (!Array.isArray(d.y)) throw new TypeError(`${name}.y must be an array, got ${describe(d.y)}`);
  if (!Array.isArray(d.featureNames) || d.featureNames.some((f) => typeof f !== "string")) {
    throw new TypeError(
      `${name}.featureNames must be an array of strings, got ${describe(d.featureNames)}`,
    );
  }
  if (d.featureNames.length === 0) {
    throw new RangeError(`${name}.featureNames must name at least one feature, got []`);
  }
  if (new Set(d.featureNames).size !== d.featureNames.length) {
    throw new RangeError(`${name}.featureNames must be distinct, got ${describe(d.featureNames)}`);
  }
  if (typeof d.targetName !== "string") {
    throw new TypeError(`${name}.targetName must be a string, got ${describe(d.targetName)}`);
  }
  if (d.featureNames.includes(d.targetName)) {
    throw new RangeError(
      `${name}.targetName must differ from every feature name, got ${describe(d.targetName)}`,
    );
  }
  checkOneOf(d.task, `${name}.task`, TASKS);
  const n = d.X.length;
  if (d.y.length !== n) {
    throw new RangeError(
      `${name}.y must have one entry per row of ${name}.X (${n}), got ${d.y.length}`,
    );
  }
  const width = d.featureNames.length;
  for (let i = 0; i < n; i++) {
    const row = d.X[i];
    if (!Array.isArray(row)) {
      throw new TypeError(`${name}.X[${i}] must be an array of numbers, got ${describe(row)}`);
    }
    if (row.length !== width) {
      throw new RangeError(
        `${name}.X[${i}] must have ${width} entries (one per feature name), got ${row.length}`,
      );
    }
    for (let j = 0; j < width; j++) {
      if (typeof row[j] !== "number" || !Number.isFinite(row[j])) {
        throw new RangeError(
          `${name}.X[${i}][${j}] must be a finite number, got ${describe(row[j])}`,
        );
      }
    }
  }
  if (d.classNames !== undefined) {
    if (!Array.isArray(d.classNames) || d.classNames.some((c) => typeof c !== "string")) {
      throw new TypeError(
        `${name}.classNames must be an array of strings, got ${describe(d.classNames)}`,
      );
    }
    if (d.task === "binary" && d.classNames.length !== 2) {
      throw new RangeError(
        `${name}.classNames must have 2 entries for a binary task, got ${d.classNames.length}`,
      );
    }
  }
  const k = d.task === "binary" ? 2 : d.classNames?.length;
  for (let i = 0; i < n; i++) {
    const v = d.y[i];
    if (d.task === "regression") {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(`${name}.y[${i}] must be a finite number, got ${describe(v)}`);
      }
    } else if (!Number.isInteger(v) || v < 0 || (k !== undefined && v >= k)) {
      const allowed = k === undefined ? "an integer >= 0" : `an integer in [0, ${k - 1}]`;
      throw new RangeError(
        `${name}.y[${i}] must be a class index, ${allowed} for task "${d.task}", got ${
          describe(v)
        }`,
      );
    }
  }
  return d as Dataset;
}

/** Checks that `indices` is an array of row indices, integers in [0, n − 1]. */
export function checkIndices(indices: unknown, n: number, name = "indices"): number[] {
  if (!Array.isArray(indices)) {
    throw new TypeError(`${name} must be an array of row indices, got ${describe(indices)}`);
  }
  indices.forEach((i, pos) => {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
      const allowed = n > 0 ? `an integer in [0, ${n - 1}]` : "absent (the data set is empty)";
      throw new RangeError(`${name}[${pos}] must be ${allowed}, got ${describe(i)}`);
    }
  });
  return indices;
}

/**
 * A new data set with the rows `X` and targets `y` and the names, classes and task of `ds`
 * (`featureNames` replaces the feature names when given). Names are copied; rows are not.
 */
export function withRows(
  ds: Dataset,
  X: number[][],
  y: number[],
  featureNames: readonly string[] = ds.featureNames,
): Dataset {
  const out: Dataset = {
    X,
    y,
    featureNames: featureNames.slice(),
    targetName: ds.targetName,
    task: ds.task,
  };
  if (ds.classNames !== undefined) out.classNames = ds.classNames.slice();
  return out;
}

/** Splits `n` into `k` counts that differ by at most one (the first `n % k` get one more). */
export function evenCounts(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0));
}

/** `num` evenly spaced values from `start` to `stop` (like numpy's `linspace`). */
export function linspace(start: number, stop: number, num: number, endpoint = true): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (endpoint ? num - 1 : num);
  return Array.from({ length: num }, (_, i) => start + i * step);
}

/** Shuffles clean rows and labels together, then adds Gaussian noise of std `noise`. */
export function shuffleAndNoise(
  rows: number[][],
  labels: number[],
  noise: number,
  rng: Rng,
): { X: number[][]; y: number[] } {
  const order = rng.shuffle(rows.map((_, i) => i));
  const X = order.map((i) => rows[i].slice());
  const y = order.map((i) => labels[i]);
  if (noise > 0) {
    for (const row of X) {
      for (let j = 0; j < row.length; j++) row[j] += noise * rng.normal();
    }
  }
  return { X, y };
}

/** Column names x1, x2, …, xd. */
export function xNames(d: number): string[] {
  return Array.from({ length: d }, (_, j) => `x${j + 1}`);
}
