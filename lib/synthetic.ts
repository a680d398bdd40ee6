/**
 * Seeded synthetic data sets: moons, circles, spirals, XOR, Gaussian blobs, noisy 1-D
 * regression and groups of correlated features, each a {@link Dataset} ready for
 * `toTensors` or `toDataFrame`.
 *
 * Every generator takes an optional `seed`: the same seed gives the same data set; without
 * one, lib draws the next seed from its global stream (see `setSeed` in `random.ts`).
 *
 * Sizes are limited, and checked before anything is drawn: at most 1000000 examples, 10000
 * features and 10⁷ values (examples × features) per data set.
 *
 * @module
 */
import type { Dataset } from "./datasets.ts";
import { makeRng } from "./random.ts";
import { evenCounts, linspace, shuffleAndNoise, xNames } from "./_dataset.ts";
import { seedOr } from "./_random.ts";
import {
  checkFinite,
  checkFunction,
  checkInRange,
  checkIntAtLeast,
  checkIntBetween,
  checkInterval,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  describe,
  LIMITS,
} from "./_validate.ts";

/**
 * Checks the number of examples to generate: a positive integer, at most 1000000
 * (`LIMITS.examples`), before anything is drawn.
 */
function checkN(n: unknown): number {
  return checkIntBetween(n, "n", 1, LIMITS.examples, "examples");
}

/** Checks that n rows of `features` values stay within `LIMITS.values`; `what` names the width. */
function checkTableSize(n: number, features: number, what: string): void {
  if (n * features > LIMITS.values) {
    throw new RangeError(
      `n × ${what} must be at most ${LIMITS.values} values, got ${n} × ${features} = ${
        n * features
      }`,
    );
  }
}

/** Options of {@link makeMoons}. */
export interface MoonsOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate. @default 0.1 */
  noise?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

const MOONS_OPTIONS: readonly (keyof MoonsOptions)[] = ["noise", "seed"];

/**
 * Two interleaving half circles, like scikit-learn's `make_moons`. Class 0 ("upper moon")
 * lies on the unit circle around (0, 0), x = (cos t, sin t); class 1 ("lower moon") on the
 * unit circle around (1, 0.5), x = (1 − cos t, 0.5 − sin t); t takes ⌊n/2⌋ (class 0) and
 * ⌈n/2⌉ (class 1) evenly spaced values in [0, π]. The rows are shuffled, then each
 * coordinate gets noise ε ~ N(0, noise²). Under one seed the noise-free points and their
 * order are the same for every noise level.
 *
 * @param n Number of examples, a positive integer, at most 1000000.
 * @param options Noise level and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example 200 noisy moons, 100 per class
 * ```ts
 * import { makeMoons } from "./synthetic.ts";
 * const ds = makeMoons(200, { noise: 0.2, seed: 1 });
 * if (ds.X.length !== 200 || ds.y.filter((c) => c === 1).length !== 100) throw new Error();
 * ```
 */
export function makeMoons(n: number, options: MoonsOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, MOONS_OPTIONS);
  const noise = checkNonNegative(options.noise ?? 0.1, "noise");
  const rng = makeRng(seedOr(options.seed));
  const nUpper = Math.floor(n / 2);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const t of nUpper > 0 ? linspace(0, Math.PI, nUpper) : []) {
    rows.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of linspace(0, Math.PI, n - nUpper)) {
    rows.push([1 - Math.cos(t), 0.5 - Math.sin(t)]);
    labels.push(1);
  }
  const { X, y } = shuffleAndNoise(rows, labels, noise, rng);
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

const CIRCLES_OPTIONS: readonly (keyof CirclesOptions)[] = ["noise", "factor", "seed"];

/**
 * Two concentric circles, like scikit-learn's `make_circles`: class 0 ("outer") on the unit
 * circle, class 1 ("inner") on the circle of radius `factor`, ⌊n/2⌋ and ⌈n/2⌉ points at
 * evenly spaced angles; rows shuffled, then noise ε ~ N(0, noise²) on each coordinate.
 *
 * @param n Number of examples, a positive integer, at most 1000000.
 * @param options Noise level, inner radius and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example The inner circle is closer to the origin
 * ```ts
 * import { makeCircles } from "./synthetic.ts";
 * const ds = makeCircles(100, { noise: 0, factor: 0.3, seed: 2 });
 * const r = ds.X.map(([a, b]) => Math.hypot(a, b));
 * if (!ds.y.every((c, i) => Math.abs(r[i] - (c === 1 ? 0.3 : 1)) < 1e-12)) throw new Error();
 * ```
 */
