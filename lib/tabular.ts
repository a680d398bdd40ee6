/**
 * Real tabular data shipped with the kit in `data/` (from scikit-learn's bundled copies, see
 * `data/README.md` for origin, licence and attribution): the breast cancer Wisconsin
 * (diagnostic), wine and iris classification sets and the diabetes regression set.
 *
 * Each loader reads its file from the kit's `data/` folder (found from this module's own
 * location, so notebooks and tests both work) or from `options.dataDir`, and returns the set
 * twice: as a {@link Dataset} (feature names kept, ready for `toTensors`) and as a
 * nodejs-polars DataFrame. Also here: feature selection by name and standardization with
 * statistics taken from the training rows only.
 *
 * @module
 */
import pl from "nodejs-polars";
import { _checkDataset, _show, type Dataset, toDataFrame } from "./datasets.ts";

/** Options shared by the loaders. */
export interface LoadOptions {
  /**
   * Folder holding the data files (an absolute path, or relative to the working directory).
   * @default the kit's `data/` folder, next to `lib/`
   */
  dataDir?: string;
}

/** A loaded table: the data set and the same rows as a DataFrame. */
export interface Table {
  /** Features, targets, feature names, class names and task. */
  dataset: Dataset;
  /**
   * One Float64 column per feature, the target column `"target"` and, for classification,
   * a string column `"class"` with each row's class name.
   */
  frame: pl.DataFrame;
}

/** Feature names of the breast cancer set, in file order (as scikit-learn names them). */
const BREAST_CANCER_FEATURES: readonly string[] = [
  (f: string) => `mean ${f}`,
  (f: string) => `${f} error`,
  (f: string) => `worst ${f}`,
].flatMap((name) =>
  [
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
  ].map(name)
);

/** Feature names of the wine set, in file order. */
const WINE_FEATURES: readonly string[] = [
  "alcohol",
  "malic_acid",
  "ash",
  "alcalinity_of_ash",
  "magnesium",
  "total_phenols",
  "flavanoids",
  "nonflavanoid_phenols",
  "proanthocyanins",
  "color_intensity",
  "hue",
  "od280/od315_of_diluted_wines",
  "proline",
];

/** Feature names of the iris set, in file order. */
const IRIS_FEATURES: readonly string[] = [
  "sepal length (cm)",
  "sepal width (cm)",
  "petal length (cm)",
  "petal width (cm)",
];

/** Feature names of the diabetes set, in file order. */
const DIABETES_FEATURES: readonly string[] = [
  "age",
  "sex",
  "bmi",
  "bp",
  "s1",
  "s2",
  "s3",
  "s4",
  "s5",
  "s6",
];

/** The target column's name in every loaded set. */
const TARGET = "target";

/** The kit's own data folder, `../data/` from this module. */
function _defaultDataDir(): string {
  return decodeURIComponent(new URL("../data/", import.meta.url).pathname);
}

/** Joins a folder and a file name with one slash. */
function _join(dir: string, file: string): string {
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

/** Resolves the path of one data file and reads it, with a clear error when it is missing. */
function _readDataFile(file: string, options: LoadOptions): string {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`options must be an object like { dataDir }, got ${_show(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => k !== "dataDir");
  if (unknown.length > 0) {
    throw new TypeError(
      `unknown option ${_show(unknown[0])}: the loaders take only "dataDir"`,
    );
  }
  const { dataDir } = options;
  if (dataDir !== undefined && (typeof dataDir !== "string" || dataDir === "")) {
    throw new TypeError(`dataDir must be a non-empty folder path, got ${_show(dataDir)}`);
  }
  const dir = dataDir ?? _defaultDataDir();
  const path = _join(dir, file);
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      const hint = dataDir === undefined
        ? `the kit ships it in data/; restore it with \`git checkout -- data/${file}\``
        : `dataDir is ${dataDir}; copy the kit's data/${file} there or leave dataDir unset`;
      throw new Error(`data file not found: ${path} (${hint})`, { cause: err });
    }
    throw err;
  }
}

/** The non-empty lines of a file with their 1-based line numbers. */
function _lines(text: string): { line: number; text: string }[] {
  return text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== "");
}

/** Parses one field as a finite number, naming file, line and column when it is not one. */
function _number(field: string, file: string, line: number, column: number): number {
  const v = field.trim() === "" ? NaN : Number(field);
  if (!Number.isFinite(v)) {
    throw new RangeError(
      `${file} line ${line}: column ${column} must be a finite number, got ${_show(field)}`,
    );
  }
  return v;
}

/**
 * Parses scikit-learn's CSV layout: a header line `n,d,class0,class1,…`, then n lines of d
 * feature values and an integer class label.
 */
