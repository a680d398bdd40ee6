/**
 * Seeded synthetic data sets (moons, circles, spirals, XOR, Gaussian blobs, noisy 1-D
 * regression, groups of correlated features) and the conversions the lessons need: tfjs
 * tensors for training, nodejs-polars DataFrames for tables and charts, and row subsets.
 *
 * Every generator takes an optional `seed`: the same seed gives the same data set; without
 * one, lib draws the next seed from its global stream (see `setSeed` in `random.ts`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import { _seedOr, makeRng } from "./random.ts";

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

const TASKS: readonly Task[] = ["binary", "multiclass", "regression"];

/** Formats a value for an error message. */
export function _show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    return value.length > 6 ? `an array of length ${value.length}` : JSON.stringify(value);
  }
  if (typeof value === "function") return "a function";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

/** Checks that `n` is a positive integer (an example count) and returns it. */
export function _checkCount(n: unknown, name = "n"): number {
  if (typeof n !== "number") {
    throw new TypeError(`${name} must be a positive integer, got ${_show(n)}`);
  }
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${n}`);
  }
  return n;
}

/** Checks that `value` is a finite number >= 0 (a noise level or a standard deviation). */
export function _checkNonNegative(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a finite number >= 0, got ${_show(value)}`);
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** Checks that `value` is an integer >= `min` and returns it. */
function _checkIntAtLeast(value: unknown, name: string, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be an integer >= ${min}, got ${_show(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** Checks that `value` is a finite number. */
function _checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a finite number, got ${_show(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${value}`);
  }
  return value;
}

/** Checks that `value` is an interval `[lo, hi]` of finite numbers with lo < hi. */
function _checkInterval(value: unknown, name: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${name} must be an array [lo, hi] of two numbers, got ${_show(value)}`);
  }
  const lo = _checkFinite(value[0], `${name}[0]`);
  const hi = _checkFinite(value[1], `${name}[1]`);
  if (!(lo < hi)) {
    throw new RangeError(`${name} must satisfy lo < hi, got [${lo}, ${hi}]`);
  }
  return [lo, hi];
}

/** Splits `n` into `k` counts that differ by at most one (the first `n % k` get one more). */
export function _evenCounts(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0));
}

/** `num` evenly spaced values from `start` to `stop` (like numpy's `linspace`). */
function _linspace(start: number, stop: number, num: number, endpoint = true): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (endpoint ? num - 1 : num);
  return Array.from({ length: num }, (_, i) => start + i * step);
}

