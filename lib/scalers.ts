/**
 * Input normalization the way it is done in practice: a scaler is fitted on the training split
 * only ({@link fitScaler}) and the same statistics are then applied to every split, the dev and
 * test rows included, and to new inputs. Three kinds, as scikit-learn names them
 * `MinMaxScaler`, `StandardScaler` and `RobustScaler`:
 *
 * - `"minMax"`: x′ = (x − min)/(max − min), into [0, 1] (or lo + (hi − lo)·(x − min)/(max − min)
 *   into a given range [lo, hi]);
 * - `"zScore"`: x′ = (x − μ)/σ with the population standard deviation σ (divide by n, ddof 0);
 * - `"robust"`: x′ = (x − median)/IQR with IQR = Q3 − Q1, the quantiles interpolated linearly
 *   (numpy's default).
 *
 * A scaler takes and gives back plain rows (`number[][]`), a {@link Dataset}, a `tf.Tensor2D`
 * or a nodejs-polars DataFrame, and keeps its statistics per feature in `stats` for a table.
 * `standardize` in `preprocessing.ts` is the `"zScore"` scaler for data sets alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import type { Dataset } from "./datasets.ts";
import { checkDataset, withRows, xNames } from "./_dataset.ts";
import {
  checkFiniteValues,
  checkInterval,
  checkOneOf,
  checkOptions,
  checkString,
  checkTensor,
  describe,
  flattenRows,
  quoteList,
} from "./_validate.ts";

/** The kinds of scaler: min-max, z-score (standardization) and robust (median and IQR). */
export type ScalerKind = "minMax" | "zScore" | "robust";

/** The kinds {@link fitScaler} knows. */
const SCALER_KINDS: readonly ScalerKind[] = ["minMax", "zScore", "robust"];

/** What a scaler fits on and transforms: rows, a data set, a 2-D tensor or a DataFrame. */
export type ScalerInput =
  | readonly (readonly number[])[]
  | Dataset
  | tf.Tensor2D
  | pl.DataFrame;

/** Options of {@link fitScaler}. */
export interface ScalerOptions {
  /**
   * The output range [lo, hi] of a `"minMax"` scaler (lo < hi); not allowed for other kinds.
   * @default [0, 1]
   */
  featureRange?: readonly [number, number];
  /**
   * The features' names. Fitting on a DataFrame: the numeric columns to fit on (required, so
   * a target column is never scaled by accident). Fitting on rows or a tensor: the names of
   * their columns, which pick the columns out of a DataFrame later. Fitting on a data set: not
   * allowed (its `featureNames` are used).
   * @default x1, x2, …, xd for rows and tensors
   */
  columns?: readonly string[];
}

/** The option names ScalerOptions allows, for the misspelling check. */
const SCALER_OPTIONS = Object.keys(
  { featureRange: true, columns: true } satisfies Record<keyof ScalerOptions, true>,
);

/**
 * The statistics a scaler uses for one feature: the centre c and the scale s of x′ = (x − c)/s
 * (min-max: x′ = lo + (hi − lo)·(x − c)/s), and the statistics they come from. A constant
 * feature has spread 0; its scale is then 1, as in scikit-learn, so it is only shifted.
 */
export interface FeatureScaling {
  /** The feature's name. */
  feature: string;
  /** c: the minimum (`"minMax"`), the mean μ (`"zScore"`) or the median (`"robust"`). */
  center: number;
  /** s: max − min, σ or IQR = Q3 − Q1, or 1 where that spread is 0 (a constant feature). */
  scale: number;
  /** Smallest value (`"minMax"`). */
  min?: number;
  /** Largest value (`"minMax"`). */
  max?: number;
  /** Mean μ = (1/n) Σᵢ xᵢ (`"zScore"`). */
  mean?: number;
  /** Population standard deviation σ = √((1/n) Σᵢ (xᵢ − μ)²) (`"zScore"`, ddof 0). */
  std?: number;
  /** Median, the 0.5 quantile (`"robust"`). */
  median?: number;
  /** First quartile Q1, the 0.25 quantile (`"robust"`). */
  q1?: number;
  /** Third quartile Q3, the 0.75 quantile (`"robust"`). */
  q3?: number;
}

