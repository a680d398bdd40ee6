/**
 * Held-out data: train/test and train/dev/test splits (optionally stratified by class) and
 * k-fold and stratified k-fold cross-validation folds. All shuffles are seeded.
 *
 * @module
 */
import { type Dataset, subset } from "./datasets.ts";
import { makeRng, type Rng } from "./random.ts";
import { checkDataset } from "./_dataset.ts";
import { seedOr } from "./_random.ts";
import {
  checkBoolean,
  checkInRange,
  checkIntBetween,
  checkNonEmptyArray,
  checkOptions,
  checkPositiveInt,
  describe,
  LIMITS,
} from "./_validate.ts";

/** Example counts of a three-way split. */
export interface SplitSizes {
  /** Training examples. */
  train: number;
  /** Development (validation) examples. */
  dev: number;
  /** Test examples. */
  test: number;
}

/** One cross-validation fold: the rows to train on and the rows to validate on. */
export interface Fold {
  /** Training rows, ascending: every row not in `valIdx`. */
  trainIdx: number[];
  /** Validation rows, ascending. */
  valIdx: number[];
}

/** Options of {@link splitSizes}. */
export interface SplitSizesOptions {
  /** Fraction of examples for the dev set, in [0, 1). @default 0.15 */
  devFrac?: number;
  /** Fraction of examples for the test set, in [0, 1). @default 0.15 */
  testFrac?: number;
}

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Fraction of rows for the test set, in [0, 1). @default 0.2 */
  testFrac?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
  /** Keep each class's proportion in both sets (classification only). @default false */
  stratify?: boolean;
}

/** Options of {@link trainDevTestSplit}. */
export interface TrainDevTestSplitOptions {
  /** Fraction of rows for the dev set, in [0, 1). @default 0.15 */
  devFrac?: number;
  /** Fraction of rows for the test set, in [0, 1). @default 0.15 */
  testFrac?: number;
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
  /** Keep each class's proportion in all three sets (classification only). @default false */
  stratify?: boolean;
}

/** Options of {@link kFold} and {@link stratifiedKFold}. */
export interface KFoldOptions {
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
  /**
   * Shuffle the rows (for stratifiedKFold, each class's rows) before dealing them to folds.
   * @default true
   */
  shuffle?: boolean;
}

const SPLIT_SIZES_OPTIONS: readonly (keyof SplitSizesOptions)[] = ["devFrac", "testFrac"];
const TRAIN_TEST_OPTIONS: readonly (keyof TrainTestSplitOptions)[] = [
  "testFrac",
  "seed",
  "stratify",
];
const TRAIN_DEV_TEST_OPTIONS: readonly (keyof TrainDevTestSplitOptions)[] = [
  "devFrac",
  "testFrac",
  "seed",
  "stratify",
];
const K_FOLD_OPTIONS: readonly (keyof KFoldOptions)[] = ["seed", "shuffle"];

/** Checks the fraction of the rows a split sets aside: a number in [0, 1). */
function _checkFraction(value: unknown, name: string): number {
  return checkInRange(value, name, 0, 1, { hi: true });
}

/** Checks a pair of fractions and computes the split sizes for `n` examples. */
function _sizes(
  n: number,
  devFrac: unknown,
  testFrac: unknown,
  what: string,
): SplitSizes {
  const dv = _checkFraction(devFrac, "devFrac");
  const ts = _checkFraction(testFrac, "testFrac");
  if (!(dv + ts < 1)) {
    throw new RangeError(`devFrac + testFrac must be less than 1, got ${dv} + ${ts} = ${dv + ts}`);
  }
  const test = Math.round(n * ts);
  const dev = Math.round(n * dv);
  const train = n - dev - test;
  if (train < 1) {
    throw new RangeError(
      `${what} is too small for devFrac ${dv} and testFrac ${ts}: no training examples would be left`,
    );
  }
  return { train, dev, test };
}

/**
 * Example counts of a train/dev/test split of n examples:
 * test = round(n·testFrac), dev = round(n·devFrac), train = n − dev − test.
 *
 * @param n Number of examples, a positive integer.
 * @param options The dev and test fractions, each in [0, 1), with devFrac + testFrac < 1.
 * @returns The three counts, which add up to n.
 *
 * @example 60/20/20 for a small data set, 98/1/1 for a large one
 * ```ts
 * import { splitSizes } from "./split.ts";
 * const small = splitSizes(1000, { devFrac: 0.2, testFrac: 0.2 });
 * const large = splitSizes(1_000_000, { devFrac: 0.01, testFrac: 0.01 });
 * if (small.train !== 600 || large.dev !== 10_000) throw new Error();
 * ```
 */
export function splitSizes(n: number, options: SplitSizesOptions = {}): SplitSizes {
  checkPositiveInt(n, "n");
  checkOptions(options, SPLIT_SIZES_OPTIONS);
  return _sizes(n, options.devFrac ?? 0.15, options.testFrac ?? 0.15, `n = ${n}`);
}

/**
 * Splits `total` among groups in proportion to `quotas` (largest remainder), never giving a
 * group more than its cap.
 */
