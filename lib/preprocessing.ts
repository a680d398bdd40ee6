/**
 * Preprocessing of a {@link Dataset} before training: feature selection by name
 * ({@link selectFeatures}) and standardization ({@link standardize}) with statistics
 * ({@link featureStats}) taken from the training rows only.
 *
 * @module
 */
import type { Dataset } from "./datasets.ts";
import { checkDataset, withRows } from "./_dataset.ts";
import { checkNonEmptyArray, describe } from "./_validate.ts";

/**
 * The data set restricted to the named features, in the order given (rows copied).
 *
 * @param ds The data set.
 * @param names Feature names of `ds`, at least one, no repeats.
 * @returns A data set with the same rows, target, classes and task, and only those columns.
 *
 * @example The radius, perimeter and area group of the breast cancer set
 * ```ts
 * import { selectFeatures } from "./preprocessing.ts";
 * import { loadBreastCancer } from "./tabular.ts";
 * const ds = selectFeatures(loadBreastCancer().dataset, ["mean radius", "mean area"]);
 * if (ds.X[0].length !== 2 || ds.featureNames[1] !== "mean area") throw new Error();
 * ```
 */
export function selectFeatures(ds: Dataset, names: readonly string[]): Dataset {
  checkDataset(ds);
  checkNonEmptyArray<string>(names, "names", "feature names");
  const cols = names.map((name, i) => {
    const j = ds.featureNames.indexOf(name);
    if (j < 0) {
      throw new RangeError(
        `names[${i}] must be one of the data set's feature names (${
          ds.featureNames.join(", ")
        }), got ${describe(name)}`,
      );
    }
    return j;
  });
  if (new Set(cols).size !== cols.length) {
    throw new RangeError(`names must not repeat a feature, got ${describe(names)}`);
  }
  return withRows(ds, ds.X.map((row) => cols.map((j) => row[j])), ds.y.slice(), names);
}

/** Per-feature mean and standard deviation, as {@link featureStats} returns them. */
export interface FeatureStats {
  /** Mean of each feature. */
  mean: number[];
  /** Population standard deviation (divide by n) of each feature. */
  std: number[];
}

/**
 * Mean μⱼ = (1/n) Σᵢ xᵢⱼ and population standard deviation σⱼ = √((1/n) Σᵢ (xᵢⱼ − μⱼ)²) of
 * each feature, the statistics a standardizer fits on the training rows.
 *
 * @param ds The data set (at least one row).
 * @returns One mean and one standard deviation per feature.
 *
 * @example Two rows: mean 2, population standard deviation 1
 * ```ts
 * import { featureStats } from "./preprocessing.ts";
 * const s = featureStats({
 *   X: [[1, 10], [3, 10]], y: [0, 1], featureNames: ["a", "b"], targetName: "t", task: "binary",
 * });
 * if (s.mean.join() !== "2,10" || s.std.join() !== "1,0") throw new Error();
 * ```
 */
export function featureStats(ds: Dataset): FeatureStats {
  checkDataset(ds);
  const n = ds.X.length;
  if (n === 0) throw new RangeError("ds must have at least one row, got 0");
  const d = ds.featureNames.length;
  const mean = Array<number>(d).fill(0);
  for (const row of ds.X) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const variance = Array<number>(d).fill(0);
  for (const row of ds.X) for (let j = 0; j < d; j++) variance[j] += (row[j] - mean[j]) ** 2 / n;
  return { mean, std: variance.map(Math.sqrt) };
}

/**
 * Standardizes every feature, x′ᵢⱼ = (xᵢⱼ − μⱼ)/σⱼ, with μ and σ from `stats` (fit them on
 * the training rows and apply them to every split) or, without `stats`, from `ds` itself.
 * A constant feature (σⱼ = 0) is only centred.
 *
 * @param ds The data set.
 * @param stats Means and standard deviations, one per feature of `ds`.
 * @returns A new data set with the standardized features; targets and names unchanged.
 *
 * @example Test rows standardized with the training rows' statistics
 * ```ts
 * import { featureStats, standardize } from "./preprocessing.ts";
 * import { loadIris } from "./tabular.ts";
 * import { trainTestSplit } from "./split.ts";
 * const { train, test } = trainTestSplit(loadIris().dataset, { testFrac: 0.2, seed: 1 });
 * const stats = featureStats(train);
 * const [trainZ, testZ] = [standardize(train, stats), standardize(test, stats)];
 * if (Math.abs(featureStats(trainZ).std[0] - 1) > 1e-12 || testZ.X.length !== 30) {
 *   throw new Error();
 * }
 * ```
 */
export function standardize(ds: Dataset, stats?: FeatureStats): Dataset {
  checkDataset(ds);
  const d = ds.featureNames.length;
  const s = stats ?? featureStats(ds);
  for (const key of ["mean", "std"] as const) {
    const v = (s as Partial<FeatureStats>)?.[key];
    if (!Array.isArray(v) || v.length !== d || v.some((x) => !Number.isFinite(x))) {
      throw new RangeError(
        `stats.${key} must be ${d} finite numbers (one per feature), got ${describe(v)}`,
      );
    }
  }
  if (s.std.some((x) => x < 0)) {
    throw new RangeError(`stats.std must be >= 0, got ${describe(s.std)}`);
  }
  const X = ds.X.map((row) => row.map((x, j) => (x - s.mean[j]) / (s.std[j] > 0 ? s.std[j] : 1)));
  return withRows(ds, X, ds.y.slice());
}