export function makeCircles(n: number, options: CirclesOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, CIRCLES_OPTIONS);
  const noise = checkNonNegative(options.noise ?? 0.1, "noise");
  const factor = checkInRange(options.factor ?? 0.5, "factor", 0, 1, { hi: true });
  const rng = makeRng(seedOr(options.seed));
  const nOuter = Math.floor(n / 2);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const t of nOuter > 0 ? linspace(0, 2 * Math.PI, nOuter, false) : []) {
    rows.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of linspace(0, 2 * Math.PI, n - nOuter, false)) {
    rows.push([factor * Math.cos(t), factor * Math.sin(t)]);
    labels.push(1);
  }
  const { X, y } = shuffleAndNoise(rows, labels, noise, rng);
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

const SPIRALS_OPTIONS: readonly (keyof SpiralsOptions)[] = ["numClasses", "noise", "turns", "seed"];

/**
 * Interleaved spiral arms, one per class. Arm c holds m_c points (the m_c differ by at most
 * one) at radii r_i = (i + 1)/m_c and angles θ_i = 2π·turns·r_i + 2πc/K, i.e.
 * x = r_i (cos θ_i, sin θ_i); rows shuffled, then noise ε ~ N(0, noise²) on each coordinate.
 *
 * @param n Number of examples, a positive integer >= numClasses, at most 1000000.
 * @param options Number of arms, noise, turns and seed.
 * @returns A data set with features x1, x2 and target "label": binary for two arms,
 *   multiclass for more.
 *
 * @example Three arms of 50 points
 * ```ts
 * import { makeSpirals } from "./synthetic.ts";
 * const ds = makeSpirals(150, { numClasses: 3, seed: 3 });
 * if (ds.task !== "multiclass" || ds.y.filter((c) => c === 2).length !== 50) throw new Error();
 * ```
 */
export function makeSpirals(n: number, options: SpiralsOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, SPIRALS_OPTIONS);
  const k = checkIntAtLeast(options.numClasses ?? 2, "numClasses", 2);
  if (n < k) {
    throw new RangeError(
      `n must be at least numClasses (${k}) so that every arm has a point, got ${n}`,
    );
  }
  const noise = checkNonNegative(options.noise ?? 0.1, "noise");
  const turns = checkPositive(options.turns ?? 1, "turns");
  const rng = makeRng(seedOr(options.seed));
  const rows: number[][] = [];
  const labels: number[] = [];
  evenCounts(n, k).forEach((m, c) => {
    for (let i = 0; i < m; i++) {
      const r = (i + 1) / m;
      const theta = 2 * Math.PI * turns * r + (2 * Math.PI * c) / k;
      rows.push([r * Math.cos(theta), r * Math.sin(theta)]);
      labels.push(c);
    }
  });
  const { X, y } = shuffleAndNoise(rows, labels, noise, rng);
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

const XOR_OPTIONS: readonly (keyof XorOptions)[] = ["noise", "distribution", "seed"];

/**
 * The XOR problem: four groups, one per quadrant, with label 1 where the quadrant's signs
 * differ (x1·x2 < 0, "opposite sign") and 0 where they agree ("same sign"). No single line
 * separates the classes. The quadrants hold counts that differ by at most one, so the
 * classes do too.
 *
 * @param n Number of examples, a positive integer, at most 1000000.
 * @param options Noise, distribution and seed.
 * @returns A binary data set with features x1, x2 and target "label".
 *
 * @example Without noise the label is the sign test
 * ```ts
 * import { makeXor } from "./synthetic.ts";
 * const ds = makeXor(100, { distribution: "uniform", noise: 0, seed: 4 });
 * if (!ds.X.every(([a, b], i) => ds.y[i] === (a * b < 0 ? 1 : 0))) throw new Error();
 * ```
 */