/**
 * A fitted scaler: its statistics (frozen, never changed by a transform) and the two maps.
 * Each map takes rows, a data set, a `tf.Tensor2D` or a DataFrame and returns a new value of
 * the same kind, with the same number of features the scaler was fitted on.
 */
export interface Scaler {
  /** The kind of scaler. */
  readonly kind: ScalerKind;
  /** The features' names (x1, …, xd when fitted on unnamed rows or a tensor). */
  readonly featureNames: readonly string[];
  /** How many rows the statistics came from: check it equals the training split's size. */
  readonly fittedOn: number;
  /** The output range [lo, hi] of a `"minMax"` scaler; undefined for other kinds. */
  readonly featureRange?: readonly [number, number];
  /** One record per feature, in order: centre, scale and the statistics behind them. */
  readonly stats: readonly Readonly<FeatureScaling>[];
  /**
   * Scales every feature: x′ = (x − c)/s (min-max: lo + (hi − lo)·(x − c)/s).
   *
   * @param X Rows, a data set (targets kept), a tensor (a new tensor the caller disposes) or a
   *   DataFrame (the feature columns, found by name, become Float64; other columns are kept).
   * @returns A new value of the same kind.
   */
  transform(X: readonly (readonly number[])[]): number[][];
  transform(X: Dataset): Dataset;
  transform(X: tf.Tensor2D): tf.Tensor2D;
  transform(X: pl.DataFrame): pl.DataFrame;
  transform(X: ScalerInput): ScalerInput;
  /**
   * Undoes {@link Scaler.transform}: x = c + s·x′ (min-max: c + s·(x′ − lo)/(hi − lo)).
   *
   * @param X Scaled rows, data set, tensor or DataFrame.
   * @returns A new value of the same kind, in the original units.
   */
  inverse(X: readonly (readonly number[])[]): number[][];
  inverse(X: Dataset): Dataset;
  inverse(X: tf.Tensor2D): tf.Tensor2D;
  inverse(X: pl.DataFrame): pl.DataFrame;
  inverse(X: ScalerInput): ScalerInput;
}

/** The structural test for a nodejs-polars DataFrame (no class to check with instanceof). */
function isFrame(value: unknown): value is pl.DataFrame {
  const v = value as Partial<pl.DataFrame> | null;
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    Array.isArray(v.columns) && typeof v.getColumn === "function" &&
    typeof v.withColumns === "function";
}

/** The structural test for a data set (rows in `X` and `featureNames`). */
function isDataset(value: unknown): value is Dataset {
  const v = value as Partial<Dataset> | null;
  return typeof v === "object" && v !== null && !Array.isArray(v) && "X" in v &&
    "featureNames" in v;
}

/** Values read from an input, row by row, and what they came from. */
interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
  /** Column names when the input carries them (data sets, DataFrames). */
  names?: string[];
}

const WHAT = "an array of rows, a Dataset, a tf.Tensor2D or a nodejs-polars DataFrame";

/** Reads a DataFrame's named columns as Float64 values (numeric, no nulls, finite). */
function readFrameColumns(df: pl.DataFrame, columns: readonly string[], name: string): Matrix {
  const rows = df.height;
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  columns.forEach((column, j) => {
    if (!df.columns.includes(column)) {
      throw new RangeError(
        `${name} must have a column ${describe(column)} (a feature of the scaler), got columns ${
          quoteList(df.columns)
        }`,
      );
    }
    const series = df.getColumn(column);
    if (!series.isNumeric()) {
      throw new TypeError(
        `${name} column ${describe(column)} must be numeric, got dtype ${
          String(series.dtype).replace(/^DataType\((.*)\)$/, "$1")
        }`,
      );
    }
    if (series.nullCount() > 0) {
      throw new RangeError(
        `${name} column ${describe(column)} must have no null values, got ${series.nullCount()}`,
      );
    }
    const values = series.cast(pl.Float64).toArray() as number[];
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      if (v - v !== 0) {
        throw new RangeError(
          `${name} has a non-finite value ${v} at row ${i}, column ${describe(column)}`,
        );
      }
      data[i * cols + j] = v;
    }
  });
  return { data, rows, cols, names: [...columns] };
}

