/**
 * The {@link Dataset} type every lesson passes around (features and targets as plain arrays,
 * with their names and the task) and its conversions: tfjs tensors for training
 * ({@link toTensors}), nodejs-polars DataFrames for tables and charts ({@link toDataFrame}),
 * row subsets ({@link subset}, {@link concatDatasets}) and chart records ({@link toRecords}).
 *
 * The synthetic generators that make data sets are in `synthetic.ts`, the real tabular sets in
 * `tabular.ts`, splits in `split.ts` and standardization in `preprocessing.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import { checkDataset, checkIndices, withRows } from "./_dataset.ts";
import { checkNonEmptyArray, checkOptions, checkString, describe } from "./_validate.ts";

/** The learning task a data set poses. */
export type Task = "binary" | "multiclass" | "regression";

/**
 * A data set held as plain arrays: one row of `X` and one entry of `y` per example.
 *
 * For classification `y` holds class indices 0, 1, …, k − 1 (binary: 0 or 1) and
 * `classNames[c]` names class c; for regression `y` holds real targets.
 */
export interface Dataset {
  /** Features, one row per example, one column per entry of `featureNames`. */
  X: number[][];
  /** Targets: class indices for classification, real values for regression. */
  y: number[];
  /** Column names of `X`, e.g. `["x1", "x2"]`. */
  featureNames: string[];
  /** Name of the target column, e.g. `"label"` or `"y"`. */
  targetName: string;
  /** Class names for classification, indexed by label. */
  classNames?: string[];
  /** The learning task. */
  task: Task;
}

/** Number of classes of a classification data set (from classNames, else the largest label). */
function numClasses(ds: Dataset): number {
  if (ds.task === "binary") return 2;
  return ds.classNames?.length ?? ds.y.reduce((m, c) => Math.max(m, c + 1), 0);
}

/**
 * Converts a data set to float32 tensors for training. Binary labels and regression
 * targets become a column [n, 1]; multiclass labels become one-hot rows [n, k] with
 * k = classNames.length (or the largest label + 1). The caller owns (and disposes) both.
 *
 * @param ds The data set.
 * @returns `X` of shape [n, d] and `y` of shape [n, 1] or [n, k].
 *
 * @example Three spiral arms: one-hot targets
 * ```ts
 * import { toTensors } from "./datasets.ts";
 * import { makeSpirals } from "./synthetic.ts";
 * const { X, y } = toTensors(makeSpirals(30, { numClasses: 3, seed: 1 }));
 * if (X.shape.join() !== "30,2" || y.shape.join() !== "30,3") throw new Error();
 * X.dispose();
 * y.dispose();
 * ```
 */
export function toTensors(ds: Dataset): { X: tf.Tensor2D; y: tf.Tensor2D } {
  checkDataset(ds);
  const n = ds.X.length;
  const d = ds.featureNames.length;
  const xs = new Float32Array(n * d);
  ds.X.forEach((row, i) => xs.set(row, i * d));
  let ys: Float32Array;
  let width = 1;
  if (ds.task === "multiclass") {
    width = numClasses(ds);
    ys = new Float32Array(n * width);
    ds.y.forEach((c, i) => (ys[i * width + c] = 1));
  } else {
    ys = Float32Array.from(ds.y);
  }
  return { X: tf.tensor2d(xs, [n, d], "float32"), y: tf.tensor2d(ys, [n, width], "float32") };
}

/** Options of {@link toDataFrame}. */
export interface ToDataFrameOptions {
  /**
   * Name of an extra string column holding each row's class name (classification only).
   * @default no such column
   */
  classColumn?: string;
}

const TO_DATA_FRAME_OPTIONS: readonly (keyof ToDataFrameOptions)[] = ["classColumn"];

/**
 * Converts a data set to a nodejs-polars DataFrame: one Float64 column per feature name,
 * then the target column (Int32 class indices, or Float64 regression targets).
 *
 * @param ds The data set.
 * @param options Optional class-name column.
 * @returns A DataFrame with n rows.
 *
 * @example Moons as a table with a class-name column
 * ```ts
 * import { toDataFrame } from "./datasets.ts";
 * import { makeMoons } from "./synthetic.ts";
 * const df = toDataFrame(makeMoons(10, { seed: 1 }), { classColumn: "class" });
 * if (df.columns.join() !== "x1,x2,label,class" || df.height !== 10) throw new Error();
 * ```
 */