export function makeXor(n: number, options: XorOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, XOR_OPTIONS);
  const distribution = checkOneOf(options.distribution ?? "gaussian", "distribution", [
    "gaussian",
    "uniform",
  ]);
  const noise = checkNonNegative(
    options.noise ?? (distribution === "gaussian" ? 0.3 : 0.05),
    "noise",
  );
  const rng = makeRng(seedOr(options.seed));
  // Quadrant signs in an order that alternates the label, so class counts differ by <= 1.
  const quadrants = [[1, 1], [1, -1], [-1, -1], [-1, 1]];
  const rows: number[][] = [];
  const labels: number[] = [];
  evenCounts(n, 4).forEach((m, q) => {
    const [s1, s2] = quadrants[q];
    for (let i = 0; i < m; i++) {
      rows.push(distribution === "gaussian" ? [s1, s2] : [s1 * rng.next(), s2 * rng.next()]);
      labels.push(s1 * s2 < 0 ? 1 : 0);
    }
  });
  const { X, y } = shuffleAndNoise(rows, labels, noise, rng);
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
  /** Number of features when `centers` is a count, at most 10000. @default 2 */
  dim?: number;
  /** Range [lo, hi] of random centre coordinates when `centers` is a count. @default [-10, 10] */
  centerBox?: [number, number];
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

const BLOBS_OPTIONS: readonly (keyof BlobsOptions)[] = [
  "centers",
  "std",
  "dim",
  "centerBox",
  "seed",
];

/**
 * Isotropic Gaussian blobs, like scikit-learn's `make_blobs`: blob c holds m_c points
 * (the m_c differ by at most one) drawn from N(μ_c, σ_c² I); rows shuffled.
 *
 * @param n Number of examples, a positive integer >= the number of centres, at most 1000000;
 *   n × dim is at most 10⁷.
 * @param options Centres, spreads, dimension and seed.
 * @returns A data set with features x1 … xd and target "label": binary for two blobs,
 *   multiclass for more.
 *
 * @example Two blobs at given centres
 * ```ts
 * import { makeBlobs } from "./synthetic.ts";
 * const ds = makeBlobs(100, { centers: [[-2, 0], [2, 0]], std: 0.5, seed: 5 });
 * if (ds.task !== "binary" || ds.X[0].length !== 2) throw new Error();
 * ```
 */