/** Shuffles clean rows and labels together, then adds Gaussian noise of std `noise`. */
function _finish(
  rows: number[][],
  labels: number[],
  noise: number,
  rng: ReturnType<typeof makeRng>,
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
function _xNames(d: number): string[] {
  return Array.from({ length: d }, (_, j) => `x${j + 1}`);
}

/**
 * Checks that `ds` is a consistent {@link Dataset}: one label per row, every row as long as
 * `featureNames`, finite numbers, distinct column names, labels valid for the task.
 * Empty data sets (no rows) are allowed.
 */
export function _checkDataset(ds: unknown, name = "ds"): Dataset {
  if (ds === null || typeof ds !== "object") {
    throw new TypeError(`${name} must be a Dataset object, got ${_show(ds)}`);
  }
  const d = ds as Partial<Dataset>;
  if (!Array.isArray(d.X)) {
    throw new TypeError(`${name}.X must be an array of rows, got ${_show(d.X)}`);
  }
  if (!Array.isArray(d.y)) throw new TypeError(`${name}.y must be an array, got ${_show(d.y)}`);
  if (!Array.isArray(d.featureNames) || d.featureNames.some((f) => typeof f !== "string")) {
    throw new TypeError(
      `${name}.featureNames must be an array of strings, got ${_show(d.featureNames)}`,
    );
  }
  if (d.featureNames.length === 0) {
    throw new RangeError(`${name}.featureNames must name at least one feature, got []`);
  }
  if (new Set(d.featureNames).size !== d.featureNames.length) {
    throw new RangeError(
      `${name}.featureNames must be distinct, got ${JSON.stringify(d.featureNames)}`,
    );
  }
  if (typeof d.targetName !== "string") {
    throw new TypeError(`${name}.targetName must be a string, got ${_show(d.targetName)}`);
  }
  if (d.featureNames.includes(d.targetName)) {
    throw new RangeError(
      `${name}.targetName must differ from every feature name, got ${_show(d.targetName)}`,
    );
  }
  if (!TASKS.includes(d.task as Task)) {
    throw new RangeError(
      `${name}.task must be "binary", "multiclass" or "regression", got ${_show(d.task)}`,
    );
  }
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
      throw new TypeError(`${name}.X[${i}] must be an array of numbers, got ${_show(row)}`);
    }
    if (row.length !== width) {
      throw new RangeError(
        `${name}.X[${i}] must have ${width} entries (one per feature name), got ${row.length}`,
      );
    }
    for (let j = 0; j < width; j++) {
      if (typeof row[j] !== "number" || !Number.isFinite(row[j])) {
        throw new RangeError(`${name}.X[${i}][${j}] must be a finite number, got ${_show(row[j])}`);
      }
    }
  }
  if (d.classNames !== undefined) {
    if (!Array.isArray(d.classNames) || d.classNames.some((c) => typeof c !== "string")) {
      throw new TypeError(
        `${name}.classNames must be an array of strings, got ${_show(d.classNames)}`,
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
        throw new RangeError(`${name}.y[${i}] must be a finite number, got ${_show(v)}`);
      }
    } else if (!Number.isInteger(v) || v < 0 || (k !== undefined && v >= k)) {
      const allowed = k === undefined ? "an integer >= 0" : `an integer in [0, ${k - 1}]`;
      throw new RangeError(
        `${name}.y[${i}] must be a class index, ${allowed} for task "${d.task}", got ${_show(v)}`,
      );
    }
  }
  return d as Dataset;
}

/** Options of {@link makeMoons}. */
export interface MoonsOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate. @default 0.1 */
  noise?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Two interleaving half circles, like scikit-learn's `make_moons`. Class 0 ("upper moon")
 * lies on the unit circle around (0, 0), x = (cos t, sin t); class 1 ("lower moon") on the
 * unit circle around (1, 0.5), x = (1 − cos t, 0.5 − sin t); t takes ⌊n/2⌋ (class 0) and
 * ⌈n/2⌉ (class 1) evenly spaced values in [0, π]. The rows are shuffled, then each
 * coordinate gets noise ε ~ N(0, noise²). Under one seed the noise-free points and their
 * order are the same for every noise level.
 *
 * @param n Number of examples, a positive integer.
 * @param options Noise level and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example 200 noisy moons, 100 per class
 * ```ts
 * import { makeMoons } from "./datasets.ts";
 * const ds = makeMoons(200, { noise: 0.2, seed: 1 });
 * if (ds.X.length !== 200 || ds.y.filter((c) => c === 1).length !== 100) throw new Error();
 * ```
 */
export function makeMoons(n: number, options: MoonsOptions = {}): Dataset {
  _checkCount(n);
  const noise = _checkNonNegative(options.noise ?? 0.1, "noise");
  const rng = makeRng(_seedOr(options.seed));
  const nUpper = Math.floor(n / 2);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const t of nUpper > 0 ? _linspace(0, Math.PI, nUpper) : []) {
    rows.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of _linspace(0, Math.PI, n - nUpper)) {
    rows.push([1 - Math.cos(t), 0.5 - Math.sin(t)]);
    labels.push(1);
  }
  const { X, y } = _finish(rows, labels, noise, rng);
  return {
    X,
    y,
    featureNames: ["x1", "x2"],
    targetName: "label",
    classNames: ["upper moon", "lower moon"],
    task: "binary",
  };
}