function _apportion(total: number, quotas: number[], caps: number[]): number[] {
  const alloc = quotas.map((q, i) => Math.min(Math.floor(q), caps[i]));
  let left = total - alloc.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let best = -1;
    for (let i = 0; i < quotas.length; i++) {
      if (alloc[i] < caps[i] && (best < 0 || quotas[i] - alloc[i] > quotas[best] - alloc[best])) {
        best = i;
      }
    }
    alloc[best]++;
    left--;
  }
  return alloc;
}

/** Row indices grouped by label, groups ordered by label value, rows ascending. */
function _byClass(y: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  y.forEach((c, i) => {
    const g = groups.get(c);
    if (g) g.push(i);
    else groups.set(c, [i]);
  });
  return [...groups.keys()].sort((a, b) => a - b).map((c) => groups.get(c)!);
}

/** Splits row indices 0..n−1 into train/dev/test index lists (each ascending). */
function _splitIndices(
  ds: Dataset,
  sizes: SplitSizes,
  rng: Rng,
  stratify: boolean,
): { train: number[]; dev: number[]; test: number[] } {
  const n = ds.y.length;
  const parts = { train: [] as number[], dev: [] as number[], test: [] as number[] };
  if (!stratify) {
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    parts.test = order.slice(0, sizes.test);
    parts.dev = order.slice(sizes.test, sizes.test + sizes.dev);
    parts.train = order.slice(sizes.test + sizes.dev);
  } else {
    const groups = _byClass(ds.y);
    const counts = groups.map((g) => g.length);
    const test = _apportion(sizes.test, counts.map((c) => (c * sizes.test) / n), counts);
    const dev = _apportion(
      sizes.dev,
      counts.map((c) => (c * sizes.dev) / n),
      counts.map((c, k) => c - test[k]),
    );
    groups.forEach((g, k) => {
      const order = rng.shuffle(g);
      parts.test.push(...order.slice(0, test[k]));
      parts.dev.push(...order.slice(test[k], test[k] + dev[k]));
      parts.train.push(...order.slice(test[k] + dev[k]));
    });
  }
  for (const p of [parts.train, parts.dev, parts.test]) p.sort((a, b) => a - b);
  return parts;
}

/** Checks the stratify flag against the data set's task. */
function _checkStratify(value: unknown, ds: Dataset): boolean {
  const stratify = checkBoolean(value, "stratify");
  if (stratify && ds.task === "regression") {
    throw new RangeError(
      `stratify needs a classification data set, got task "regression" (use stratify: false)`,
    );
  }
  return stratify;
}

/**
 * Splits a data set into a training and a test set: test gets round(n·testFrac) randomly
 * chosen rows, train the rest. With `stratify`, each class c of size n_c gives the test set
 * about n_c·testFrac rows (within one), so both sets keep the class proportions.
 *
 * @param ds The data set.
 * @param options Test fraction, seed and stratification.
 * @returns The two data sets and the row indices of each (ascending).
 *
 * @example A 70/30 split of 100 moons
 * ```ts
 * import { makeMoons } from "./synthetic.ts";
 * import { trainTestSplit } from "./split.ts";
 * const { train, test } = trainTestSplit(makeMoons(100, { seed: 1 }), { testFrac: 0.3, seed: 2 });
 * if (train.X.length !== 70 || test.X.length !== 30) throw new Error();
 * ```
 */
export function trainTestSplit(
  ds: Dataset,
  options: TrainTestSplitOptions = {},
): { train: Dataset; test: Dataset; indices: { train: number[]; test: number[] } } {
  checkDataset(ds);
  checkOptions(options, TRAIN_TEST_OPTIONS);
  const sizes = _sizes(ds.X.length, 0, options.testFrac ?? 0.2, `ds (${ds.X.length} rows)`);
  const stratify = _checkStratify(options.stratify ?? false, ds);
  const rng = makeRng(seedOr(options.seed));
  const parts = _splitIndices(ds, sizes, rng, stratify);
  return {
    train: subset(ds, parts.train),
    test: subset(ds, parts.test),
    indices: { train: parts.train, test: parts.test },
  };
}

/**
 * Splits a data set into training, development (dev) and test sets with the counts of
 * {@link splitSizes}. With `stratify`, each class c of size n_c gives about n_c·testFrac rows
 * to test and n_c·devFrac to dev (within one), so all three sets keep the class proportions.
 *
 * @param ds The data set.
 * @param options Dev and test fractions, seed and stratification.
 * @returns The three data sets and the row indices of each (ascending).
 *
 * @example The default 70/15/15 split of 200 moons
 * ```ts
 * import { makeMoons } from "./synthetic.ts";
 * import { trainDevTestSplit } from "./split.ts";
 * const { train, dev, test } = trainDevTestSplit(makeMoons(200, { seed: 1 }), { seed: 2 });
 * if (train.X.length !== 140 || dev.X.length !== 30 || test.X.length !== 30) throw new Error();
 * ```
 */