function _parseSklearnCsv(
  text: string,
  file: string,
  featureNames: readonly string[],
): { X: number[][]; y: number[]; classNames: string[] } {
  const lines = _lines(text);
  if (lines.length === 0) throw new RangeError(`${file} line 1: the file is empty`);
  const head = lines[0];
  const fields = head.text.split(",");
  const n = Number(fields[0]);
  const d = Number(fields[1]);
  const classNames = fields.slice(2).map((s) => s.trim());
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || classNames.length < 2) {
    throw new RangeError(
      `${file} line ${head.line}: the header must be "rows,features,class names…", got ${
        _show(head.text)
      }`,
    );
  }
  if (d !== featureNames.length) {
    throw new RangeError(
      `${file} line ${head.line}: the header must announce ${featureNames.length} features, got ${d}`,
    );
  }
  const rows = lines.slice(1);
  if (rows.length !== n) {
    throw new RangeError(
      `${file} line ${head.line}: the header announces ${n} rows, the file has ${rows.length}`,
    );
  }
  const X: number[][] = [];
  const y: number[] = [];
  for (const { line, text: row } of rows) {
    const parts = row.split(",");
    if (parts.length !== d + 1) {
      throw new RangeError(
        `${file} line ${line}: expected ${
          d + 1
        } values (${d} features and the class), got ${parts.length}`,
      );
    }
    X.push(parts.slice(0, d).map((f, j) => _number(f, file, line, j + 1)));
    const c = _number(parts[d], file, line, d + 1);
    if (!Number.isInteger(c) || c < 0 || c >= classNames.length) {
      throw new RangeError(
        `${file} line ${line}: the class must be an integer in [0, ${classNames.length - 1}], got ${
          _show(parts[d])
        }`,
      );
    }
    y.push(c);
  }
  return { X, y, classNames };
}

/** Parses whitespace-separated numbers, `width` per line. */
function _parseTable(text: string, file: string, width: number): number[][] {
  const lines = _lines(text);
  if (lines.length === 0) throw new RangeError(`${file} line 1: the file is empty`);
  return lines.map(({ line, text: row }) => {
    const parts = row.split(/[\s,]+/);
    if (parts.length !== width) {
      throw new RangeError(`${file} line ${line}: expected ${width} values, got ${parts.length}`);
    }
    return parts.map((f, j) => _number(f, file, line, j + 1));
  });
}

/** Wraps parsed rows into a Table. */
function _table(
  X: number[][],
  y: number[],
  featureNames: readonly string[],
  classNames: string[] | undefined,
): Table {
  const dataset: Dataset = {
    X,
    y,
    featureNames: featureNames.slice(),
    targetName: TARGET,
    task: classNames === undefined
      ? "regression"
      : classNames.length === 2
      ? "binary"
      : "multiclass",
  };
  if (classNames !== undefined) dataset.classNames = classNames;
  _checkDataset(dataset);
  const frame = toDataFrame(
    dataset,
    classNames === undefined ? {} : { classColumn: "class" },
  );
  return { dataset, frame };
}

/** Loads one of scikit-learn's classification CSVs. */
function _loadClassification(
  file: string,
  featureNames: readonly string[],
  options: LoadOptions,
): Table {
  const text = _readDataFile(file, options);
  const { X, y, classNames } = _parseSklearnCsv(text, file, featureNames);
  return _table(X, y, featureNames, classNames);
}

/**
 * Breast cancer Wisconsin (diagnostic): 569 fine-needle aspirates of breast masses, 30
 * features (mean, standard error and "worst" of ten nucleus measurements such as radius,
 * perimeter and area), 212 malignant and 357 benign. Labels as scikit-learn has them:
 * 0 = malignant, 1 = benign. File `data/breast_cancer.csv`.
 *
 * @param options Where the data files are.
 * @returns A binary table with feature names like "mean radius" and "worst area".
 *
 * @example 569 rows, 30 named features
 * ```ts
 * import { loadBreastCancer } from "./tabular.ts";
 * const { dataset, frame } = loadBreastCancer();
 * if (dataset.X.length !== 569 || dataset.featureNames[0] !== "mean radius") throw new Error();
 * if (frame.height !== 569 || dataset.classNames?.[0] !== "malignant") throw new Error();
 * ```
 */
export function loadBreastCancer(options: LoadOptions = {}): Table {
  return _loadClassification("breast_cancer.csv", BREAST_CANCER_FEATURES, options);
}

/**
 * Wine recognition: 178 wines from three cultivars of one Italian region, 13 chemical
 * measurements (alcohol, malic acid, …, proline), classes class_0 (59), class_1 (71) and
 * class_2 (48). File `data/wine_data.csv`.
 *
 * @param options Where the data files are.
 * @returns A multiclass table.
 *
 * @example Three classes
 * ```ts
 * import { loadWine } from "./tabular.ts";
 * const { dataset } = loadWine();
 * if (dataset.classNames?.length !== 3 || dataset.featureNames.length !== 13) throw new Error();
 * ```
 */
export function loadWine(options: LoadOptions = {}): Table {
  return _loadClassification("wine_data.csv", WINE_FEATURES, options);
}

/**
 * Fisher's iris: 150 flowers, 4 measurements in cm, 50 each of setosa, versicolor and
 * virginica. File `data/iris.csv`.
 *
 * @param options Where the data files are.
 * @returns A multiclass table.
 *
 * @example 50 flowers per species
 * ```ts
 * import { loadIris } from "./tabular.ts";
 * const { dataset } = loadIris();
 * if (dataset.y.filter((c) => c === 2).length !== 50) throw new Error();
 * ```
 */