/** Reads a tensor of rank 2 (float32 or int32) and checks its values are finite. */
function readTensor(X: unknown, name: string): Matrix {
  const t = checkTensor<tf.Tensor>(X, name);
  if (t.rank !== 2) {
    throw new RangeError(
      `${name} must be a tensor of rank 2 [rows, features], got shape [${t.shape.join(", ")}]`,
    );
  }
  if (t.dtype !== "float32" && t.dtype !== "int32") {
    throw new TypeError(`${name} must be a float32 or int32 tensor, got dtype ${t.dtype}`);
  }
  const [rows, cols] = t.shape;
  const data = Float64Array.from(t.dataSync() as Float32Array | Int32Array);
  checkFiniteValues(data, cols, name);
  return { data, rows, cols };
}

/** Reads plain rows; `cols` is the width they must have (from the first row when fitting). */
function readRows(X: readonly unknown[], name: string, cols: number | undefined): Matrix {
  const first = X[0];
  const width = cols ?? (Array.isArray(first) ? first.length : 0);
  if (X.length > 0 && Array.isArray(first) && first.length !== width) {
    throw new RangeError(
      `${name} must have ${width} columns (the features the scaler was fitted on), got rows of ${first.length}`,
    );
  }
  return { data: flattenRows(X, name, width), rows: X.length, cols: width };
}

/** The numpy-default ("linear") quantile of ascending `sorted` values: p in [0, 1]. */
function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The statistics of column j of a fitted matrix for the given kind. */
function columnScaling(m: Matrix, j: number, kind: ScalerKind, feature: string): FeatureScaling {
  const n = m.rows;
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) col[i] = m.data[i * m.cols + j];
  const orOne = (spread: number) => (spread > 0 ? spread : 1);
  if (kind === "minMax") {
    let min = Infinity, max = -Infinity;
    for (const v of col) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { feature, center: min, scale: orOne(max - min), min, max };
  }
  if (kind === "zScore") {
    let sum = 0;
    for (const v of col) sum += v;
    const mean = sum / n;
    let squares = 0;
    for (const v of col) squares += (v - mean) ** 2;
    const std = Math.sqrt(squares / n);
    return { feature, center: mean, scale: orOne(std), mean, std };
  }
  const sorted = col.sort();
  const median = quantileSorted(sorted, 0.5);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return { feature, center: median, scale: orOne(q3 - q1), median, q1, q3 };
}

/** Checks `columns`: distinct non-empty strings, `count` of them when a count is given. */
function checkColumns(value: unknown, count?: number): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(
      `options.columns must be a non-empty array of feature names, got ${describe(value)}`,
    );
  }
  const names = value.map((c, i) => checkString(c, `options.columns[${i}]`));
  if (new Set(names).size !== names.length) {
    throw new RangeError(`options.columns must not repeat a name, got ${describe(names)}`);
  }
  if (count !== undefined && names.length !== count) {
    throw new RangeError(
      `options.columns must name each of the ${count} columns of X, got ${names.length} names`,
    );
  }
  return names;
}

