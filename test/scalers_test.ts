import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import { initBackend } from "../lib/backend.ts";
import { type Dataset, toDataFrame } from "../lib/datasets.ts";
import { featureStats, standardize } from "../lib/preprocessing.ts";
import { makeRng } from "../lib/random.ts";
import { fitScaler, type ScalerKind } from "../lib/scalers.ts";
import { trainDevTestSplit } from "../lib/split.ts";
import { loadWine } from "../lib/tabular.ts";
import { assertAllClose, assertClose } from "./_assert_close.ts";
import { optionTableTests } from "./_options_table.ts";

await initBackend("wasm");

const KINDS: readonly ScalerKind[] = ["minMax", "zScore", "robust"];

/** n rows of three features on very different scales, seeded. */
function rows(n: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from(
    { length: n },
    () => [1000 * rng.next() - 200, 0.01 * rng.normal() + 3, 5 * rng.normal() ** 3],
  );
}

/** Column j of rows. */
function column(X: readonly number[][], j: number): number[] {
  return X.map((row) => row[j]);
}

/** A regression data set around the given rows. */
function dataset(X: number[][]): Dataset {
  return {
    X,
    y: X.map((_, i) => i / 10),
    featureNames: ["a", "b", "c"],
    targetName: "t",
    task: "regression",
  };
}

/** The linear-interpolation quantile written as numpy documents it: (1 − g)·x[j] + g·x[j + 1]. */
function numpyQuantile(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const position = p * (x.length - 1);
  const j = Math.floor(position), g = position - j;
  return j + 1 < x.length ? (1 - g) * x[j] + g * x[j + 1] : x[j];
}

Deno.test("fitScaler('minMax') maps each feature by (x − min)/(max − min), or into a given range", () => {
  const train = rows(50, 1), dev = rows(20, 2);
  const scaler = fitScaler("minMax", train);
  const ranged = fitScaler("minMax", train, { featureRange: [-1, 1] });
  for (let j = 0; j < 3; j++) {
    let min = train[0][j], max = train[0][j];
    for (const row of train) {
      if (row[j] < min) min = row[j];
      if (row[j] > max) max = row[j];
    }
    assert.deepEqual({ ...scaler.stats[j] }, {
      feature: `x${j + 1}`,
      center: min,
      scale: max - min,
      min,
      max,
    });
    for (
      const [X, out, outRanged] of [
        [train, scaler.transform(train), ranged.transform(train)],
        [dev, scaler.transform(dev), ranged.transform(dev)],
      ]
    ) {
      X.forEach((row, i) => {
        assertClose(out[i][j], (row[j] - min) / (max - min), 1e-12, `minMax[${i}][${j}]`);
        assertClose(outRanged[i][j], -1 + (2 * (row[j] - min)) / (max - min), 1e-12, "range");
      });
    }
    // on the fitted rows the scaled feature runs exactly from 0 to 1 (from −1 to 1)
    const fitted = column(scaler.transform(train), j);
    assert.equal(Math.min(...fitted), 0);
    assert.equal(Math.max(...fitted), 1);
    assertClose(Math.min(...column(ranged.transform(train), j)), -1, 1e-15, "lo");
    assertClose(Math.max(...column(ranged.transform(train), j)), 1, 1e-15, "hi");
  }
  assert.deepEqual(ranged.featureRange, [-1, 1]);
  assert.deepEqual(scaler.featureRange, [0, 1]);
  // by hand: 0, 5, 10 → 0, 0.5, 1
  assert.deepEqual(fitScaler("minMax", [[0], [5], [10]]).transform([[0], [5], [10], [-5]]), [
    [0],
    [0.5],
    [1],
    [-0.5],
  ]);
});

Deno.test("fitScaler('zScore') uses the mean and the population standard deviation (ddof 0)", () => {
  const train = rows(60, 3), dev = rows(25, 4);
  const scaler = fitScaler("zScore", train);
  for (let j = 0; j < 3; j++) {
    const x = column(train, j), n = x.length;
    // a second way: σ² = E[x²] − μ²
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n - mean * mean);
    assertClose(scaler.stats[j].center, mean, 1e-12, "center");
    assertClose(scaler.stats[j].mean!, mean, 1e-12, "mean");
    assertClose(scaler.stats[j].std!, std, 1e-9, "std");
    assert.equal(scaler.stats[j].scale, scaler.stats[j].std);
    for (const X of [train, dev]) {
      const out = scaler.transform(X);
      X.forEach((row, i) => assertClose(out[i][j], (row[j] - mean) / std, 1e-9, `z[${i}][${j}]`));
    }
  }
  // by hand: 1, 2, 6 has mean 3 and squared deviations 4, 1, 9, so σ = √(14/3) (not √(14/2))
  const s = fitScaler("zScore", [[1], [2], [6]]).stats[0];
  assert.equal(s.mean, 3);
  assertClose(s.std!, Math.sqrt(14 / 3), 1e-15, "σ by hand");
  // the same numbers as featureStats and standardize in preprocessing.ts
  const ds = dataset(train);
  const stats = featureStats(ds);
  assertAllClose([scaler.stats.map((f) => f.mean!)], [stats.mean], 1e-12, "featureStats mean");
  assertAllClose([scaler.stats.map((f) => f.std!)], [stats.std], 1e-12, "featureStats std");
  assertAllClose(scaler.transform(dev), standardize(dataset(dev), stats).X, 1e-12, "standardize");
});