export function trainDevTestSplit(
  ds: Dataset,
  options: TrainDevTestSplitOptions = {},
): {
  train: Dataset;
  dev: Dataset;
  test: Dataset;
  indices: { train: number[]; dev: number[]; test: number[] };
} {
  checkDataset(ds);
  checkOptions(options, TRAIN_DEV_TEST_OPTIONS);
  const sizes = _sizes(
    ds.X.length,
    options.devFrac ?? 0.15,
    options.testFrac ?? 0.15,
    `ds (${ds.X.length} rows)`,
  );
  const stratify = _checkStratify(options.stratify ?? false, ds);
  const rng = makeRng(seedOr(options.seed));
  const parts = _splitIndices(ds, sizes, rng, stratify);
  return {
    train: subset(ds, parts.train),
    dev: subset(ds, parts.dev),
    test: subset(ds, parts.test),
    indices: parts,
  };
}

/** Checks the number of folds k against the number of rows n: an integer in [2, n]. */
function _checkK(k: unknown, n: number): number {
  if (typeof k !== "number" || !Number.isInteger(k) || k < 2 || k > n) {
    throw new (typeof k === "number" ? RangeError : TypeError)(
      `k must be an integer in [2, n] = [2, ${n}], got ${describe(k)}`,
    );
  }
  return k;
}

/** Builds folds from a fold number per row. */
function _folds(foldOf: number[], k: number): Fold[] {
  const folds: Fold[] = Array.from({ length: k }, () => ({ trainIdx: [], valIdx: [] }));
  foldOf.forEach((f, i) => {
    folds.forEach((fold, j) => (j === f ? fold.valIdx : fold.trainIdx).push(i));
  });
  return folds;
}

/**
 * K-fold cross-validation folds of rows 0..n−1. The rows are shuffled (unless `shuffle` is
 * false) and cut into k consecutive blocks whose sizes differ by at most one (the first
 * n mod k blocks hold ⌈n/k⌉ rows); block j is fold j's validation set and the other rows its
 * training set, so every row is validated exactly once.
 *
 * @param n Number of examples, a positive integer, at most 10⁷.
 * @param k Number of folds, an integer in [2, n].
 * @param options Seed and shuffling.
 * @returns k folds.
 *
 * @example Five folds of 100 rows
 * ```ts
 * import { kFold } from "./split.ts";
 * const folds = kFold(100, 5, { seed: 1 });
 * if (!folds.every((f) => f.valIdx.length === 20 && f.trainIdx.length === 80)) throw new Error();
 * ```
 */
export function kFold(n: number, k: number, options: KFoldOptions = {}): Fold[] {
  checkIntBetween(n, "n", 1, LIMITS.rows, "rows");
  _checkK(k, n);
  checkOptions(options, K_FOLD_OPTIONS);
  const shuffle = checkBoolean(options.shuffle ?? true, "shuffle");
  const seed = seedOr(options.seed);
  const rows = Array.from({ length: n }, (_, i) => i);
  const order = shuffle ? makeRng(seed).shuffle(rows) : rows;
  const foldOf = Array<number>(n);
  let pos = 0;
  const base = Math.floor(n / k);
  for (let f = 0; f < k; f++) {
    const size = base + (f < n % k ? 1 : 0);
    for (let s = 0; s < size; s++) foldOf[order[pos++]] = f;
  }
  return _folds(foldOf, k);
}

/**
 * Stratified k-fold folds: like {@link kFold}, but each class's rows are spread evenly, so a
 * class of n_c rows has ⌊n_c/k⌋ or ⌈n_c/k⌉ rows in every validation fold and fold sizes still
 * differ by at most one. Each class's rows are shuffled (unless `shuffle` is false) and dealt
 * to the folds in turn, the turn carrying on from one class to the next.
 *
 * @param y Class labels, one integer per row.
 * @param k Number of folds, an integer in [2, y.length].
 * @param options Seed and shuffling.
 * @returns k folds.
 *
 * @example Each validation fold gets 2 of the 10 positives
 * ```ts
 * import { stratifiedKFold } from "./split.ts";
 * const y = Array.from({ length: 50 }, (_, i) => (i < 10 ? 1 : 0));
 * const folds = stratifiedKFold(y, 5, { seed: 1 });
 * if (!folds.every((f) => f.valIdx.filter((i) => y[i] === 1).length === 2)) throw new Error();
 * ```
 */
export function stratifiedKFold(
  y: readonly number[],
  k: number,
  options: KFoldOptions = {},
): Fold[] {
  checkNonEmptyArray<number>(y, "y", "integer class labels");
  y.forEach((c, i) => {
    if (typeof c !== "number" || !Number.isInteger(c)) {
      throw new RangeError(`y[${i}] must be an integer class label, got ${describe(c)}`);
    }
  });
  const n = y.length;
  _checkK(k, n);
  checkOptions(options, K_FOLD_OPTIONS);
  const shuffle = checkBoolean(options.shuffle ?? true, "shuffle");
  const rng = makeRng(seedOr(options.seed));
  const foldOf = Array<number>(n);
  let turn = 0;
  for (const group of _byClass(y)) {
    for (const i of shuffle ? rng.shuffle(group) : group) foldOf[i] = turn++ % k;
  }
  return _folds(foldOf, k);
}
