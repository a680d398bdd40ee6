import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { concatDatasets, subset, toDataFrame, toRecords, toTensors } from "../lib/datasets.ts";
import { makeBlobs, makeMoons, makeRegression1d, makeSpirals } from "../lib/synthetic.ts";

await initBackend("cpu");

Deno.test("toTensors gives float32 tensors of the right shapes and values", async (t) => {
  await t.step("binary: X [n, 2] and y [n, 1]", () => {
    const ds = makeMoons(25, { seed: 1 });
    const { X, y } = toTensors(ds);
    assert.deepEqual(X.shape, [25, 2]);
    assert.deepEqual(y.shape, [25, 1]);
    assert.equal(X.dtype, "float32");
    assert.equal(y.dtype, "float32");
    assert.deepEqual(X.arraySync(), ds.X.map((row) => row.map(Math.fround)));
    assert.deepEqual(y.arraySync(), ds.y.map((c) => [c]));
    tf.dispose([X, y]);
  });
  await t.step("multiclass: one-hot y [n, k]", () => {
    const ds = makeSpirals(30, { numClasses: 3, seed: 1 });
    const { X, y } = toTensors(ds);
    assert.deepEqual(X.shape, [30, 2]);
    assert.deepEqual(y.shape, [30, 3]);
    const rows = y.arraySync();
    rows.forEach((row, i) => {
      assert.deepEqual(row, [0, 1, 2].map((c) => (c === ds.y[i] ? 1 : 0)));
    });
    tf.dispose([X, y]);
  });
  await t.step("regression: y [n, 1] holds the targets", () => {
    const ds = makeRegression1d(12, { seed: 1 });
    const { X, y } = toTensors(ds);
    assert.deepEqual(X.shape, [12, 1]);
    assert.deepEqual(y.dataSync(), Float32Array.from(ds.y));
    tf.dispose([X, y]);
  });
  await t.step("an empty data set gives [0, d] tensors", () => {
    const { X, y } = toTensors(subset(makeMoons(5, { seed: 1 }), []));
    assert.deepEqual(X.shape, [0, 2]);
    assert.deepEqual(y.shape, [0, 1]);
    tf.dispose([X, y]);
  });
});