Deno.test("fitScaler('robust') centres on the median and divides by the IQR, quantiles as numpy", () => {
  // by hand, odd n: 1 3 5 7 10 → h = 4p: Q1 = x₍₁₎ = 3, median = x₍₂₎ = 5, Q3 = x₍₃₎ = 7
  const odd = fitScaler("robust", [[7], [1], [3], [10], [5]]).stats[0];
  assert.deepEqual({ ...odd }, { feature: "x1", center: 5, scale: 4, median: 5, q1: 3, q3: 7 });
  // by hand, even n: 1 2 3 4 → h = 3p: Q1 at 0.75 → 1.75, median at 1.5 → 2.5, Q3 at 2.25 → 3.25
  const even = fitScaler("robust", [[4], [1], [3], [2]]).stats[0];
  assert.deepEqual({ ...even }, {
    feature: "x1",
    center: 2.5,
    scale: 1.5,
    median: 2.5,
    q1: 1.75,
    q3: 3.25,
  });
  assert.deepEqual(
    fitScaler("robust", [[7], [1], [3], [10], [5]]).transform([[5], [9], [1]]),
    [[0], [1], [-1]],
  );
  // random sets of every size from 1 to 40 against numpy's formula
  const rng = makeRng(5);
  for (let n = 1; n <= 40; n++) {
    const x = Array.from({ length: n }, () => [Math.round(100 * rng.normal()) / 10]);
    const s = fitScaler("robust", x).stats[0];
    const v = column(x, 0);
    const [q1, median, q3] = [0.25, 0.5, 0.75].map((p) => numpyQuantile(v, p));
    assertClose(s.q1!, q1, 1e-12, `q1 n=${n}`);
    assertClose(s.median!, median, 1e-12, `median n=${n}`);
    assertClose(s.q3!, q3, 1e-12, `q3 n=${n}`);
    assertClose(s.scale, q3 - q1 > 0 ? q3 - q1 : 1, 1e-12, `IQR n=${n}`);
  }
});

Deno.test("inverse(transform(x)) gives x back for every kind and every input type", () => {
  const train = rows(40, 6), dev = rows(15, 7);
  for (const kind of KINDS) {
    const scaler = fitScaler(kind, dataset(train));
    assertAllClose(scaler.inverse(scaler.transform(dev)), dev, 1e-12, `${kind} rows`);
    const ds = scaler.inverse(scaler.transform(dataset(dev)));
    assertAllClose(ds.X, dev, 1e-12, `${kind} dataset`);
    const frame = scaler.inverse(scaler.transform(toDataFrame(dataset(dev))));
    assertAllClose(
      frame.select("a", "b", "c").rows() as number[][],
      dev,
      1e-12,
      `${kind} DataFrame`,
    );
    const t = tf.tensor2d(dev);
    const scaled = scaler.transform(t);
    const back = scaler.inverse(scaled);
    assertAllClose(back.arraySync(), dev, 1e-5, `${kind} tensor`);
    tf.dispose([t, scaled, back]);
  }
});