/** Options of {@link makeCircles}. */
export interface CirclesOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate. @default 0.1 */
  noise?: number;
  /** Radius of the inner circle relative to the outer one, in [0, 1). @default 0.5 */
  factor?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Two concentric circles, like scikit-learn's `make_circles`: class 0 ("outer") on the unit
 * circle, class 1 ("inner") on the circle of radius `factor`, ⌊n/2⌋ and ⌈n/2⌉ points at
 * evenly spaced angles; rows shuffled, then noise ε ~ N(0, noise²) on each coordinate.
 *
 * @param n Number of examples, a positive integer.
 * @param options Noise level, inner radius and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example The inner circle is closer to the origin
 * ```ts
 * import { makeCircles } from "./datasets.ts";
 * const ds = makeCircles(100, { noise: 0, factor: 0.3, seed: 2 });
 * const r = ds.X.map(([a, b]) => Math.hypot(a, b));
 * if (!ds.y.every((c, i) => Math.abs(r[i] - (c === 1 ? 0.3 : 1)) < 1e-12)) throw new Error();
 * ```
 */
export function makeCircles(n: number, options: CirclesOptions = {}): Dataset {
  _checkCount(n);
  const noise = _checkNonNegative(options.noise ?? 0.1, "noise");
  const factor = options.factor ?? 0.5;
  if (typeof factor !== "number" || !(factor >= 0 && factor < 1)) {
    throw new RangeError(`factor must be in [0, 1), got ${_show(factor)}`);
  }
  const rng = makeRng(_seedOr(options.seed));
  const nOuter = Math.floor(n / 2);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const t of nOuter > 0 ? _linspace(0, 2 * Math.PI, nOuter, false) : []) {
    rows.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of _linspace(0, 2 * Math.PI, n - nOuter, false)) {
    rows.push([factor * Math.cos(t), factor * Math.sin(t)]);
    labels.push(1);
  }
  const { X, y } = _finish(rows, labels, noise, rng);
  return {
    X,
    y,
    featureNames: ["x1", "x2"],
    targetName: "label",
    classNames: ["outer", "inner"],
    task: "binary",
  };
}

