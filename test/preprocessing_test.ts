import assert from "node:assert/strict";
import type { Dataset } from "../lib/datasets.ts";
import { featureStats, selectFeatures, standardize } from "../lib/preprocessing.ts";
import { loadBreastCancer, loadDiabetes } from "../lib/tabular.ts";

Deno.test("selectFeatures() keeps the named columns in the given order", () => {
  const ds = loadBreastCancer().dataset;
  const sub = selectFeatures(ds, ["mean area", "mean radius"]);
  assert.deepEqual(sub.featureNames, ["mean area", "mean radius"]);
  assert.deepEqual(sub.X[5], [ds.X[5][3], ds.X[5][0]]);
  assert.deepEqual(sub.y, ds.y);
  assert.deepEqual(sub.classNames, ds.classNames);
  assert.throws(() => selectFeatures(ds, ["mean radius", "radius"]), /names\[1\] must be one of/);
  assert.throws(() => selectFeatures(ds, []), /names must be a non-empty array/);
  assert.throws(() => selectFeatures(ds, ["mean radius", "mean radius"]), /repeat/);
});

Deno.test("standardize() gives zero mean and unit spread with the fitted statistics", () => {
  const ds = loadDiabetes().dataset;
  const z = standardize(ds);
  const s = featureStats(z);
  for (let j = 0; j < 10; j++) {
    assert.ok(Math.abs(s.mean[j]) < 1e-9, `mean[${j}] = ${s.mean[j]}`);
    assert.ok(Math.abs(s.std[j] - 1) < 1e-9, `std[${j}] = ${s.std[j]}`);
  }
  // by hand on a tiny set: mean 2, population std 1
  const tiny = {
    X: [[1], [3]],
    y: [0, 1],
    featureNames: ["a"],
    targetName: "t",
    task: "binary" as const,
  };
  assert.deepEqual(standardize(tiny).X, [[-1], [1]]);
  // statistics from other rows are applied as given
  assert.deepEqual(standardize(tiny, { mean: [0], std: [2] }).X, [[0.5], [1.5]]);
  // a constant column is only centred
  assert.deepEqual(standardize({ ...tiny, X: [[4], [4]] }).X, [[0], [0]]);
  assert.throws(() => standardize(tiny, { mean: [0, 0], std: [1] }), /stats\.mean must be 1/);
  assert.throws(() => standardize(tiny, { mean: [0], std: [-1] }), /stats\.std must be >= 0/);
});

Deno.test("featureStats() matches the textbook formulas and rejects an empty set", () => {
  const ds: Dataset = {
    X: [[1, -2], [2, 0], [6, 5]],
    y: [0, 1, 0],
    featureNames: ["a", "b"],
    targetName: "t",
    task: "binary",
  };
  const s = featureStats(ds);
  // By hand: a = 1, 2, 6 has mean 3 and squared deviations 4, 1, 9; b = −2, 0, 5 has mean 1
  // and squared deviations 9, 1, 16.
  assert.deepEqual(s.mean, [3, 1]);
  assert.ok(Math.abs(s.std[0] - Math.sqrt(14 / 3)) < 1e-12);
  assert.ok(Math.abs(s.std[1] - Math.sqrt(26 / 3)) < 1e-12);
  assert.throws(() => featureStats({ ...ds, X: [], y: [] }), {
    name: "RangeError",
    message: "ds must have at least one row, got 0",
  });
});

Deno.test("preprocessing leaves its input alone and keeps names, classes and task", () => {
  const ds: Dataset = {
    X: [[1, 10], [3, 30]],
    y: [0, 1],
    featureNames: ["a", "b"],
    targetName: "t",
    classNames: ["no", "yes"],
    task: "binary",
  };
  const copy = structuredClone(ds);
  for (const out of [standardize(ds), selectFeatures(ds, ["b"])]) {
    assert.equal(out.targetName, "t");
    assert.equal(out.task, "binary");
    assert.deepEqual(out.classNames, ["no", "yes"]);
    assert.notEqual(out.classNames, ds.classNames);
    out.X[0][0] = 99;
    out.y[0] = 1;
  }
  assert.deepEqual(ds, copy);
});