export function toDataFrame(ds: Dataset, options?: ToDataFrameOptions): pl.DataFrame {
  checkDataset(ds);
  const { classColumn } = checkOptions(options, TO_DATA_FRAME_OPTIONS);
  const columns: pl.Series[] = ds.featureNames.map((name, j) =>
    pl.Series(name, ds.X.map((row) => row[j]), pl.Float64)
  );
  const classification = ds.task !== "regression";
  columns.push(pl.Series(ds.targetName, ds.y, classification ? pl.Int32 : pl.Float64));
  if (classColumn !== undefined) {
    checkString(classColumn, "classColumn");
    if (!classification) {
      throw new RangeError(
        `classColumn needs a classification data set, got task "${ds.task}" (leave it undefined)`,
      );
    }
    if (ds.featureNames.includes(classColumn) || classColumn === ds.targetName) {
      throw new RangeError(
        `classColumn must differ from the existing column names, got ${describe(classColumn)}`,
      );
    }
    const names = ds.classNames ?? [];
    columns.push(pl.Series(classColumn, ds.y.map((c) => names[c] ?? String(c)), pl.Utf8));
  }
  return pl.DataFrame(columns);
}

/**
 * The rows of a data set at the given indices, in that order (repeats allowed), with the
 * same names, classes and task. Rows are copied.
 *
 * @param ds The data set.
 * @param indices Row indices, integers in [0, n − 1].
 * @returns A new data set with `indices.length` rows.
 *
 * @example Two rows, in the order asked for
 * ```ts
 * import { subset } from "./datasets.ts";
 * import { makeMoons } from "./synthetic.ts";
 * const ds = makeMoons(20, { seed: 1 });
 * const part = subset(ds, [3, 0]);
 * if (part.X[1][0] !== ds.X[0][0] || part.y[0] !== ds.y[3]) throw new Error();
 * ```
 */
export function subset(ds: Dataset, indices: readonly number[]): Dataset {
  checkDataset(ds);
  checkIndices(indices, ds.X.length);
  return withRows(ds, indices.map((i) => ds.X[i].slice()), indices.map((i) => ds.y[i]));
}

/**
 * Stacks data sets with the same columns, classes and task into one, rows in order.
 *
 * @param parts Two or more data sets (one is allowed) with identical feature names, target
 *   name, class names and task.
 * @returns A new data set with all the rows of `parts`.
 *
 * @example Two parts stacked back into the whole
 * ```ts
 * import { concatDatasets, subset } from "./datasets.ts";
 * import { makeMoons } from "./synthetic.ts";
 * const ds = makeMoons(10, { seed: 1 });
 * const back = concatDatasets([subset(ds, [0, 1, 2]), subset(ds, [3, 4, 5, 6, 7, 8, 9])]);
 * if (back.y.join() !== ds.y.join()) throw new Error();
 * ```
 */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  checkNonEmptyArray<Dataset>(parts, "parts", "data sets");
  parts.forEach((p, i) => checkDataset(p, `parts[${i}]`));
  const first = parts[0];
  const signature = (d: Dataset) =>
    JSON.stringify([d.featureNames, d.targetName, d.classNames ?? null, d.task]);
  parts.forEach((p, i) => {
    if (signature(p) !== signature(first)) {
      throw new RangeError(
        `parts[${i}] must have the columns, classes and task of parts[0] (${
          signature(first)
        }), got ${signature(p)}`,
      );
    }
  });
  return withRows(
    first,
    parts.flatMap((p: Dataset) => p.X.map((row) => row.slice())),
    parts.flatMap((p: Dataset) => p.y),
  );
}

/** A row of a 2-D classification set as charts draw it. */
export interface PointRecord {
  /** First feature. */
  x1: number;
  /** Second feature. */
  x2: number;
  /** Class label (an integer), or the target for regression. */
  label: number;
}

/**
 * The rows of a data set with two features as `{x1, x2, label}` records, the shape the
 * scatter and decision-boundary charts take.
 *
 * @param ds A data set with exactly two features.
 * @returns One record per row.
 *
 * @example One record per row
 * ```ts
 * import { toRecords } from "./datasets.ts";
 * import { makeMoons } from "./synthetic.ts";
 * const rows = toRecords(makeMoons(4, { seed: 1 }));
 * if (rows.length !== 4 || !("x1" in rows[0])) throw new Error();
 * ```
 */
export function toRecords(ds: Dataset): PointRecord[] {
  checkDataset(ds);
  if (ds.featureNames.length !== 2) {
    throw new RangeError(
      `ds must have exactly 2 features to be drawn in the plane, got ${ds.featureNames.length}`,
    );
  }
  return ds.X.map((row, i) => ({ x1: row[0], x2: row[1], label: ds.y[i] }));
}