Deno.test("the statistics come from the fitted split only and transforming other splits leaves them alone", () => {
  const { train, dev, test } = trainDevTestSplit(loadWine().dataset, { seed: 3 });
  for (const kind of KINDS) {
    const scaler = fitScaler(kind, train);
    const before = structuredClone(scaler.stats);
    assert.equal(scaler.fittedOn, train.X.length);
    assert.notEqual(scaler.fittedOn, dev.X.length + train.X.length);
    const devScaled = scaler.transform(dev);
    scaler.transform(test);
    scaler.transform(toDataFrame(dev));
    tf.dispose(scaler.transform(tf.tensor2d(test.X)));
    assert.deepEqual(scaler.stats, before);
    assert.equal(scaler.fittedOn, train.X.length);
    // the dev rows are scaled with the training statistics, not their own
    const own = fitScaler(kind, dev);
    assert.notDeepEqual(devScaled.X, own.transform(dev).X);
    const j = 12; // proline, in the hundreds to over a thousand
    dev.X.forEach((row, i) => {
      const s = scaler.stats[j];
      const expected = (row[j] - s.center) / s.scale;
      assertClose(devScaled.X[i][j], expected, 1e-12, `${kind} dev[${i}]`);
    });
    // the statistics cannot be changed by hand either
    assert.throws(() => {
      (scaler.stats[0] as { center: number }).center = 0;
    }, TypeError);
    assert.throws(() => {
      (scaler as { fittedOn: number }).fittedOn = dev.X.length;
    }, TypeError);
  }
  // z-scored training features have mean 0 and σ 1; the dev features only roughly
  const z = fitScaler("zScore", train);
  const trainStats = featureStats(z.transform(train));
  trainStats.mean.forEach((m, j) => assertClose(m, 0, 1e-12, `train mean ${j}`));
  trainStats.std.forEach((s, j) => assertClose(s, 1, 1e-12, `train std ${j}`));
  const devStats = featureStats(z.transform(dev));
  assert.ok(devStats.mean.some((m) => Math.abs(m) > 0.01));
});

Deno.test("the DataFrame and tensor paths give what the array path gives", () => {
  const train = rows(30, 8), dev = rows(12, 9);
  for (const kind of KINDS) {
    const scaler = fitScaler(kind, dataset(train));
    const expected = scaler.transform(dev);
    // DataFrame: the feature columns by name (in any order), Float64, other columns kept
    const df = toDataFrame(dataset(dev)).select("t", "c", "a", "b");
    const out = scaler.transform(df);
    assert.deepEqual(out.columns, ["t", "c", "a", "b"]);
    assert.deepEqual(out.getColumn("t").toArray(), df.getColumn("t").toArray());
    assert.deepEqual(out.select("a", "b", "c").rows(), expected);
    assert.ok(out.dtypes.every((t) => String(t) === "DataType(Float64)"));
    // Dataset: the same rows, targets and names kept
    const ds = scaler.transform(dataset(dev));
    assert.deepEqual(ds.X, expected);
    assert.deepEqual(ds.y, dataset(dev).y);
    assert.deepEqual(ds.featureNames, ["a", "b", "c"]);
    // tensor: float32 in and out, so the array path on float32-rounded rows, rounded to float32
    const t = tf.tensor2d(dev);
    const scaled = scaler.transform(t);
    assert.deepEqual(scaled.shape, [12, 3]);
    assert.equal(scaled.dtype, "float32");
    const rounded = scaler.transform(dev.map((row) => row.map(Math.fround)));
    assert.deepEqual(scaled.arraySync(), rounded.map((row) => row.map(Math.fround)));
    // fitted on a tensor or a DataFrame: the same statistics up to float32 rounding
    const trainTensor = tf.tensor2d(train);
    const fromTensor = fitScaler(kind, trainTensor);
    const fromRows = fitScaler(kind, train.map((row) => row.map(Math.fround)));
    assert.deepEqual(fromTensor.stats, fromRows.stats);
    tf.dispose([t, scaled, trainTensor]);
    const fromFrame = fitScaler(kind, toDataFrame(dataset(train)), { columns: ["a", "b", "c"] });
    assert.deepEqual(
      fromFrame.stats.map((s) => ({ ...s })),
      scaler.stats.map((s) => ({ ...s })),
    );
  }
});

Deno.test("an outlier 100 times the feature's range moves the robust centre and scale far less than z-score's", () => {
  // the feature 1, 2, …, 20 (range 19); then the 20 replaced by 1 + 100 · 19 = 1901
  const clean = Array.from({ length: 20 }, (_, i) => [i + 1]);
  const dirty = clean.map((row) => [...row]);
  dirty[19][0] = 1 + 100 * 19;
  const moved = (kind: ScalerKind) => {
    const [a, b] = [fitScaler(kind, clean).stats[0], fitScaler(kind, dirty).stats[0]];
    return { center: Math.abs(b.center - a.center), scale: Math.abs(b.scale - a.scale) };
  };
  const robust = moved("robust"), z = moved("zScore"), minMax = moved("minMax");
  // by hand: the median (10.5), Q1 (5.75) and Q3 (15.25) of 1..20 do not involve the largest value
  assert.deepEqual(robust, { center: 0, scale: 0 });
  // the mean moves by 1881/20 = 94.05 and σ from √((20² − 1)/12) ≈ 5.77 to over 400
  assertClose(z.center, 1881 / 20, 1e-12, "mean shift");
  assert.ok(z.scale > 400, `σ moved by ${z.scale}`);
  assert.equal(minMax.scale, 1900 - 19);
  // so the nineteen ordinary values keep their robust scaled values, while z-scores squash them
  const inliers = clean.slice(0, 19);
  assert.deepEqual(
    fitScaler("robust", dirty).transform(inliers),
    fitScaler("robust", clean).transform(inliers),
  );
  const spread = (X: number[][]) => Math.max(...column(X, 0)) - Math.min(...column(X, 0));
  assert.ok(spread(fitScaler("zScore", dirty).transform(inliers)) < 0.05);
  assert.ok(spread(fitScaler("zScore", clean).transform(inliers)) > 3);
});