export function loadIris(options: LoadOptions = {}): Table {
  return _loadClassification("iris.csv", IRIS_FEATURES, options);
}

/**
 * Diabetes (Efron et al. 2004): 442 patients, 10 baseline variables (age, sex, body mass
 * index, blood pressure, six blood serum measurements s1…s6) in their original units, and a
 * quantitative measure of disease progression one year later as the regression target.
 * scikit-learn's `load_diabetes` scales the features by default; these are the raw values
 * (standardize them, e.g. with {@link standardize}). Files `data/diabetes_data_raw.csv` and
 * `data/diabetes_target.csv`, whitespace-separated.
 *
 * @param options Where the data files are.
 * @returns A regression table.
 *
 * @example 442 rows, 10 features
 * ```ts
 * import { loadDiabetes } from "./tabular.ts";
 * const { dataset } = loadDiabetes();
 * if (dataset.X.length !== 442 || dataset.task !== "regression") throw new Error();
 * ```
 */
export function loadDiabetes(options: LoadOptions = {}): Table {
  const dataFile = "diabetes_data_raw.csv";
  const targetFile = "diabetes_target.csv";
  const X = _parseTable(_readDataFile(dataFile, options), dataFile, DIABETES_FEATURES.length);
  const target = _parseTable(_readDataFile(targetFile, options), targetFile, 1);
  if (target.length !== X.length) {
    throw new RangeError(
      `${targetFile} must have one target per row of ${dataFile} (${X.length}), got ${target.length}`,
    );
  }
  return _table(X, target.map((r) => r[0]), DIABETES_FEATURES, undefined);
}

/**
 * The data set restricted to the named features, in the order given (rows copied).
 *
 * @param ds The data set.
 * @param names Feature names of `ds`, at least one, no repeats.
 * @returns A data set with the same rows, target, classes and task, and only those columns.
 *
 * @example The radius, perimeter and area group of the breast cancer set
 * ```ts
 * import { loadBreastCancer, selectFeatures } from "./tabular.ts";
 * const ds = selectFeatures(loadBreastCancer().dataset, ["mean radius", "mean area"]);
 * if (ds.X[0].length !== 2 || ds.featureNames[1] !== "mean area") throw new Error();
 * ```
 */
export function selectFeatures(ds: Dataset, names: readonly string[]): Dataset {
  _checkDataset(ds);
  if (!Array.isArray(names) || names.length === 0) {
    throw new RangeError(`names must be a non-empty array of feature names, got ${_show(names)}`);
  }
  const cols = names.map((name, i) => {
    const j = ds.featureNames.indexOf(name);
    if (j < 0) {
      throw new RangeError(
        `names[${i}] must be one of the data set's feature names (${
          ds.featureNames.join(", ")
        }), got ${_show(name)}`,
      );
    }
    return j;
  });
  if (new Set(cols).size !== cols.length) {
    throw new RangeError(`names must not repeat a feature, got ${JSON.stringify(names)}`);
  }
  const out: Dataset = {
    X: ds.X.map((row) => cols.map((j) => row[j])),
    y: ds.y.slice(),
    featureNames: names.slice(),
    targetName: ds.targetName,
    task: ds.task,
  };
  if (ds.classNames !== undefined) out.classNames = ds.classNames.slice();
  return out;
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
 * @example
 * ```ts
 * import { featureStats } from "./tabular.ts";
 * const s = featureStats({
 *   X: [[1, 10], [3, 10]], y: [0, 1], featureNames: ["a", "b"], targetName: "t", task: "binary",
 * });
 * if (s.mean.join() !== "2,10" || s.std.join() !== "1,0") throw new Error();
 * ```
 */
export function featureStats(ds: Dataset): FeatureStats {
  _checkDataset(ds);
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
 * import { featureStats, loadIris, standardize } from "./tabular.ts";
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
  _checkDataset(ds);
  const d = ds.featureNames.length;
  const s = stats ?? featureStats(ds);
  for (const key of ["mean", "std"] as const) {
    const v = (s as Partial<FeatureStats>)?.[key];
    if (!Array.isArray(v) || v.length !== d || v.some((x) => !Number.isFinite(x))) {
      throw new RangeError(
        `stats.${key} must be ${d} finite numbers (one per feature), got ${_show(v)}`,
      );
    }
  }
  if (s.std.some((x) => x < 0)) {
    throw new RangeError(`stats.std must be >= 0, got ${JSON.stringify(s.std)}`);
  }
  const out: Dataset = {
    X: ds.X.map((row) => row.map((x, j) => (x - s.mean[j]) / (s.std[j] > 0 ? s.std[j] : 1))),
    y: ds.y.slice(),
    featureNames: ds.featureNames.slice(),
    targetName: ds.targetName,
    task: ds.task,
  };
  if (ds.classNames !== undefined) out.classNames = ds.classNames.slice();
  return out;
}