Deno.test("toTensors makes exactly two tensors and leaks none once they are disposed", () => {
  const ds = makeBlobs(50, { centers: 4, seed: 1 });
  const before = tf.memory().numTensors;
  const { X, y } = toTensors(ds);
  assert.equal(tf.memory().numTensors, before + 2);
  X.dispose();
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => toTensors({ ...ds, y: ds.y.slice(1) }), RangeError);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("toDataFrame has one column per feature and the target", async (t) => {
  await t.step("classification with class names", () => {
    const ds = makeMoons(20, { seed: 3 });
    const df = toDataFrame(ds, { classColumn: "class" });
    assert.deepEqual(df.columns, ["x1", "x2", "label", "class"]);
    assert.equal(df.height, 20);
    assert.deepEqual(df.getColumn("x1").toArray(), ds.X.map((r) => r[0]));
    assert.deepEqual(df.getColumn("x2").toArray(), ds.X.map((r) => r[1]));
    assert.deepEqual(df.getColumn("label").toArray(), ds.y);
    assert.match(String(df.getColumn("label").dtype), /Int32/);
    assert.deepEqual(
      df.getColumn("class").toArray(),
      ds.y.map((c) => (c === 0 ? "upper moon" : "lower moon")),
    );
  });
  await t.step("regression", () => {
    const ds = makeRegression1d(15, { seed: 3 });
    const df = toDataFrame(ds);
    assert.deepEqual(df.columns, ["x", "y"]);
    assert.deepEqual(df.getColumn("y").toArray(), ds.y);
    assert.match(String(df.getColumn("y").dtype), /Float64/);
  });
});

Deno.test("subset copies the chosen rows in order and keeps the metadata", () => {
  const ds = makeSpirals(30, { numClasses: 3, seed: 2 });
  const part = subset(ds, [5, 0, 5, 29]);
  assert.deepEqual(part.X, [ds.X[5], ds.X[0], ds.X[5], ds.X[29]]);
  assert.deepEqual(part.y, [ds.y[5], ds.y[0], ds.y[5], ds.y[29]]);
  assert.deepEqual(part.featureNames, ds.featureNames);
  assert.deepEqual(part.classNames, ds.classNames);
  assert.equal(part.task, ds.task);
  part.X[0][0] = 1e6;
  assert.notEqual(ds.X[5][0], 1e6);
});

Deno.test("bad arguments raise errors that name the parameter and the value", async (t) => {
  const moons = makeMoons(10, { seed: 1 });
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "subset index too large",
      () => subset(moons, [0, 10]),
      RangeError,
      /^indices\[1\] must be an integer in \[0, 9\], got 10$/,
    ],
    [
      "subset index fractional",
      () => subset(moons, [0.5]),
      RangeError,
      /^indices\[0\] must be an integer in \[0, 9\], got 0.5$/,
    ],
    [
      "y too short",
      () => toTensors({ ...moons, y: moons.y.slice(1) }),
      RangeError,
      /^ds.y must have one entry per row of ds.X \(10\), got 9$/,
    ],
    [
      "ragged X",
      () => toDataFrame({ ...moons, X: [[1, 2, 3], ...moons.X.slice(1)] }),
      RangeError,
      /^ds.X\[0\] must have 2 entries \(one per feature name\), got 3$/,
    ],
    [
      "non-finite X",
      () => subset({ ...moons, X: [[NaN, 0], ...moons.X.slice(1)] }, [0]),
      RangeError,
      /^ds.X\[0\]\[0\] must be a finite number, got NaN$/,
    ],
    [
      "binary label 2",
      () => toTensors({ ...moons, y: [2, ...moons.y.slice(1)] }),
      RangeError,
      /^ds.y\[0\] must be a class index, an integer in \[0, 1\] for task "binary", got 2$/,
    ],
    [
      "task",
      () => toTensors({ ...moons, task: "ranking" as "binary" }),
      RangeError,
      /^ds.task must be .*got "ranking"$/,
    ],
    [
      "target name clash",
      () => toDataFrame({ ...moons, targetName: "x1" }),
      RangeError,
      /^ds.targetName must differ from every feature name, got "x1"$/,
    ],
    [
      "classColumn on regression",
      () => toDataFrame(makeRegression1d(5, { seed: 1 }), { classColumn: "c" }),
      RangeError,
      /^classColumn needs a classification data set/,
    ],
    [
      "classColumn clash",
      () => toDataFrame(moons, { classColumn: "label" }),
      RangeError,
      /^classColumn must differ .*got "label"$/,
    ],
  ];
  for (const [name, fn, errorClass, message] of cases) {
    await t.step(name, () => {
      assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${err}`);
        assert.match((err as Error).message, message);
        return true;
      });
    });
  }
});

Deno.test("concatDatasets() stacks rows in order and rejects mismatched columns", () => {
  const ds = makeMoons(12, { seed: 5 });
  const a = subset(ds, [0, 1, 2, 3, 4]);
  const b = subset(ds, [5, 6, 7, 8, 9, 10, 11]);
  const back = concatDatasets([a, b]);
  assert.deepEqual(back.X, ds.X);
  assert.deepEqual(back.y, ds.y);
  assert.equal(back.task, ds.task);
  const other = makeRegression1d(3, { seed: 1 });
  assert.throws(() => concatDatasets([a, other]), {
    name: "RangeError",
    message: /^parts\[1\] must have the columns, classes and task of parts\[0\]/,
  });
  assert.throws(() => concatDatasets([]), {
    name: "RangeError",
    message: /^parts must be a non-empty array of data sets, got/,
  });
});

Deno.test("toRecords() gives one {x1, x2, label} per row of a 2-D set", () => {
  const ds = makeMoons(7, { seed: 2 });
  const rows = toRecords(ds);
  assert.equal(rows.length, 7);
  rows.forEach((r, i) => assert.deepEqual(r, { x1: ds.X[i][0], x2: ds.X[i][1], label: ds.y[i] }));
  const threeD = makeBlobs(6, { centers: 2, dim: 3, seed: 1 });
  assert.throws(() => toRecords(threeD), {
    name: "RangeError",
    message: "ds must have exactly 2 features to be drawn in the plane, got 3",
  });
});