Deno.test("a constant feature gets scale 1: shifted by its centre, never divided by zero", () => {
  const X = [[4, 1], [4, 2], [4, 3]];
  for (const kind of KINDS) {
    const scaler = fitScaler(kind, X);
    assert.equal(scaler.stats[0].center, 4);
    assert.equal(scaler.stats[0].scale, 1);
    assert.deepEqual(column(scaler.transform(X), 0), [0, 0, 0]);
    assert.deepEqual(column(scaler.transform([[5, 1], [3, 1]]), 0), [1, -1]);
    assert.deepEqual(scaler.inverse(scaler.transform(X)), X);
  }
  assert.equal(fitScaler("zScore", X).stats[0].std, 0);
  assert.equal(fitScaler("robust", X).stats[0].q3, 4);
  assert.equal(fitScaler("minMax", X).stats[0].max, 4);
  // min-max into [lo, hi]: the constant feature lands on lo
  assert.deepEqual(fitScaler("minMax", X, { featureRange: [-1, 1] }).transform(X)[0], [-1, -1]);
  // a single row: every feature constant
  assert.deepEqual(fitScaler("zScore", [[2, 3]]).transform([[2, 3], [3, 5]]), [[0, 0], [1, 2]]);
});

Deno.test("scalers leave their input alone and keep names, classes and task", () => {
  const wine = loadWine().dataset;
  const copy = structuredClone(wine);
  const scaler = fitScaler("robust", wine);
  const out = scaler.transform(wine);
  assert.deepEqual(wine, copy);
  assert.deepEqual(out.classNames, wine.classNames);
  assert.notEqual(out.classNames, wine.classNames);
  assert.equal(out.task, "multiclass");
  assert.equal(out.targetName, wine.targetName);
  assert.deepEqual(scaler.featureNames, wine.featureNames);
  const frame = loadWine().frame;
  const scaledFrame = scaler.transform(frame);
  assert.deepEqual(scaledFrame.columns, frame.columns);
  assert.deepEqual(scaledFrame.getColumn("class").toArray(), frame.getColumn("class").toArray());
  assert.deepEqual(frame.toRecords(), loadWine().frame.toRecords());
});

