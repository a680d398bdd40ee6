/**
 * Real tabular data shipped with the kit in `data/` (from scikit-learn's bundled copies, see
 * `data/README.md` for origin, licence and attribution): the breast cancer Wisconsin
 * (diagnostic), wine and iris classification sets and the diabetes regression set.
 *
 * Each loader reads its file from the kit's `data/` folder (found from this module's own
 * location, so notebooks and tests both work) or from `options.dataDir`, and returns the set
 * twice: as a {@link Dataset} (feature names kept, ready for `toTensors`) and as a
 * nodejs-polars DataFrame. Feature selection and standardization are in `preprocessing.ts`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { type Dataset, toDataFrame } from "./datasets.ts";
import { checkDataset } from "./_dataset.ts";
import { checkOptions, checkString, describe } from "./_validate.ts";

/** Options shared by the loaders. */
export interface LoadOptions {
  /**
   * Folder holding the data files (an absolute path, or relative to the working directory).
   * @default the kit's `data/` folder, next to `lib/`
   */
  dataDir?: string;
}

const LOAD_OPTIONS: readonly (keyof LoadOptions)[] = ["dataDir"];

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

/** Checks a loader's options (only `dataDir`, a non-empty folder path, is allowed). */
function _checkLoadOptions(options: LoadOptions): LoadOptions {
  checkOptions(options, LOAD_OPTIONS);
  if (options.dataDir !== undefined) checkString(options.dataDir, "dataDir");
  return options;
}

/** Resolves the path of one data file and reads it, with a clear error when it is missing. */
function _readDataFile(file: string, options: LoadOptions): string {
  const { dataDir } = options;
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
      `${file} line ${line}: column ${column} must be a finite number, got ${describe(field)}`,
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
        describe(head.text)
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
          describe(parts[d])
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
  checkDataset(dataset);
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
  const text = _readDataFile(file, _checkLoadOptions(options));
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
 * (standardize them, e.g. with `standardize` from `preprocessing.ts`). Files `data/diabetes_data_raw.csv` and
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
  _checkLoadOptions(options);
  const X = _parseTable(_readDataFile(dataFile, options), dataFile, DIABETES_FEATURES.length);
  const target = _parseTable(_readDataFile(targetFile, options), targetFile, 1);
  if (target.length !== X.length) {
    throw new RangeError(
      `${targetFile} must have one target per row of ${dataFile} (${X.length}), got ${target.length}`,
    );
  }
  return _table(X, target.map((r) => r[0]), DIABETES_FEATURES, undefined);
}
