import assert from "node:assert/strict";
import type { Dataset } from "../lib/datasets.ts";
import { setSeed } from "../lib/random.ts";
import {
  makeBlobs,
  makeCircles,
  makeMoons,
  makeRegression1d,
  makeSpirals,
  makeXor,
} from "../lib/synthetic.ts";

/** Number of rows with each label 0..k−1. */
function classCounts(y: number[], k: number): number[] {
  const counts = Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  return counts;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Asserts the common shape of a generated data set. */
function assertShape(ds: Dataset, n: number, d: number): void {
  assert.equal(ds.X.length, n);
  assert.equal(ds.y.length, n);
  assert.equal(ds.featureNames.length, d);
  for (const row of ds.X) {
    assert.equal(row.length, d);
    for (const v of row) assert.ok(Number.isFinite(v));
  }
}

const generators: [string, (n: number, seed?: number) => Dataset][] = [
  ["makeMoons", (n, seed) => makeMoons(n, { seed })],
  ["makeCircles", (n, seed) => makeCircles(n, { seed })],
  ["makeSpirals", (n, seed) => makeSpirals(n, { numClasses: 3, seed })],
  ["makeXor", (n, seed) => makeXor(n, { seed })],
  ["makeXor uniform", (n, seed) => makeXor(n, { distribution: "uniform", seed })],
  ["makeBlobs", (n, seed) => makeBlobs(n, { seed })],
  ["makeRegression1d", (n, seed) => makeRegression1d(n, { seed })],
];

Deno.test("generators are deterministic under a seed and differ across seeds", async (t) => {
  for (const [name, make] of generators) {
    await t.step(name, () => {
      const a = make(101, 7);
      assert.deepEqual(make(101, 7), a);
      assert.notDeepEqual(make(101, 8).X, a.X);
    });
  }
});

Deno.test("generators without a seed follow lib's global stream", async (t) => {
  for (const [name, make] of generators) {
    await t.step(name, () => {
      setSeed(3);
      const a = make(50);
      const b = make(50);
      setSeed(3);
      assert.deepEqual(make(50), a);
      assert.deepEqual(make(50), b);
      assert.notDeepEqual(b.X, a.X);
    });
  }
});

Deno.test("classification generators balance their classes within one example", async (t) => {
  for (const [name, make] of generators.filter(([name]) => !name.includes("Regression"))) {
    await t.step(name, () => {
      for (const n of [1, 2, 3, 7, 100, 101, 203]) {
        if (name === "makeSpirals" && n < 3) continue;
        if (name === "makeBlobs" && n < 3) continue;
        const ds = make(n, 11);
        const k = ds.classNames!.length;
        const counts = classCounts(ds.y, k);
        assert.equal(counts.reduce((a, b) => a + b, 0), n);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${n}: ${counts}`);
      }
    });
  }
});

Deno.test("generators return consistent shapes and names", async (t) => {
  await t.step("two-feature classification sets", () => {
    for (
      const ds of [
        makeMoons(40, { seed: 1 }),
        makeCircles(40, { seed: 1 }),
        makeSpirals(40, { seed: 1 }),
        makeXor(40, { seed: 1 }),
        makeBlobs(40, { centers: 2, seed: 1 }),
      ]
    ) {
      assertShape(ds, 40, 2);
      assert.deepEqual(ds.featureNames, ["x1", "x2"]);
      assert.equal(ds.targetName, "label");
      assert.equal(ds.task, "binary");
      assert.equal(ds.classNames?.length, 2);
      assert.ok(ds.y.every((c) => c === 0 || c === 1));
    }
  });
  await t.step("multiclass sets", () => {
    const spirals = makeSpirals(60, { numClasses: 4, seed: 1 });
    assert.equal(spirals.task, "multiclass");
    assert.deepEqual(spirals.classNames, ["arm 0", "arm 1", "arm 2", "arm 3"]);
    const blobs = makeBlobs(60, { centers: 5, dim: 3, seed: 1 });
    assertShape(blobs, 60, 3);
    assert.deepEqual(blobs.featureNames, ["x1", "x2", "x3"]);
    assert.equal(blobs.task, "multiclass");
    assert.equal(blobs.classNames?.length, 5);
  });
  await t.step("regression set", () => {
    const ds = makeRegression1d(30, { seed: 1 });
    assertShape(ds, 30, 1);
    assert.deepEqual(ds.featureNames, ["x"]);
    assert.equal(ds.targetName, "y");
    assert.equal(ds.task, "regression");
    assert.equal(ds.classNames, undefined);
  });
});

Deno.test("makeMoons puts noise-free points on two unit half circles", () => {
  const ds = makeMoons(301, { noise: 0, seed: 5 });
  ds.X.forEach(([a, b], i) => {
    if (ds.y[i] === 0) {
      assert.ok(Math.abs(a * a + b * b - 1) < 1e-12);
      assert.ok(b >= -1e-12);
    } else {
      assert.ok(Math.abs((a - 1) ** 2 + (b - 0.5) ** 2 - 1) < 1e-12);
      assert.ok(b <= 0.5 + 1e-12);
    }
  });
  // Both ends of each arc are present: t = 0 and t = π.
  const upper = ds.X.filter((_, i) => ds.y[i] === 0);
  const lower = ds.X.filter((_, i) => ds.y[i] === 1);
  assert.ok(upper.some(([a]) => Math.abs(a - 1) < 1e-12));
  assert.ok(upper.some(([a]) => Math.abs(a + 1) < 1e-12));
  assert.ok(lower.some(([a]) => Math.abs(a) < 1e-12));
  assert.ok(lower.some(([a]) => Math.abs(a - 2) < 1e-12));
});

Deno.test("generator noise has the requested standard deviation", async (t) => {
  const cases: [string, (noise: number) => Dataset][] = [
    ["makeMoons", (noise) => makeMoons(2000, { noise, seed: 9 })],
    ["makeCircles", (noise) => makeCircles(2000, { noise, seed: 9 })],
    ["makeSpirals", (noise) => makeSpirals(2000, { noise, seed: 9 })],
    ["makeXor", (noise) => makeXor(2000, { noise, seed: 9 })],
  ];
  for (const [name, make] of cases) {
    await t.step(name, () => {
      const clean = make(0);
      const noisy = make(0.25);
      // Same seed: same clean points in the same order, so the difference is the noise.
      assert.deepEqual(noisy.y, clean.y);
      const diffs = noisy.X.flatMap((row, i) => row.map((v, j) => v - clean.X[i][j]));
      assert.ok(Math.abs(mean(diffs)) < 0.02, `mean ${mean(diffs)}`);
      assert.ok(Math.abs(std(diffs) - 0.25) < 0.01, `std ${std(diffs)}`);
    });
  }
});

Deno.test("makeCircles puts noise-free points on circles of radius 1 and factor", () => {
  for (const factor of [0, 0.3, 0.8]) {
    const ds = makeCircles(99, { noise: 0, factor, seed: 2 });
    ds.X.forEach(([a, b], i) => {
      const expected = ds.y[i] === 0 ? 1 : factor;
      assert.ok(Math.abs(Math.hypot(a, b) - expected) < 1e-12);
    });
  }
});

Deno.test("makeSpirals puts noise-free points on their arms", () => {
  const k = 3, turns = 1.5;
  const ds = makeSpirals(150, { numClasses: k, noise: 0, turns, seed: 4 });
  ds.X.forEach(([a, b], i) => {
    const r = Math.hypot(a, b);
    assert.ok(r > 0 && r <= 1 + 1e-12);
    // The angle of the point and the arm's angle at radius r agree modulo 2π.
    const expected = 2 * Math.PI * turns * r + (2 * Math.PI * ds.y[i]) / k;
    const diff = Math.atan2(b, a) - expected;
    const wrapped = diff - 2 * Math.PI * Math.round(diff / (2 * Math.PI));
    assert.ok(Math.abs(wrapped) < 1e-9, `row ${i}: ${wrapped}`);
  });
});

Deno.test("makeXor labels a point 1 exactly when its quadrant's signs differ", async (t) => {
  await t.step("gaussian clusters sit at (±1, ±1) without noise", () => {
    const ds = makeXor(40, { noise: 0, seed: 1 });
    ds.X.forEach(([a, b], i) => {
      assert.equal(Math.abs(a), 1);
      assert.equal(Math.abs(b), 1);
      assert.equal(ds.y[i], a !== b ? 1 : 0);
    });
  });
  await t.step("uniform points fill the square and follow the sign test", () => {
    const ds = makeXor(400, { distribution: "uniform", noise: 0, seed: 1 });
    ds.X.forEach(([a, b], i) => {
      assert.ok(Math.abs(a) <= 1 && Math.abs(b) <= 1);
      assert.equal(ds.y[i], a * b < 0 ? 1 : 0);
    });
  });
  await t.step("noisy clusters keep their means near the centres", () => {
    const ds = makeXor(4000, { noise: 0.3, seed: 1 });
    for (const [s1, s2] of [[1, 1], [1, -1], [-1, -1], [-1, 1]]) {
      const label = s1 * s2 < 0 ? 1 : 0;
      // Points nearer to this centre than to the other centre of the same label.
      const rows = ds.X.filter(([a, b], i) => ds.y[i] === label && a * s1 > 0 && b * s2 > 0);
      assert.ok(Math.abs(mean(rows.map((r) => r[0])) - s1) < 0.1);
      assert.ok(Math.abs(mean(rows.map((r) => r[1])) - s2) < 0.1);
    }
  });
});

Deno.test("makeBlobs draws each blob around its centre with its std", () => {
  const centers = [[-3, 1], [2, 2], [0, -4]];
  const stds = [0.5, 1, 2];
  const ds = makeBlobs(3000, { centers, std: stds, seed: 8 });
  assert.deepEqual(classCounts(ds.y, 3), [1000, 1000, 1000]);
  centers.forEach((center, c) => {
    const rows = ds.X.filter((_, i) => ds.y[i] === c);
    center.forEach((mu, j) => {
      const col = rows.map((r) => r[j]);
      // Sample mean within 4 standard errors; sample std within 10 %.
      assert.ok(Math.abs(mean(col) - mu) < (4 * stds[c]) / Math.sqrt(rows.length));
      assert.ok(Math.abs(std(col) / stds[c] - 1) < 0.1, `${c},${j}: ${std(col)}`);
    });
  });
});

Deno.test("makeBlobs with a count draws centres inside centerBox", () => {
  const ds = makeBlobs(400, { centers: 4, std: 0, centerBox: [2, 5], seed: 3 });
  const perClass = new Map<number, string>();
  ds.X.forEach((row, i) => {
    for (const v of row) assert.ok(v >= 2 && v < 5);
    // With std 0 every row of a class is its centre.
    const key = row.join();
    assert.equal(perClass.get(ds.y[i]) ?? key, key);
    perClass.set(ds.y[i], key);
  });
  assert.equal(new Set(perClass.values()).size, 4);
});

Deno.test("makeRegression1d samples x in range and y = f(x) + noise", async (t) => {
  await t.step("default f is sin on [-3, 3]", () => {
    const ds = makeRegression1d(200, { noise: 0, seed: 1 });
    ds.X.forEach(([x], i) => {
      assert.ok(x >= -3 && x < 3);
      assert.equal(ds.y[i], Math.sin(x));
    });
  });
  await t.step("custom f and range", () => {
    const ds = makeRegression1d(200, { noise: 0, fn: (x) => 2 * x + 1, xRange: [10, 12], seed: 1 });
    ds.X.forEach(([x], i) => {
      assert.ok(x >= 10 && x < 12);
      assert.equal(ds.y[i], 2 * x + 1);
    });
  });
  await t.step("residuals have the requested std, same x across noise levels", () => {
    const clean = makeRegression1d(4000, { noise: 0, seed: 2 });
    const noisy = makeRegression1d(4000, { noise: 0.3, seed: 2 });
    assert.deepEqual(noisy.X, clean.X);
    const residuals = noisy.y.map((v, i) => v - Math.sin(noisy.X[i][0]));
    assert.ok(Math.abs(mean(residuals)) < 0.03);
    assert.ok(Math.abs(std(residuals) - 0.3) < 0.015, `std ${std(residuals)}`);
  });
});

Deno.test("bad generator arguments raise errors that name the parameter and the value", async (t) => {
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    ["n zero", () => makeMoons(0), RangeError, /^n must be a positive integer, got 0$/],
    ["n fractional", () => makeCircles(2.5), RangeError, /^n must be a positive integer, got 2.5$/],
    ["n string", () => makeXor("10" as unknown as number), TypeError, /^n must be .*"10"/],
    [
      "noise negative",
      () => makeMoons(10, { noise: -1 }),
      RangeError,
      /^noise must be a finite number >= 0, got -1$/,
    ],
    ["noise NaN", () => makeSpirals(10, { noise: NaN }), RangeError, /^noise .* got NaN$/],
    [
      "noise infinite",
      () => makeRegression1d(10, { noise: Infinity }),
      RangeError,
      /^noise .*Infinity/,
    ],
    [
      "seed string",
      () => makeMoons(10, { seed: "1" as unknown as number }),
      TypeError,
      /^seed must be an integer, got "1"$/,
    ],
    [
      "seed fractional",
      () => makeMoons(10, { seed: 1.5 }),
      TypeError,
      /^seed must be an integer, got 1.5$/,
    ],
    [
      "factor 1",
      () => makeCircles(10, { factor: 1 }),
      RangeError,
      /^factor must be a number in \[0, 1\), got 1$/,
    ],
    [
      "numClasses 1",
      () => makeSpirals(10, { numClasses: 1 }),
      RangeError,
      /^numClasses must be an integer >= 2, got 1$/,
    ],
    [
      "spirals n < k",
      () => makeSpirals(2, { numClasses: 3 }),
      RangeError,
      /^n must be at least numClasses \(3\).*got 2$/,
    ],
    [
      "turns 0",
      () => makeSpirals(10, { turns: 0 }),
      RangeError,
      /^turns must be a positive number, got 0$/,
    ],
    [
      "distribution",
      () => makeXor(10, { distribution: "box" as "uniform" }),
      RangeError,
      /^distribution must be one of "gaussian", "uniform", got "box"$/,
    ],
    ["centers 1", () => makeBlobs(10, { centers: 1 }), RangeError, /^centers must be .*got 1$/],
    [
      "centers ragged",
      () => makeBlobs(10, { centers: [[0, 0], [1]] }),
      RangeError,
      /^centers\[1\] must have 2 coordinates/,
    ],
    [
      "std per centre",
      () => makeBlobs(10, { centers: 2, std: [1, 2, 3] }),
      RangeError,
      /^std must be one number or one per centre \(2\)/,
    ],
    [
      "std negative",
      () => makeBlobs(10, { std: -0.5 }),
      RangeError,
      /^std must be a finite number >= 0, got -0.5$/,
    ],
    [
      "centerBox",
      () => makeBlobs(10, { centerBox: [1, 1] }),
      RangeError,
      /^centerBox must satisfy lo < hi, got \[1, 1\]$/,
    ],
    [
      "fn not a function",
      () => makeRegression1d(10, { fn: 3 as unknown as () => number }),
      TypeError,
      /^fn must be a function/,
    ],
    [
      "fn not finite",
      () => makeRegression1d(10, { fn: Math.log, xRange: [-1, 1] }),
      RangeError,
      /^fn must return finite numbers, got NaN at x = /,
    ],
    [
      "xRange reversed",
      () => makeRegression1d(10, { xRange: [2, -2] }),
      RangeError,
      /^xRange must satisfy lo < hi, got \[2, -2\]$/,
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