Deno.test("scalers free every tensor they make and only hand back the one asked for", () => {
  const train = tf.tensor2d(rows(20, 10)), dev = tf.tensor2d(rows(5, 11));
  const before = tf.memory().numTensors;
  for (const kind of KINDS) {
    const scaler = fitScaler(kind, train);
    const out = scaler.transform(dev);
    assert.equal(tf.memory().numTensors, before + 1);
    const back = scaler.inverse(out);
    tf.dispose([out, back]);
    assert.equal(tf.memory().numTensors, before);
    const narrow = tf.tensor2d([[1, 2]]);
    assert.throws(() => scaler.transform(narrow), /3 columns/);
    assert.throws(() => scaler.inverse(narrow), /3 columns/);
    narrow.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
  tf.dispose([train, dev]);
});

Deno.test("fitScaler() and transform() reject bad input, saying what is allowed", () => {
  const X = [[1, 2], [3, 4]];
  const scaler = fitScaler("zScore", X);
  const named = fitScaler("zScore", dataset(rows(3, 1)));
  const CUBE = tf.zeros([2, 2, 1]);
  const cases: [() => unknown, string, typeof TypeError | typeof RangeError][] = [
    [
      () => fitScaler("standard" as ScalerKind, X),
      `kind must be one of "minMax", "zScore", "robust", got "standard"`,
      RangeError,
    ],
    [
      () => fitScaler("minMax", []),
      "X must have at least one row to fit on, got 0 rows",
      RangeError,
    ],
    [
      () => fitScaler("minMax", { ...dataset([]) }),
      "X must have at least one row to fit on, got 0 rows",
      RangeError,
    ],
    [
      () => fitScaler("robust", [[1, 2], [NaN, 4]]),
      "X has a non-finite value NaN at row 1, column 0",
      RangeError,
    ],
    [
      () => scaler.transform([[1, Infinity]]),
      "X has a non-finite value Infinity at row 0, column 1",
      RangeError,
    ],
    [
      () => scaler.transform([[1, 2, 3]]),
      "X must have 2 columns (the features the scaler was fitted on), got rows of 3",
      RangeError,
    ],
    [
      () => scaler.transform([[1, 2], [3]]),
      "X rows must all have 2 values, row 1 has 1",
      RangeError,
    ],
    [
      () => scaler.transform(dataset(rows(2, 1))),
      "X must have 2 features (the number the scaler was fitted on), got 3",
      RangeError,
    ],
    [
      () => named.transform({ ...dataset(rows(2, 1)), featureNames: ["b", "a", "c"] }),
      "X.featureNames must be the features the scaler was fitted on, in order (a, b, c), got b, a, c",
      RangeError,
    ],
    [
      () => scaler.transform(pl.DataFrame({ x1: [1], x3: [2] })),
      `X must have a column "x2" (a feature of the scaler), got columns "x1", "x3"`,
      RangeError,
    ],
    [
      () => scaler.transform(pl.DataFrame({ x1: [1], x2: ["a"] })),
      `X column "x2" must be numeric, got dtype String`,
      TypeError,
    ],
    [
      () => scaler.transform(pl.DataFrame({ x1: [1, 2], x2: [2, null] })),
      `X column "x2" must have no null values, got 1`,
      RangeError,
    ],
    [
      () => scaler.transform(pl.DataFrame({ x1: [1, 2], x2: [2, NaN] })),
      `X has a non-finite value NaN at row 1, column "x2"`,
      RangeError,
    ],
    [
      () => fitScaler("minMax", pl.DataFrame({ a: [1], t: [0] })),
      `options.columns must name the feature columns to fit on when X is a DataFrame, got undefined (the columns are "a", "t")`,
      TypeError,
    ],
    [
      () => fitScaler("zScore", X, { featureRange: [0, 1] }),
      `options.featureRange applies to kind "minMax" only, got it with kind "zScore"`,
      RangeError,
    ],
    [
      () => fitScaler("minMax", X, { featureRange: [1, 0] }),
      "options.featureRange must satisfy lo < hi, got [1, 0]",
      RangeError,
    ],
    [
      () => fitScaler("minMax", X, { columns: ["a"] }),
      "options.columns must name each of the 2 columns of X, got 1 names",
      RangeError,
    ],
    [
      () => fitScaler("minMax", dataset(rows(2, 1)), { columns: ["a", "b", "c"] }),
      `options.columns must be left undefined for a Dataset (its featureNames name the features), got ["a", "b", "c"]`,
      RangeError,
    ],
    [
      () => fitScaler("minMax", X, { range: [0, 1] } as never),
      'options has no setting "range"; the settings are featureRange, columns',
      TypeError,
    ],
    [
      () => fitScaler("minMax", "X" as never),
      `X must be an array of rows, a Dataset, a tf.Tensor2D or a nodejs-polars DataFrame, got "X"`,
      TypeError,
    ],
    [
      () => scaler.transform(CUBE as never),
      "X must be a tensor of rank 2 [rows, features], got shape [2, 2, 1]",
      RangeError,
    ],
  ];
  for (const [call, message, type] of cases) {
    assert.throws(call, (err: Error) => {
      assert.ok(err instanceof type, `${message}: ${err.name} ${err.message}`);
      assert.equal(err.message, message);
      return true;
    });
  }
  CUBE.dispose();
});

Deno.test("an empty split transforms to an empty one", () => {
  const scaler = fitScaler("minMax", [[1, 2], [3, 4]]);
  assert.deepEqual(scaler.transform([]), []);
  const ds = scaler.transform({ ...dataset([]), featureNames: ["x1", "x2"] });
  assert.deepEqual(ds.X, []);
  const t = tf.zeros([0, 2]) as tf.Tensor2D;
  const out = scaler.transform(t);
  assert.deepEqual(out.shape, [0, 2]);
  tf.dispose([t, out]);
});

optionTableTests([{
  name: "fitScaler",
  call: (o) => fitScaler("minMax", [[1, 2], [3, 5]], o),
  valid: ["featureRange", "columns"],
  example: [-1, 1],
}], { label: "scaler", sync: true });
