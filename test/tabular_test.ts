import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { loadBreastCancer, loadDiabetes, loadIris, loadWine, type Table } from "../lib/tabular.ts";
import { scratchDirSync } from "../tools/_scratch.ts";

await initBackend("cpu");

/** Number of rows with each label 0..k−1. */
function classCounts(y: number[], k: number): number[] {
  const counts = Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  return counts;
}

/** A fresh temporary folder holding the given files. */
function tempDataDir(files: Record<string, string>): string {
  const dir = scratchDirSync("tabular-test-");
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${name}`, text);
  return dir;
}

/** Asserts that a table's frame holds the dataset's values column by column. */
function assertFrameMatches(table: Table): void {
  const { dataset, frame } = table;
  assert.equal(frame.height, dataset.X.length);
  dataset.featureNames.forEach((name, j) => {
    assert.deepEqual(frame.getColumn(name).toArray(), dataset.X.map((row) => row[j]));
  });
  assert.deepEqual(frame.getColumn("target").toArray(), dataset.y);
}

Deno.test("the loaders read the shipped files with scikit-learn's documented counts", async (t) => {
  await t.step("breast cancer: 569 × 30, 212 malignant and 357 benign", () => {
    const table = loadBreastCancer();
    const ds = table.dataset;
    assert.equal(ds.X.length, 569);
    assert.equal(ds.featureNames.length, 30);
    assert.equal(ds.task, "binary");
    assert.deepEqual(ds.classNames, ["malignant", "benign"]);
    assert.deepEqual(classCounts(ds.y, 2), [212, 357]);
    assert.deepEqual(table.frame.columns.slice(-2), ["target", "class"]);
    assertFrameMatches(table);
  });
  await t.step("wine: 178 × 13, classes of 59, 71 and 48", () => {
    const table = loadWine();
    assert.equal(table.dataset.X.length, 178);
    assert.equal(table.dataset.featureNames.length, 13);
    assert.equal(table.dataset.task, "multiclass");
    assert.deepEqual(classCounts(table.dataset.y, 3), [59, 71, 48]);
    assertFrameMatches(table);
  });
  await t.step("iris: 150 × 4, 50 per species", () => {
    const table = loadIris();
    assert.equal(table.dataset.X.length, 150);
    assert.deepEqual(table.dataset.classNames, ["setosa", "versicolor", "virginica"]);
    assert.deepEqual(classCounts(table.dataset.y, 3), [50, 50, 50]);
    assertFrameMatches(table);
  });
  await t.step("diabetes: 442 × 10 with a real-valued target", () => {
    const table = loadDiabetes();
    assert.equal(table.dataset.X.length, 442);
    assert.equal(table.dataset.featureNames.length, 10);
    assert.equal(table.dataset.task, "regression");
    assert.equal(table.dataset.classNames, undefined);
    assert.ok(!table.frame.columns.includes("class"));
    // sex is coded 1 or 2 in the raw file
    assert.deepEqual([...new Set(table.dataset.X.map((r) => r[1]))].sort(), [1, 2]);
    assertFrameMatches(table);
  });
});

Deno.test("the loaders keep the feature names and the values of the file", async (t) => {
  await t.step("breast cancer names follow field 0 = mean radius, 10 = radius error", () => {
    const names = loadBreastCancer().dataset.featureNames;
    assert.equal(names[0], "mean radius");
    assert.equal(names[10], "radius error");
    assert.equal(names[20], "worst radius");
    assert.equal(names[23], "worst area");
    assert.equal(new Set(names).size, 30);
  });
  await t.step("each set's names as scikit-learn's loaders give them", () => {
    assert.equal(loadWine().dataset.featureNames[12], "proline");
    assert.equal(loadIris().dataset.featureNames[2], "petal length (cm)");
    assert.deepEqual(loadDiabetes().dataset.featureNames.slice(0, 4), ["age", "sex", "bmi", "bp"]);
  });
  await t.step("the first breast cancer row is the file's second line", () => {
    const path = new URL("../data/breast_cancer.csv", import.meta.url);
    const line = Deno.readTextFileSync(path).split("\n")[1].split(",").map(Number);
    const ds = loadBreastCancer().dataset;
    assert.deepEqual(ds.X[0], line.slice(0, 30));
    assert.equal(ds.y[0], line[30]);
  });
  await t.step("the radius, perimeter and area of a nucleus are strongly correlated", () => {
    // perimeter ≈ 2πr and area ≈ πr² make the three columns nearly collinear
    const ds = loadBreastCancer().dataset;
    const r = ds.X.map((row) => row[0]);
    const p = ds.X.map((row) => row[2]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const [mr, mp] = [mean(r), mean(p)];
    const cov = mean(r.map((x, i) => (x - mr) * (p[i] - mp)));
    const corr = cov /
      Math.sqrt(mean(r.map((x) => (x - mr) ** 2)) * mean(p.map((x) => (x - mp) ** 2)));
    assert.ok(corr > 0.99, `corr(mean radius, mean perimeter) = ${corr}`);
    // and the perimeter is about 2π times the radius
    const ratio = mean(p.map((x, i) => x / r[i]));
    assert.ok(Math.abs(ratio - 2 * Math.PI) < 0.5, `mean perimeter/radius = ${ratio}`);
  });
});

Deno.test("a missing file fails with an error naming its path and what to do", async (t) => {
  await t.step("in a given dataDir", () => {
    const dir = tempDataDir({});
    try {
      assert.throws(
        () => loadBreastCancer({ dataDir: dir }),
        (err: Error) =>
          err.message.includes(`data file not found: ${dir}/breast_cancer.csv`) &&
          err.message.includes("copy the kit's data/breast_cancer.csv"),
      );
      assert.throws(() => loadDiabetes({ dataDir: dir }), /diabetes_data_raw\.csv/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
  await t.step("diabetes names the target file when only it is missing", () => {
    const src = new URL("../data/diabetes_data_raw.csv", import.meta.url);
    const dir = tempDataDir({ "diabetes_data_raw.csv": Deno.readTextFileSync(src) });
    try {
      assert.throws(
        () => loadDiabetes({ dataDir: dir }),
        new RegExp(`data file not found: ${dir}/diabetes_target\\.csv`),
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
  await t.step("bad options name the setting", () => {
    assert.throws(() => loadIris({ dataDir: "" }), {
      name: "TypeError",
      message: 'dataDir must be a non-empty string, got ""',
    });
    assert.throws(() => loadIris({ dir: "x" } as unknown as { dataDir: string }), {
      name: "TypeError",
      message: 'options has no setting "dir"; the settings are dataDir',
    });
  });
});

Deno.test("a malformed file fails with an error naming the file and the line", async (t) => {
  // iris's layout: header "rows,4,class names…", then 4 features and a class per line
  const good = "3,4,a,b,c\n1,2,3,4,0\n5,6,7,8,1\n9,10,11,12,2\n";
  const cases: [string, string, RegExp][] = [
    ["a bad number", good.replace("5,6,", "5,x,"), /iris\.csv line 3: column 2 .* got "x"/],
    ["a short row", good.replace("9,10,", ""), /iris\.csv line 4: expected 5 values/],
    ["a class out of range", good.replace(",8,1", ",8,3"), /iris\.csv line 3: the class/],
    ["a wrong row count", good + "1,1,1,1,0\n", /iris\.csv line 1: the header announces 3 rows/],
    ["a wrong feature count", good.replace("3,4,", "3,5,"), /line 1: .* 4 features, got 5/],
    ["a header without counts", "a,b,c\n", /iris\.csv line 1: the header must be/],
    ["an empty file", "", /iris\.csv line 1: the file is empty/],
  ];
  await t.step("the well-formed sample loads", () => {
    const dir = tempDataDir({ "iris.csv": good });
    try {
      assert.deepEqual(loadIris({ dataDir: dir }).dataset.y, [0, 1, 2]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
  for (const [what, text, pattern] of cases) {
    await t.step(what, () => {
      const dir = tempDataDir({ "iris.csv": text });
      try {
        assert.throws(() => loadIris({ dataDir: dir }), pattern);
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    });
  }
  await t.step("a diabetes row with too few values", () => {
    const dir = tempDataDir({
      "diabetes_data_raw.csv": "1 2 3 4 5 6 7 8 9 10\n1 2 3\n",
      "diabetes_target.csv": "1\n2\n",
    });
    try {
      assert.throws(
        () => loadDiabetes({ dataDir: dir }),
        /diabetes_data_raw\.csv line 2: expected 10 values, got 3/,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
});

Deno.test("loaded sets become tensors without leaking", () => {
  const before = tf.memory().numTensors;
  const { X, y } = toTensors(loadWine().dataset);
  assert.deepEqual(X.shape, [178, 13]);
  assert.deepEqual(y.shape, [178, 3]);
  const perClass = y.sum(0);
  assert.deepEqual(perClass.arraySync(), [59, 71, 48]);
  perClass.dispose();
  tf.dispose([X, y]);
  assert.equal(tf.memory().numTensors, before);
});