export function makeBlobs(n: number, options: BlobsOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, BLOBS_OPTIONS);
  const centersOption = options.centers ?? 3;
  const seed = seedOr(options.seed);
  let centers: number[][];
  if (typeof centersOption === "number") {
    if (!Number.isInteger(centersOption) || centersOption < 2) {
      throw new RangeError(
        `centers must be an integer >= 2 or an array of at least 2 centres, got ${centersOption}`,
      );
    }
    if (n < centersOption) {
      throw new RangeError(`n must be at least the number of centres (${centersOption}), got ${n}`);
    }
    const dim = checkIntBetween(options.dim ?? 2, "dim", 1, LIMITS.features, "features");
    checkTableSize(n, dim, "dim");
    const [lo, hi] = checkInterval(options.centerBox ?? [-10, 10], "centerBox");
    const boxRng = makeRng(seed ^ 0x5bd1e995);
    centers = Array.from(
      { length: centersOption },
      () => Array.from({ length: dim }, () => lo + (hi - lo) * boxRng.next()),
    );
  } else if (Array.isArray(centersOption)) {
    if (centersOption.length < 2) {
      throw new RangeError(
        `centers must be an integer >= 2 or an array of at least 2 centres, got ${
          describe(centersOption)
        }`,
      );
    }
    const dim = Array.isArray(centersOption[0]) ? centersOption[0].length : 0;
    if (dim < 1) {
      throw new TypeError(
        `centers[0] must be an array of at least one coordinate, got ${describe(centersOption[0])}`,
      );
    }
    centers = centersOption.map((c, i) => {
      if (!Array.isArray(c) || c.length !== dim) {
        throw new RangeError(
          `centers[${i}] must have ${dim} coordinates like centers[0], got ${describe(c)}`,
        );
      }
      return c.map((v, j) => checkFinite(v, `centers[${i}][${j}]`));
    });
    if (options.dim !== undefined && options.dim !== dim) {
      throw new RangeError(
        `dim must match the centres' ${dim} coordinates when centers are given, got ${
          describe(options.dim)
        }`,
      );
    }
    checkTableSize(n, dim, "dim");
  } else {
    throw new TypeError(
      `centers must be an integer >= 2 or an array of centres, got ${describe(centersOption)}`,
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
    stds = stdOption.map((s, i) => checkNonNegative(s, `std[${i}]`));
  } else {
    stds = Array(k).fill(checkNonNegative(stdOption, "std"));
  }
  const rng = makeRng(seed);
  const labels = evenCounts(n, k).flatMap((m, c) => Array<number>(m).fill(c));
  const y = rng.shuffle(labels);
  const X = y.map((c) => centers[c].map((mu) => mu + stds[c] * rng.normal()));
  return {
    X,
    y,
    featureNames: xNames(centers[0].length),
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

const REGRESSION1D_OPTIONS: readonly (keyof Regression1dOptions)[] = [
  "noise",
  "fn",
  "xRange",
  "seed",
];

/**
 * Noisy 1-D regression: x ~ U(lo, hi), y = f(x) + ε with ε ~ N(0, noise²) and, by default,
 * f = sin. All x are drawn before any noise, so under one seed the inputs are the same for
 * every noise level.
 *
 * @param n Number of examples, a positive integer, at most 1000000.
 * @param options Noise, function, input range and seed.
 * @returns A regression data set with feature "x" and target "y".
 *
 * @example Without noise, y is f(x)
 * ```ts
 * import { makeRegression1d } from "./synthetic.ts";
 * const ds = makeRegression1d(50, { noise: 0, fn: (x) => x * x, seed: 6 });
 * if (!ds.X.every(([x], i) => ds.y[i] === x * x)) throw new Error();
 * ```
 */
export function makeRegression1d(n: number, options: Regression1dOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, REGRESSION1D_OPTIONS);
  const noise = checkNonNegative(options.noise ?? 0.2, "noise");
  const fn = checkFunction<(x: number) => number>(options.fn ?? Math.sin, "fn");
  const [lo, hi] = checkInterval(options.xRange ?? [-3, 3], "xRange");
  const rng = makeRng(seedOr(options.seed));
  const xs = Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  const y = xs.map((x) => {
    const fx = fn(x);
    if (typeof fx !== "number" || !Number.isFinite(fx)) {
      throw new RangeError(`fn must return finite numbers, got ${describe(fx)} at x = ${x}`);
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

const CORRELATED_OPTIONS: readonly (keyof CorrelatedOptions)[] = [
  "groups",
  "groupSize",
  "correlation",
  "numIrrelevant",
  "coefficients",
  "task",
  "noise",
  "seed",
];

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
 * @param n Number of examples, a positive integer, at most 1000000; n × (number of features)
 *   is at most 10⁷, and there are at most 10000 features.
 * @param options Groups, group size, correlation, irrelevant features, coefficients, task,
 *   noise and seed.
 * @returns A binary (class names "negative", "positive") or regression data set.
 *
 * @example Two perfectly correlated copies: the binary label is the sign of either
 * ```ts
 * import { makeCorrelated } from "./synthetic.ts";
 * const ds = makeCorrelated(100, { groups: 1, correlation: 1, noise: 0, seed: 3 });
 * if (!ds.X.every(([a, b], i) => a === b && ds.y[i] === (a > 0 ? 1 : 0))) throw new Error();
 * ```
 */
export function makeCorrelated(n: number, options: CorrelatedOptions = {}): Dataset {
  checkN(n);
  checkOptions(options, CORRELATED_OPTIONS);
  const groups = checkPositiveInt(options.groups ?? 2, "groups");
  const groupSize = checkPositiveInt(options.groupSize ?? 2, "groupSize");
  const rho = checkInRange(options.correlation ?? 0.9, "correlation", 0, 1);
  const numIrrelevant = checkIntAtLeast(options.numIrrelevant ?? 0, "numIrrelevant", 0);
  const features = groups * groupSize + numIrrelevant;
  if (features > LIMITS.features) {
    throw new RangeError(
      `groups × groupSize + numIrrelevant must be at most ${LIMITS.features} features, got ${groups} × ${groupSize} + ${numIrrelevant} = ${features}`,
    );
  }
  checkTableSize(n, features, "(groups × groupSize + numIrrelevant)");
  const coefficients = options.coefficients ?? Array<number>(groups).fill(1);
  if (!Array.isArray(coefficients) || coefficients.length !== groups) {
    throw new RangeError(
      `coefficients must hold one number per group (${groups}), got ${describe(coefficients)}`,
    );
  }
  coefficients.forEach((b, g) => checkFinite(b, `coefficients[${g}]`));
  const task = checkOneOf(options.task ?? "binary", "task", ["binary", "regression"]);
  const noise = checkNonNegative(options.noise ?? 0.5, "noise");
  const rng = makeRng(seedOr(options.seed));
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
