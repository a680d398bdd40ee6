import assert from "node:assert/strict";
import type { Dataset } from "../lib/datasets.ts";
import { makeBlobs, makeMoons, makeRegression1d } from "../lib/synthetic.ts";
import { setSeed } from "../lib/random.ts";
import {
  type Fold,
  kFold,
  splitSizes,
  stratifiedKFold,
  trainDevTestSplit,
  trainTestSplit,
} from "../lib/split.ts";

/** An imbalanced three-class data set: 60 % class 0, 30 % class 1, 10 % class 2. */
function imbalanced(n: number): Dataset {
  const y = Array.from({ length: n }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
  return {
    X: y.map((c, i) => [i, c]),
    y,
    featureNames: ["x1", "x2"],
    targetName: "label",
    classNames: ["a", "b", "c"],
    task: "multiclass",
  };
}

function count(y: number[], c: number): number {
  return y.filter((v) => v === c).length;
}

/** Asserts that the index lists are disjoint and together cover 0..n−1. */
function assertPartition(parts: number[][], n: number): void {
  const all = parts.flat();
  assert.equal(all.length, n);
  assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
}

/** Asserts that a subset's rows are the original rows at the given indices. */
function assertRowsMatch(part: Dataset, ds: Dataset, idx: number[]): void {
  assert.deepEqual(part.X, idx.map((i) => ds.X[i]));
  assert.deepEqual(part.y, idx.map((i) => ds.y[i]));
  assert.deepEqual(part.featureNames, ds.featureNames);
  assert.equal(part.task, ds.task);
}

Deno.test("splitSizes adds up to n with each part within half an example of its share", () => {
  for (const n of [1, 7, 10, 99, 100, 1000, 12345, 1_000_000]) {
    for (const [devFrac, testFrac] of [[0.15, 0.15], [0.2, 0.2], [0.01, 0.01], [0, 0.3], [0, 0]]) {
      if (n === 1 && devFrac + testFrac > 0.5) continue;
      const s = splitSizes(n, { devFrac, testFrac });
      assert.equal(s.train + s.dev + s.test, n);
      assert.ok(Math.abs(s.test - n * testFrac) <= 0.5, `${n} test ${s.test}`);
      assert.ok(Math.abs(s.dev - n * devFrac) <= 0.5, `${n} dev ${s.dev}`);
      assert.ok(Number.isInteger(s.train) && s.train >= 1);
    }
  }
  assert.deepEqual(splitSizes(200), splitSizes(200, { devFrac: 0.15, testFrac: 0.15 }));
});

Deno.test("trainTestSplit partitions the rows", async (t) => {
  const ds = makeMoons(103, { seed: 1 });
  for (const testFrac of [0, 0.2, 0.5, 0.9]) {
    await t.step(`testFrac ${testFrac}`, () => {
      const { train, test, indices } = trainTestSplit(ds, { testFrac, seed: 4 });
      assertPartition([indices.train, indices.test], 103);
      assert.equal(indices.test.length, Math.round(103 * testFrac));
      assertRowsMatch(train, ds, indices.train);
      assertRowsMatch(test, ds, indices.test);
    });
  }
});

Deno.test("trainDevTestSplit partitions the rows with the sizes of splitSizes", () => {
  const ds = makeMoons(257, { seed: 1 });
  const { train, dev, test, indices } = trainDevTestSplit(ds, {
    devFrac: 0.1,
    testFrac: 0.25,
    seed: 2,
  });
  assertPartition([indices.train, indices.dev, indices.test], 257);
  const sizes = splitSizes(257, { devFrac: 0.1, testFrac: 0.25 });
  assert.deepEqual(
    { train: train.X.length, dev: dev.X.length, test: test.X.length },
    sizes,
  );
  assertRowsMatch(train, ds, indices.train);
  assertRowsMatch(dev, ds, indices.dev);
  assertRowsMatch(test, ds, indices.test);
});

Deno.test("splits are deterministic under a seed and differ across seeds", () => {
  const ds = makeMoons(100, { seed: 1 });
  const a = trainDevTestSplit(ds, { seed: 5 });
  assert.deepEqual(trainDevTestSplit(ds, { seed: 5 }), a);
  assert.notDeepEqual(trainDevTestSplit(ds, { seed: 6 }).indices.test, a.indices.test);
  setSeed(9);
  const b = trainTestSplit(ds);
  setSeed(9);
  assert.deepEqual(trainTestSplit(ds), b);
});

Deno.test("stratified splits keep each class's share within one example", async (t) => {
  const ds = imbalanced(1003);
  const n = ds.y.length;
  const classes = [0, 1, 2];
  const perClass = classes.map((c) => count(ds.y, c));
  await t.step("trainDevTestSplit", () => {
    for (const seed of [1, 2, 3]) {
      const s = trainDevTestSplit(ds, { devFrac: 0.15, testFrac: 0.2, seed, stratify: true });
      assertPartition([s.indices.train, s.indices.dev, s.indices.test], n);
      // Same sizes as an unstratified split.
      assert.deepEqual(
        { train: s.train.X.length, dev: s.dev.X.length, test: s.test.X.length },
        splitSizes(n, { devFrac: 0.15, testFrac: 0.2 }),
      );
      for (const part of [s.train, s.dev, s.test]) {
        classes.forEach((c, k) => {
          const expected = (perClass[k] * part.y.length) / n;
          assert.ok(Math.abs(count(part.y, c) - expected) < 1, `class ${c}`);
        });
      }
    }
  });
  await t.step("trainTestSplit", () => {
    const s = trainTestSplit(ds, { testFrac: 0.3, seed: 1, stratify: true });
    assertPartition([s.indices.train, s.indices.test], n);
    classes.forEach((c, k) => {
      assert.ok(Math.abs(count(s.test.y, c) - (perClass[k] * s.test.y.length) / n) < 1);
    });
  });
  await t.step("five classes of nine: the leftover test rows go to different classes", () => {
    const y = Array.from({ length: 45 }, (_, i) => i % 5);
    const five: Dataset = {
      ...ds,
      X: y.map((c) => [c, 0]),
      y,
      classNames: ["a", "b", "c", "d", "e"],
    };
    for (const seed of [1, 2]) {
      const s = trainTestSplit(five, { testFrac: 0.2, seed, stratify: true });
      assert.equal(s.test.y.length, 9);
      // Each class's share is 9 · 0.2 = 1.8, so 1 or 2 test rows each.
      for (let c = 0; c < 5; c++) assert.ok([1, 2].includes(count(s.test.y, c)));
    }
  });
  await t.step("a rare class with a single example stays in exactly one part", () => {
    const tiny = imbalanced(20);
    const rare: Dataset = { ...tiny, y: tiny.y.map((c, i) => (i === 0 ? 2 : c === 2 ? 1 : c)) };
    for (const seed of [1, 2, 3, 4]) {
      const s = trainDevTestSplit(rare, { devFrac: 0.3, testFrac: 0.3, seed, stratify: true });
      assertPartition([s.indices.train, s.indices.dev, s.indices.test], 20);
      assert.equal(count(s.train.y, 2) + count(s.dev.y, 2) + count(s.test.y, 2), 1);
    }
  });
  await t.step("an unstratified split of the same data drifts further", () => {
    // Over many seeds, plain shuffling misses the class share by more than one example at
    // least once; stratification never does (checked above).
    const worst = Math.max(...Array.from({ length: 20 }, (_, seed) => {
      const s = trainTestSplit(ds, { testFrac: 0.3, seed });
      return Math.max(
        ...classes.map((c, k) =>
          Math.abs(count(s.test.y, c) - (perClass[k] * s.test.y.length) / n)
        ),
      );
    }));
    assert.ok(worst > 1, `worst deviation ${worst}`);
  });
});

/** Asserts the k-fold invariants for n rows. */
function assertFolds(folds: Fold[], n: number, k: number): void {
  assert.equal(folds.length, k);
  // Every row is in exactly one validation fold.
  assertPartition(folds.map((f) => f.valIdx), n);
  for (const fold of folds) {
    // Training rows are the complement of the validation rows.
    const val = new Set(fold.valIdx);
    assert.deepEqual(
      fold.trainIdx,
      Array.from({ length: n }, (_, i) => i).filter((i) => !val.has(i)),
    );
  }
  const sizes = folds.map((f) => f.valIdx.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
}

Deno.test("kFold puts every row in exactly one validation fold", async (t) => {
  for (const [n, k] of [[10, 2], [10, 3], [101, 5], [7, 7], [1000, 10]]) {
    await t.step(`n ${n}, k ${k}`, () => assertFolds(kFold(n, k, { seed: 3 }), n, k));
  }
  await t.step("without shuffling the folds are consecutive blocks", () => {
    const folds = kFold(10, 3, { shuffle: false });
    assert.deepEqual(folds.map((f) => f.valIdx), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  });
  await t.step("deterministic under a seed, different across seeds", () => {
    assert.deepEqual(kFold(50, 5, { seed: 1 }), kFold(50, 5, { seed: 1 }));
    assert.notDeepEqual(kFold(50, 5, { seed: 1 }), kFold(50, 5, { seed: 2 }));
  });
});

Deno.test("stratifiedKFold spreads each class evenly over the folds", async (t) => {
  const cases: [string, number[], number][] = [
    ["imbalanced 3 classes", imbalanced(103).y, 5],
    ["blobs", makeBlobs(97, { centers: 4, seed: 1 }).y, 4],
    ["rare class smaller than k", [0, 0, 0, 0, 0, 0, 0, 1, 1, 2], 4],
    ["leave one out", [1, 0, 1, 0, 1], 5],
  ];
  for (const [name, y, k] of cases) {
    await t.step(name, () => {
      const folds = stratifiedKFold(y, k, { seed: 2 });
      assertFolds(folds, y.length, k);
      for (const c of new Set(y)) {
        const nc = count(y, c);
        for (const fold of folds) {
          const inFold = fold.valIdx.filter((i) => y[i] === c).length;
          assert.ok(
            inFold === Math.floor(nc / k) || inFold === Math.ceil(nc / k),
            `class ${c}: ${inFold} of ${nc}`,
          );
        }
      }
    });
  }
  await t.step("deterministic under a seed, different across seeds", () => {
    const y = imbalanced(60).y;
    assert.deepEqual(stratifiedKFold(y, 3, { seed: 1 }), stratifiedKFold(y, 3, { seed: 1 }));
    assert.notDeepEqual(stratifiedKFold(y, 3, { seed: 1 }), stratifiedKFold(y, 3, { seed: 2 }));
  });
});

Deno.test("bad arguments raise errors that name the parameter and the value", async (t) => {
  const moons = makeMoons(10, { seed: 1 });
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "testFrac 1.5",
      () => trainTestSplit(moons, { testFrac: 1.5 }),
      RangeError,
      /^testFrac must be a number in \[0, 1\), got 1.5$/,
    ],
    [
      "testFrac 1",
      () => splitSizes(10, { testFrac: 1 }),
      RangeError,
      /^testFrac must be a number in \[0, 1\), got 1$/,
    ],
    [
      "testFrac negative",
      () => splitSizes(10, { testFrac: -0.1 }),
      RangeError,
      /^testFrac must be a number in \[0, 1\), got -0.1$/,
    ],
    [
      "devFrac NaN",
      () => trainDevTestSplit(moons, { devFrac: NaN }),
      RangeError,
      /^devFrac must be a number in \[0, 1\), got NaN$/,
    ],
    [
      "devFrac string",
      () => splitSizes(10, { devFrac: "0.1" as unknown as number }),
      TypeError,
      /^devFrac must be a number in \[0, 1\), got "0.1"$/,
    ],
    [
      "fractions sum",
      () => trainDevTestSplit(moons, { devFrac: 0.5, testFrac: 0.5 }),
      RangeError,
      /^devFrac \+ testFrac must be less than 1, got 0.5 \+ 0.5 = 1$/,
    ],
    [
      "no training rows",
      () => splitSizes(2, { devFrac: 0.45, testFrac: 0.45 }),
      RangeError,
      /^n = 2 is too small for devFrac 0.45 and testFrac 0.45/,
    ],
    ["n zero", () => splitSizes(0), RangeError, /^n must be a positive integer, got 0$/],
    [
      "seed fractional",
      () => trainTestSplit(moons, { seed: 0.5 }),
      TypeError,
      /^seed must be an integer, got 0.5$/,
    ],
    [
      "stratify regression",
      () => trainTestSplit(makeRegression1d(10, { seed: 1 }), { stratify: true }),
      RangeError,
      /^stratify needs a classification data set, got task "regression"/,
    ],
    [
      "inconsistent ds",
      () => trainTestSplit({ ...moons, y: [0] }),
      RangeError,
      /^ds.y must have one entry per row of ds.X \(10\), got 1$/,
    ],
    [
      "k too large",
      () => kFold(10, 11),
      RangeError,
      /^k must be an integer in \[2, n\] = \[2, 10\], got 11$/,
    ],
    [
      "k one",
      () => kFold(10, 1),
      RangeError,
      /^k must be an integer in \[2, n\] = \[2, 10\], got 1$/,
    ],
    ["k fractional", () => stratifiedKFold([0, 1, 0, 1], 2.5), RangeError, /^k must be .*got 2.5$/],
    ["kFold n", () => kFold(-3, 2), RangeError, /^n must be a positive integer, got -3$/],
    [
      "kFold seed",
      () => kFold(10, 2, { seed: NaN }),
      TypeError,
      /^seed must be an integer, got NaN$/,
    ],
    [
      "labels fractional",
      () => stratifiedKFold([0, 1, 0.5, 1], 2),
      RangeError,
      /^y\[2\] must be an integer class label, got 0.5$/,
    ],
    [
      "labels empty",
      () => stratifiedKFold([], 2),
      RangeError,
      /^y must be a non-empty array of integer class labels, got an empty array$/,
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