/**
 * Fits a scaler on one split (the training rows) and returns it, ready to apply the same
 * statistics to every split. Per feature j, with statistics from the fitted rows only:
 *
 * - `"minMax"`: x′ = (x − minⱼ)/(maxⱼ − minⱼ), in [0, 1] on the fitted rows; with
 *   `featureRange: [lo, hi]`, x′ = lo + (hi − lo)·(x − minⱼ)/(maxⱼ − minⱼ);
 * - `"zScore"`: x′ = (x − μⱼ)/σⱼ, μⱼ = (1/n) Σᵢ xᵢⱼ, σⱼ = √((1/n) Σᵢ (xᵢⱼ − μⱼ)²), the
 *   population standard deviation (ddof 0, like scikit-learn's `StandardScaler` and numpy's
 *   `std`; pandas' `.std()` divides by n − 1 and is larger by √(n/(n − 1)));
 * - `"robust"`: x′ = (x − medianⱼ)/IQRⱼ with IQRⱼ = Q3ⱼ − Q1ⱼ. The quantile p of n sorted
 *   values x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎ is interpolated linearly, numpy's default: h = (n − 1)·p,
 *   Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋₊₁₎ − x₍⌊h⌋₎). An outlier moves the median and the IQR
 *   much less than it moves μ, σ, min and max.
 *
 * A constant feature (spread max − min, σ or IQR equal to 0) gets scale 1, as in
 * scikit-learn: it is shifted by its centre and never divided by zero.
 *
 * @param kind `"minMax"`, `"zScore"` or `"robust"`.
 * @param X The rows to fit on (at least one, finite values): rows, a data set (its features;
 *   the target is left alone), a `tf.Tensor2D` (read, not disposed) or a DataFrame with
 *   `options.columns`.
 * @param options Output range (min-max) and feature names.
 * @returns A frozen {@link Scaler} with `transform`, `inverse`, `stats` and `fittedOn`.
 * @throws {RangeError} For an unknown kind, no rows, a non-finite value, or options that do
 *   not fit the kind or the input.
 *
 * @example Min-max scaling fitted on training rows, applied to a dev row
 * ```ts
 * import { fitScaler } from "./scalers.ts";
 * const scaler = fitScaler("minMax", [[0, 10], [5, 20], [10, 30]]);
 * const dev = scaler.transform([[2.5, 40]]);
 * // (2.5 − 0)/10 = 0.25 and (40 − 10)/20 = 1.5: dev rows may leave [0, 1]
 * if (dev[0][0] !== 0.25 || dev[0][1] !== 1.5 || scaler.fittedOn !== 3) throw new Error();
 * ```
 *
 * @example Robust scaling of a data set: the statistics for a table
 * ```ts
 * import { fitScaler } from "./scalers.ts";
 * import { trainTestSplit } from "./split.ts";
 * import { loadDiabetes } from "./tabular.ts";
 * const { train, test } = trainTestSplit(loadDiabetes().dataset, { testFrac: 0.2, seed: 1 });
 * const scaler = fitScaler("robust", train);
 * const testScaled = scaler.transform(test); // a new Dataset, targets unchanged
 * const bmi = scaler.stats[2]; // { feature: "bmi", center: median, scale: q3 − q1, … }
 * if (bmi.feature !== "bmi" || bmi.scale !== bmi.q3! - bmi.q1!) throw new Error();
 * if (scaler.fittedOn !== train.X.length || testScaled.y[0] !== test.y[0]) throw new Error();
 * ```
 */
export function fitScaler(kind: ScalerKind, X: ScalerInput, options?: ScalerOptions): Scaler {
  checkOneOf(kind, "kind", SCALER_KINDS);
  const opts = checkOptions(options, SCALER_OPTIONS);
  let featureRange: [number, number] | undefined;
  if (opts.featureRange !== undefined) {
    if (kind !== "minMax") {
      throw new RangeError(
        `options.featureRange applies to kind "minMax" only, got it with kind ${describe(kind)}`,
      );
    }
    featureRange = checkInterval(opts.featureRange, "options.featureRange");
  } else if (kind === "minMax") {
    featureRange = [0, 1];
  }
  let m: Matrix;
  let named = true;
  if (isFrame(X)) {
    if (opts.columns === undefined) {
      throw new TypeError(
        `options.columns must name the feature columns to fit on when X is a DataFrame, got undefined (the columns are ${
          quoteList(X.columns)
        })`,
      );
    }
    m = readFrameColumns(X, checkColumns(opts.columns), "X");
  } else if (isDataset(X)) {
    if (opts.columns !== undefined) {
      throw new RangeError(
        `options.columns must be left undefined for a Dataset (its featureNames name the features), got ${
          describe(opts.columns)
        }`,
      );
    }
    const ds = checkDataset(X, "X");
    const cols = ds.featureNames.length;
    m = { data: flattenRows(ds.X, "X.X", cols), rows: ds.X.length, cols, names: ds.featureNames };
  } else if (Array.isArray(X)) {
    m = readRows(X, "X", undefined);
    named = opts.columns !== undefined;
  } else if (X !== null && typeof X === "object" && "shape" in X) {
    m = readTensor(X, "X");
    named = opts.columns !== undefined;
  } else {
    throw new TypeError(`X must be ${WHAT}, got ${describe(X)}`);
  }
  if (m.rows === 0) throw new RangeError("X must have at least one row to fit on, got 0 rows");
  if (m.cols === 0) throw new RangeError("X must have at least one feature, got rows of 0 values");
  const names = m.names ??
    (opts.columns !== undefined ? checkColumns(opts.columns, m.cols) : xNames(m.cols));
  const stats = names.map((feature, j) => Object.freeze(columnScaling(m, j, kind, feature)));
  return makeScaler(kind, m.rows, Object.freeze([...names]), stats, featureRange, named);
}