/** Options of {@link makeSpirals}. */
export interface SpiralsOptions {
  /** Number of arms, one class each, an integer >= 2. @default 2 */
  numClasses?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. @default 0.1 */
  noise?: number;
  /** Turns each arm makes from the centre to radius 1, a number > 0. @default 1 */
  turns?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Interleaved spiral arms, one per class. Arm c holds m_c points (the m_c differ by at most
 * one) at radii r_i = (i + 1)/m_c and angles θ_i = 2π·turns·r_i + 2πc/K, i.e.
 * x = r_i (cos θ_i, sin θ_i); rows shuffled, then noise ε ~ N(0, noise²) on each coordinate.
 *
 * @param n Number of examples, a positive integer >= numClasses.
 * @param options Number of arms, noise, turns and seed.
 * @returns A data set with features x1, x2 and target "label": binary for two arms,
 *   multiclass for more.
 *
 * @example Three arms of 50 points
 * ```ts
 * import { makeSpirals } from "./datasets.ts";
 * const ds = makeSpirals(150, { numClasses: 3, seed: 3 });
 * if (ds.task !== "multiclass" || ds.y.filter((c) => c === 2).length !== 50) throw new Error();
 * ```
 */
export function makeSpirals(n: number, options: SpiralsOptions = {}): Dataset {
  _checkCount(n);
  const k = _checkIntAtLeast(options.numClasses ?? 2, "numClasses", 2);
  if (n < k) {
    throw new RangeError(
      `n must be at least numClasses (${k}) so that every arm has a point, got ${n}`,
    );
  }
  const noise = _checkNonNegative(options.noise ?? 0.1, "noise");
  const turns = options.turns ?? 1;
  if (typeof turns !== "number" || !Number.isFinite(turns) || turns <= 0) {
    throw new RangeError(`turns must be a finite number > 0, got ${_show(turns)}`);
  }
  const rng = makeRng(_seedOr(options.seed));
  const rows: number[][] = [];
  const labels: number[] = [];
  _evenCounts(n, k).forEach((m, c) => {
    for (let i = 0; i < m; i++) {
      const r = (i + 1) / m;
      const theta = 2 * Math.PI * turns * r + (2 * Math.PI * c) / k;
      rows.push([r * Math.cos(theta), r * Math.sin(theta)]);
      labels.push(c);
    }
  });
  const { X, y } = _finish(rows, labels, noise, rng);
  return {
    X,
    y,
    featureNames: ["x1", "x2"],
    targetName: "label",
    classNames: Array.from({ length: k }, (_, c) => `arm ${c}`),
    task: k === 2 ? "binary" : "multiclass",
  };
}

/** Options of {@link makeXor}. */
export interface XorOptions {
  /**
   * Spread of the points. With "gaussian", the standard deviation of each cluster around
   * its centre (±1, ±1); with "uniform", the standard deviation of the Gaussian noise added
   * to points drawn uniformly in their quadrant of [−1, 1]².
   * @default 0.3 for "gaussian", 0.05 for "uniform"
   */
  noise?: number;
  /** How clean points are placed: at the four centres or uniformly in the quadrants. @default "gaussian" */
  distribution?: "gaussian" | "uniform";
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * The XOR problem: four groups, one per quadrant, with label 1 where the quadrant's signs
 * differ (x1·x2 < 0, "opposite sign") and 0 where they agree ("same sign"). No single line
 * separates the classes. The quadrants hold counts that differ by at most one, so the
 * classes do too.
 *
 * @param n Number of examples, a positive integer.
 * @param options Noise, distribution and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example Without noise the label is the sign test
 * ```ts
 * import { makeXor } from "./datasets.ts";
 * const ds = makeXor(100, { distribution: "uniform", noise: 0, seed: 4 });
 * if (!ds.X.every(([a, b], i) => ds.y[i] === (a * b < 0 ? 1 : 0))) throw new Error();
 * ```
 */
export function makeXor(n: number, options: XorOptions = {}): Dataset {
  _checkCount(n);
  const distribution = options.distribution ?? "gaussian";
  if (distribution !== "gaussian" && distribution !== "uniform") {
    throw new RangeError(
      `distribution must be "gaussian" or "uniform", got ${_show(distribution)}`,
    );
  }
  const noise = _checkNonNegative(
    options.noise ?? (distribution === "gaussian" ? 0.3 : 0.05),
    "noise",
  );
  const rng = makeRng(_seedOr(options.seed));
  // Quadrant signs in an order that alternates the label, so class counts differ by <= 1.
  const quadrants = [[1, 1], [1, -1], [-1, -1], [-1, 1]];
  const rows: number[][] = [];
  const labels: number[] = [];
  _evenCounts(n, 4).forEach((m, q) => {
    const [s1, s2] = quadrants[q];
    for (let i = 0; i < m; i++) {
      rows.push(distribution === "gaussian" ? [s1, s2] : [s1 * rng.next(), s2 * rng.next()]);
      labels.push(s1 * s2 < 0 ? 1 : 0);
    }
  });
  const { X, y } = _finish(rows, labels, noise, rng);
  return {
    X,
    y,
    featureNames: ["x1", "x2"],
    targetName: "label",
    classNames: ["same sign", "opposite sign"],
    task: "binary",
  };
}

/** Options of {@link makeBlobs}. */
export interface BlobsOptions {
  /**
   * The number of blobs (an integer >= 2; centres drawn uniformly in `centerBox` in each
   * dimension) or their coordinates (at least two rows of equal length).
   * @default 3
   */
  centers?: number | number[][];
  /** Standard deviation of each blob, one number or one per centre. @default 1 */
  std?: number | number[];
  /** Number of features when `centers` is a count. @default 2 */
  dim?: number;
  /** Range [lo, hi] of random centre coordinates when `centers` is a count. @default [-10, 10] */
  centerBox?: [number, number];
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Isotropic Gaussian blobs, like scikit-learn's `make_blobs`: blob c holds m_c points
 * (the m_c differ by at most one) drawn from N(μ_c, σ_c² I); rows shuffled.
 *
 * @param n Number of examples, a positive integer >= the number of centres.
 * @param options Centres, spreads, dimension and seed.
 * @returns A data set with features x1 … xd and target "label": binary for two blobs,
 *   multiclass for more.
 *
 * @example Two blobs at given centres
 * ```ts
 * import { makeBlobs } from "./datasets.ts";
 * const ds = makeBlobs(100, { centers: [[-2, 0], [2, 0]], std: 0.5, seed: 5 });
 * if (ds.task !== "binary" || ds.X[0].length !== 2) throw new Error();
 * ```
 */
export function makeBlobs(n: number, options: BlobsOptions = {}): Dataset {
  _checkCount(n);
  const centersOption = options.centers ?? 3;
  const seed = _seedOr(options.seed);
  let centers: number[][];
  if (typeof centersOption === "number") {
    if (!Number.isInteger(centersOption) || centersOption < 2) {
      throw new RangeError(
        `centers must be an integer >= 2 or an array of at least 2 centres, got ${centersOption}`,
      );
    }
    const dim = _checkCount(options.dim ?? 2, "dim");
    const [lo, hi] = _checkInterval(options.centerBox ?? [-10, 10], "centerBox");
    const boxRng = makeRng(seed ^ 0x5bd1e995);
    centers = Array.from(
      { length: centersOption },
      () => Array.from({ length: dim }, () => lo + (hi - lo) * boxRng.next()),
    );
  } else if (Array.isArray(centersOption)) {
    if (centersOption.length < 2) {
      throw new RangeError(
        `centers must be an integer >= 2 or an array of at least 2 centres, got ${
          _show(centersOption)
        }`,
      );
    }
    const dim = Array.isArray(centersOption[0]) ? centersOption[0].length : 0;
    if (dim < 1) {
      throw new TypeError(
        `centers[0] must be an array of at least one coordinate, got ${_show(centersOption[0])}`,
      );
    }
    centers = centersOption.map((c, i) => {
      if (!Array.isArray(c) || c.length !== dim) {
        throw new RangeError(
          `centers[${i}] must have ${dim} coordinates like centers[0], got ${_show(c)}`,
        );
      }
      return c.map((v, j) => _checkFinite(v, `centers[${i}][${j}]`));
    });
    if (options.dim !== undefined && options.dim !== dim) {
      throw new RangeError(
        `dim must match the centres' ${dim} coordinates when centers are given, got ${
          _show(options.dim)
        }`,
      );
    }
  } else {
    throw new TypeError(
      `centers must be an integer >= 2 or an array of centres, got ${_show(centersOption)}`,
    );
  }
  const k = centers.length;
  if (n < k) {
    throw new RangeError(`n must be at least the number of centres (${k}), got ${n}`);
  }
  const stdOption = options.std ?? 1;
  let stds: number[];
  if (Array.isArray(stdOption)) {
    if (stdOption.length !== k) {
      throw new RangeError(
        `std must be one number or one per centre (${k}), got an array of length ${stdOption.length}`,
      );
    }
    stds = stdOption.map((s, i) => _checkNonNegative(s, `std[${i}]`));
  } else {
    stds = Array(k).fill(_checkNonNegative(stdOption, "std"));
  }
  const rng = makeRng(seed);
  const labels = _evenCounts(n, k).flatMap((m, c) => Array<number>(m).fill(c));
  const y = rng.shuffle(labels);
  const X = y.map((c) => centers[c].map((mu) => mu + stds[c] * rng.normal()));
  return {
    X,
    y,
    featureNames: _xNames(centers[0].length),
    targetName: "label",
    classNames: Array.from({ length: k }, (_, c) => `blob ${c}`),
    task: k === 2 ? "binary" : "multiclass",
  };
}

/** Options of {@link makeRegression1d}. */
export interface Regression1dOptions {
  /** Standard deviation of the Gaussian noise added to f(x). @default 0.2 */
  noise?: number;
  /** The noise-free function f. @default Math.sin */
  fn?: (x: number) => number;
  /** Interval [lo, hi] from which x is drawn uniformly. @default [-3, 3] */
  xRange?: [number, number];
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Noisy 1-D regression: x ~ U(lo, hi), y = f(x) + ε with ε ~ N(0, noise²) and, by default,
 * f = sin. All x are drawn before any noise, so under one seed the inputs are the same for
 * every noise level.
 *
 * @param n Number of examples, a positive integer.
 * @param options Noise, function, input range and seed.
 * @returns A regression data set with feature "x" and target "y".
 *
 * @example Without noise, y is f(x)
 * ```ts
 * import { makeRegression1d } from "./datasets.ts";
 * const ds = makeRegression1d(50, { noise: 0, fn: (x) => x * x, seed: 6 });
 * if (!ds.X.every(([x], i) => ds.y[i] === x * x)) throw new Error();
 * ```
 */
export function makeRegression1d(n: number, options: Regression1dOptions = {}): Dataset {
  _checkCount(n);
  const noise = _checkNonNegative(options.noise ?? 0.2, "noise");
  const fn = options.fn ?? Math.sin;
  if (typeof fn !== "function") {
    throw new TypeError(`fn must be a function of one number, got ${_show(fn)}`);
  }
  const [lo, hi] = _checkInterval(options.xRange ?? [-3, 3], "xRange");
  const rng = makeRng(_seedOr(options.seed));
  const xs = Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  const y = xs.map((x) => {
    const fx = fn(x);
    if (typeof fx !== "number" || !Number.isFinite(fx)) {
      throw new RangeError(`fn must return finite numbers, got ${_show(fx)} at x = ${x}`);
    }
    return fx;
  });
  if (noise > 0) {
    for (let i = 0; i < n; i++) y[i] += noise * rng.normal();
  }
  return {
    X: xs.map((x) => [x]),
    y,
    featureNames: ["x"],
    targetName: "y",
    task: "regression",
  };
}

/** Options of {@link makeCorrelated}. */
export interface CorrelatedOptions {
  /** Number of groups of correlated features, an integer >= 1. @default 2 */
  groups?: number;
  /** Features in each group, an integer >= 1. @default 2 */
  groupSize?: number;
  /** Correlation ρ between two features of the same group, in [0, 1]. @default 0.9 */
  correlation?: number;
  /** Extra features, independent of everything, that the target does not use. @default 0 */
  numIrrelevant?: number;
  /** Weight βg of each group's hidden factor in the target, one per group. @default all 1 */
  coefficients?: number[];
  /** `"binary"`: y = 1 when the score is positive; `"regression"`: y is the score. @default "binary" */
  task?: "binary" | "regression";
  /** Standard deviation of the Gaussian noise added to the score. @default 0.5 */
  noise?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

/**
 * Groups of correlated features, for the grouping effect of elastic net. Each group g has a
 * hidden factor zg ~ N(0, 1); its k-th feature is
 * x_g,k = √ρ·zg + √(1 − ρ)·e_g,k with independent e_g,k ~ N(0, 1), so every feature has
 * variance 1, two features of one group have correlation ρ, and features of different groups
 * are independent. Irrelevant features are independent N(0, 1) draws. The score is
 * s = Σg βg·zg + ε with ε ~ N(0, noise²); the target is 1[s > 0] (binary) or s (regression).
 * Every feature of a group carries the same information about the target, so no feature is
 * "the right one" to keep. Names: `g1_1, g1_2, …, g2_1, …`, then `irrelevant_1, …`.
 *
 * @param n Number of examples, a positive integer.
 * @param options Groups, group size, correlation, irrelevant features, coefficients, task,
 *   noise and seed.
 * @returns A binary (class names "negative", "positive") or regression data set.
 *
 * @example Two perfectly correlated copies: the binary label is the sign of either
 * ```ts
 * import { makeCorrelated } from "./datasets.ts";
 * const ds = makeCorrelated(100, { groups: 1, correlation: 1, noise: 0, seed: 3 });
 * if (!ds.X.every(([a, b], i) => a === b && ds.y[i] === (a > 0 ? 1 : 0))) throw new Error();
 * ```
 */
export function makeCorrelated(n: number, options: CorrelatedOptions = {}): Dataset {
  _checkCount(n);
  const groups = _checkIntAtLeast(options.groups ?? 2, "groups", 1);
  const groupSize = _checkIntAtLeast(options.groupSize ?? 2, "groupSize", 1);
  const rho = options.correlation ?? 0.9;
  if (typeof rho !== "number" || !(rho >= 0 && rho <= 1)) {
    throw new RangeError(`correlation must be a number in [0, 1], got ${_show(rho)}`);
  }
  const numIrrelevant = _checkIntAtLeast(options.numIrrelevant ?? 0, "numIrrelevant", 0);
  const coefficients = options.coefficients ?? Array<number>(groups).fill(1);
  if (!Array.isArray(coefficients) || coefficients.length !== groups) {
    throw new RangeError(
      `coefficients must hold one number per group (${groups}), got ${_show(coefficients)}`,
    );
  }
  coefficients.forEach((b, g) => _checkFinite(b, `coefficients[${g}]`));
  const task = options.task ?? "binary";
  if (task !== "binary" && task !== "regression") {
    throw new RangeError(`task must be "binary" or "regression", got ${_show(task)}`);
  }
  const noise = _checkNonNegative(options.noise ?? 0.5, "noise");
  const rng = makeRng(_seedOr(options.seed));
  const a = Math.sqrt(rho), b = Math.sqrt(1 - rho);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    let score = 0;
    for (let g = 0; g < groups; g++) {
      const z = rng.normal();
      score += coefficients[g] * z;
      for (let k = 0; k < groupSize; k++) row.push(a * z + (b > 0 ? b * rng.normal() : 0));
    }
    for (let m = 0; m < numIrrelevant; m++) row.push(rng.normal());
    if (noise > 0) score += noise * rng.normal();
    X.push(row);
    y.push(task === "binary" ? (score > 0 ? 1 : 0) : score);
  }
  const featureNames = [
    ...Array.from(
      { length: groups * groupSize },
      (_, j) => `g${Math.floor(j / groupSize) + 1}_${(j % groupSize) + 1}`,
    ),
    ...Array.from({ length: numIrrelevant }, (_, m) => `irrelevant_${m + 1}`),
  ];
  const ds: Dataset = { X, y, featureNames, targetName: task === "binary" ? "label" : "y", task };
  if (task === "binary") ds.classNames = ["negative", "positive"];
  return ds;
}

/** Number of classes of a classification data set (from classNames, else the largest label). */
function _numClasses(ds: Dataset): number {
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
 * @example
 * ```ts
 * import { makeSpirals, toTensors } from "./datasets.ts";
 * const { X, y } = toTensors(makeSpirals(30, { numClasses: 3, seed: 1 }));
 * if (X.shape.join() !== "30,2" || y.shape.join() !== "30,3") throw new Error();
 * X.dispose();
 * y.dispose();
 * ```
 */
export function toTensors(ds: Dataset): { X: tf.Tensor2D; y: tf.Tensor2D } {
  _checkDataset(ds);
  const n = ds.X.length;
  const d = ds.featureNames.length;
  const xs = new Float32Array(n * d);
  ds.X.forEach((row, i) => xs.set(row, i * d));
  let ys: Float32Array;
  let width = 1;
  if (ds.task === "multiclass") {
    width = _numClasses(ds);
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

/**
 * Converts a data set to a nodejs-polars DataFrame: one Float64 column per feature name,
 * then the target column (Int32 class indices, or Float64 regression targets).
 *
 * @param ds The data set.
 * @param options Optional class-name column.
 * @returns A DataFrame with n rows.
 *
 * @example
 * ```ts
 * import { makeMoons, toDataFrame } from "./datasets.ts";
 * const df = toDataFrame(makeMoons(10, { seed: 1 }), { classColumn: "class" });
 * if (df.columns.join() !== "x1,x2,label,class" || df.height !== 10) throw new Error();
 * ```
 */
export function toDataFrame(ds: Dataset, options: ToDataFrameOptions = {}): pl.DataFrame {
  _checkDataset(ds);
  const columns: pl.Series[] = ds.featureNames.map((name, j) =>
    pl.Series(name, ds.X.map((row) => row[j]), pl.Float64)
  );
  const classification = ds.task !== "regression";
  columns.push(pl.Series(ds.targetName, ds.y, classification ? pl.Int32 : pl.Float64));
  const { classColumn } = options;
  if (classColumn !== undefined) {
    if (typeof classColumn !== "string") {
      throw new TypeError(`classColumn must be a string, got ${_show(classColumn)}`);
    }
    if (!classification) {
      throw new RangeError(
        `classColumn needs a classification data set, got task "${ds.task}" (leave it undefined)`,
      );
    }
    if (ds.featureNames.includes(classColumn) || classColumn === ds.targetName) {
      throw new RangeError(
        `classColumn must differ from the existing column names, got ${_show(classColumn)}`,
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
 * @example
 * ```ts
 * import { makeMoons, subset } from "./datasets.ts";
 * const ds = makeMoons(20, { seed: 1 });
 * const part = subset(ds, [3, 0]);
 * if (part.X[1][0] !== ds.X[0][0] || part.y[0] !== ds.y[3]) throw new Error();
 * ```
 */
export function subset(ds: Dataset, indices: readonly number[]): Dataset {
  _checkDataset(ds);
  _checkIndices(indices, ds.X.length);
  const out: Dataset = {
    X: indices.map((i) => ds.X[i].slice()),
    y: indices.map((i) => ds.y[i]),
    featureNames: ds.featureNames.slice(),
    targetName: ds.targetName,
    task: ds.task,
  };
  if (ds.classNames !== undefined) out.classNames = ds.classNames.slice();
  return out;
}

/** Checks that `indices` is an array of integers in [0, n − 1]. */
export function _checkIndices(indices: unknown, n: number, name = "indices"): number[] {
  if (!Array.isArray(indices)) {
    throw new TypeError(`${name} must be an array of row indices, got ${_show(indices)}`);
  }
  indices.forEach((i, pos) => {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
      const allowed = n > 0 ? `an integer in [0, ${n - 1}]` : "absent (the data set is empty)";
      throw new RangeError(`${name}[${pos}] must be ${allowed}, got ${_show(i)}`);
    }
  });
  return indices;
}

/**
 * Stacks data sets with the same columns, classes and task into one, rows in order.
 *
 * @param parts Two or more data sets (one is allowed) with identical feature names, target
 *   name, class names and task.
 * @returns A new data set with all the rows of `parts`.
 *
 * @example
 * ```ts
 * import { concatDatasets, makeMoons, subset } from "./datasets.ts";
 * const ds = makeMoons(10, { seed: 1 });
 * const back = concatDatasets([subset(ds, [0, 1, 2]), subset(ds, [3, 4, 5, 6, 7, 8, 9])]);
 * if (back.y.join() !== ds.y.join()) throw new Error();
 * ```
 */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new RangeError(`parts must be a non-empty array of data sets, got ${_show(parts)}`);
  }
  parts.forEach((p, i) => _checkDataset(p, `parts[${i}]`));
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
  const out: Dataset = {
    X: parts.flatMap((p: Dataset) => p.X.map((row) => row.slice())),
    y: parts.flatMap((p: Dataset) => p.y),
    featureNames: first.featureNames.slice(),
    targetName: first.targetName,
    task: first.task,
  };
  if (first.classNames !== undefined) out.classNames = first.classNames.slice();
  return out;
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
 * @example
 * ```ts
 * import { makeMoons, toRecords } from "./datasets.ts";
 * const rows = toRecords(makeMoons(4, { seed: 1 }));
 * if (rows.length !== 4 || !("x1" in rows[0])) throw new Error();
 * ```
 */
export function toRecords(ds: Dataset): PointRecord[] {
  _checkDataset(ds);
  if (ds.featureNames.length !== 2) {
    throw new RangeError(
      `ds must have exactly 2 features to be drawn in the plane, got ${ds.featureNames.length}`,
    );
  }
  return ds.X.map((row, i) => ({ x1: row[0], x2: row[1], label: ds.y[i] }));
}
