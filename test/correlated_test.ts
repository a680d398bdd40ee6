import assert from "node:assert/strict";
import { makeCorrelated } from "../lib/synthetic.ts";

/** Column j of a matrix. */
function column(X: number[][], j: number): number[] {
  return X.map((row) => row[j]);
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Sample variance (divide by n − 1). */
function variance(v: number[]): number {
  const m = mean(v);
  return v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1);
}

/** Pearson's sample correlation. */
function corr(a: number[], b: number[]): number {
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

Deno.test("makeCorrelated()", async (t) => {
  const N = 20_000;

  for (const rho of [0, 0.5, 0.9, 0.99]) {
    await t.step(`features of a group have sample correlation near ρ = ${rho}`, () => {
      const ds = makeCorrelated(N, { groups: 2, groupSize: 3, correlation: rho, seed: 11 });
      // standard error of r is about (1 − ρ²)/√n ≤ 0.007 here
      for (const [i, j] of [[0, 1], [0, 2], [1, 2], [3, 4], [3, 5]]) {
        const r = corr(column(ds.X, i), column(ds.X, j));
        assert.ok(Math.abs(r - rho) < 0.03, `corr(${i}, ${j}) = ${r}, wanted ${rho}`);
      }
      // features of different groups are independent
      for (const [i, j] of [[0, 3], [1, 5], [2, 4]]) {
        const r = corr(column(ds.X, i), column(ds.X, j));
        assert.ok(Math.abs(r) < 0.03, `corr across groups (${i}, ${j}) = ${r}`);
      }
      // every feature has mean 0 and variance 1
      for (let j = 0; j < 6; j++) {
        const c = column(ds.X, j);
        assert.ok(Math.abs(mean(c)) < 0.03, `mean of column ${j} = ${mean(c)}`);
        assert.ok(Math.abs(variance(c) - 1) < 0.05, `variance of column ${j} = ${variance(c)}`);
      }
    });
  }

  await t.step("irrelevant features are independent of the features and the target", () => {
    const ds = makeCorrelated(N, { groups: 1, numIrrelevant: 2, task: "regression", seed: 2 });
    assert.deepEqual(ds.featureNames, ["g1_1", "g1_2", "irrelevant_1", "irrelevant_2"]);
    for (const j of [2, 3]) {
      assert.ok(Math.abs(corr(column(ds.X, j), ds.y)) < 0.03);
      assert.ok(Math.abs(corr(column(ds.X, j), column(ds.X, 0))) < 0.03);
    }
    // a relevant feature is correlated with the target: corr(x, s) = √ρ / √(1 + noise²)
    const expected = Math.sqrt(0.9) / Math.sqrt(1 + 0.5 ** 2);
    const r = corr(column(ds.X, 0), ds.y);
    assert.ok(Math.abs(r - expected) < 0.02, `corr(x, y) = ${r}, formula ${expected}`);
  });

  await t.step("the target follows the coefficients: exact when ρ = 1 and noise = 0", () => {
    const beta = [2, -1, 0.5];
    const reg = makeCorrelated(500, {
      groups: 3,
      groupSize: 2,
      correlation: 1,
      coefficients: beta,
      noise: 0,
      task: "regression",
      seed: 4,
    });
    reg.X.forEach((row, i) => {
      // with ρ = 1 every feature of group g equals its factor zg
      assert.equal(row[0], row[1]);
      const s = beta[0] * row[0] + beta[1] * row[2] + beta[2] * row[4];
      assert.ok(Math.abs(reg.y[i] - s) < 1e-12);
    });
    const bin = makeCorrelated(500, {
      groups: 3,
      groupSize: 2,
      correlation: 1,
      coefficients: beta,
      noise: 0,
      seed: 4,
    });
    assert.equal(bin.task, "binary");
    assert.deepEqual(bin.classNames, ["negative", "positive"]);
    bin.X.forEach((row, i) => {
      const s = beta[0] * row[0] + beta[1] * row[2] + beta[2] * row[4];
      assert.equal(bin.y[i], s > 0 ? 1 : 0);
    });
  });

  await t.step("is deterministic under a seed and differs across seeds", () => {
    const a = makeCorrelated(50, { seed: 5 });
    const b = makeCorrelated(50, { seed: 5 });
    const c = makeCorrelated(50, { seed: 6 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.X, c.X);
    assert.deepEqual(a.featureNames, ["g1_1", "g1_2", "g2_1", "g2_2"]);
  });

  await t.step("rejects bad settings with a message naming them", () => {
    assert.throws(() => makeCorrelated(10, { correlation: 1.5 }), {
      name: "RangeError",
      message: "correlation must be a number in [0, 1], got 1.5",
    });
    assert.throws(() => makeCorrelated(10, { groups: 0 }), {
      name: "RangeError",
      message: "groups must be a positive integer, got 0",
    });
    assert.throws(() => makeCorrelated(10, { groups: 2, coefficients: [1] }), {
      name: "RangeError",
      message: "coefficients must hold one number per group (2), got [1]",
    });
    assert.throws(
      () => makeCorrelated(10, { task: "multiclass" as "binary" }),
      {
        name: "RangeError",
        message: 'task must be one of "binary", "regression", got "multiclass"',
      },
    );
    assert.throws(() => makeCorrelated(0), { name: "RangeError", message: /^n must be/ });
  });
});