/** Builds the frozen scaler object around fitted statistics. */
function makeScaler(
  kind: ScalerKind,
  fittedOn: number,
  featureNames: readonly string[],
  stats: readonly Readonly<FeatureScaling>[],
  featureRange: [number, number] | undefined,
  named: boolean,
): Scaler {
  const d = featureNames.length;
  const center = Float64Array.from(stats, (s) => s.center);
  const scale = Float64Array.from(stats, (s) => s.scale);
  const [lo, hi] = featureRange ?? [0, 1];
  const span = hi - lo;
  const forward = (v: number, j: number) => {
    const z = (v - center[j]) / scale[j];
    return featureRange === undefined ? z : lo + span * z;
  };
  const backward = (v: number, j: number) =>
    center[j] + scale[j] * (featureRange === undefined ? v : (v - lo) / span);

  /** Applies `f` to every value of X, giving back the same kind of value. */
  function apply(X: ScalerInput, f: (v: number, j: number) => number, name: string): ScalerInput {
    const mapRows = (data: Float64Array, rows: number) =>
      Array.from(
        { length: rows },
        (_, i) => Array.from({ length: d }, (_, j) => f(data[i * d + j], j)),
      );
    if (isFrame(X)) {
      const m = readFrameColumns(X, featureNames, name);
      const out = mapRows(m.data, m.rows);
      return X.withColumns(
        ...featureNames.map((c, j) => pl.Series(c, out.map((row) => row[j]), pl.Float64)),
      );
    }
    if (isDataset(X)) {
      const ds = checkDataset(X, name);
      if (ds.featureNames.length !== d) {
        throw new RangeError(
          `${name} must have ${d} features (the number the scaler was fitted on), got ${ds.featureNames.length}`,
        );
      }
      if (named && ds.featureNames.some((f, j) => f !== featureNames[j])) {
        throw new RangeError(
          `${name}.featureNames must be the features the scaler was fitted on, in order (${
            featureNames.join(", ")
          }), got ${ds.featureNames.join(", ")}`,
        );
      }
      return withRows(ds, mapRows(flattenRows(ds.X, `${name}.X`, d), ds.X.length), ds.y.slice());
    }
    if (Array.isArray(X)) {
      const m = readRows(X, name, d);
      return mapRows(m.data, m.rows);
    }
    if (X !== null && typeof X === "object" && "shape" in X) {
      const m = readTensor(X, name);
      if (m.cols !== d) {
        throw new RangeError(
          `${name} must have ${d} columns (the features the scaler was fitted on), got a tensor of shape [${m.rows}, ${m.cols}]`,
        );
      }
      const out = new Float32Array(m.rows * d);
      for (let k = 0; k < out.length; k++) out[k] = f(m.data[k], k % d);
      return tf.tensor2d(out, [m.rows, d], "float32");
    }
    throw new TypeError(`${name} must be ${WHAT}, got ${describe(X)}`);
  }

  const scaler = {
    kind,
    featureNames,
    fittedOn,
    ...(featureRange !== undefined ? { featureRange: Object.freeze(featureRange) } : {}),
    stats: Object.freeze([...stats]),
    transform: (X: ScalerInput) => apply(X, forward, "X"),
    inverse: (X: ScalerInput) => apply(X, backward, "X"),
  };
  return Object.freeze(scaler) as unknown as Scaler;
}
