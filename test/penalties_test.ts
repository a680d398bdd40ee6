import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  convertLambda,
  elasticNetPenalty,
  elasticNetRegularizer,
  l1Penalty,
  l1Regularizer,
  l2Penalty,
  l2Regularizer,
  PENALTY_CONVENTIONS,
  type PenaltyConvention,
  penaltyFactor,
  weightDecayStep,
} from "../lib/penalties.ts";
import { makeRng } from "../lib/random.ts";
import { assertAllClose, assertClose } from "./_assert_close.ts";

await initBackend("wasm");

const N = 50; // training examples for the "course" convention

/** Random weights away from 0 (|w| ≥ 0.05), so that |w| has a derivative everywhere. */
function randomWeights(rows: number, cols: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      const v = 4 * rng.next() - 2;
      return Math.abs(v) < 0.05 ? 0.5 : v;
    }));
}

/** The convention's factor in front of λ, written out here from the formulas. */
function factorByHand(kind: "l1" | "l2", convention: PenaltyConvention): number {
  const table = {
    l2: { keras: 1, pytorch: 1 / 2, course: 1 / (2 * N) },
    l1: { keras: 1, pytorch: 1, course: 1 / N },
  };
  return table[kind][convention];
}

Deno.test("penalties equal hand-computed values in every convention", async (t) => {
  // Σw² = 0.25 + 2.25 + 4 + 0 = 6.5, Σ|w| = 0.5 + 1.5 + 2 + 0 = 4
  const w = [[0.5, -1.5], [2, 0]];
  const lambda = 0.1;
  await t.step("L2: λΣw², (λ/2)Σw², (λ/2n)Σw²", () => {
    assertClose(l2Penalty(w, lambda, { convention: "keras" }).value, 0.65, 1e-12, "keras");
    assertClose(l2Penalty(w, lambda, { convention: "pytorch" }).value, 0.325, 1e-12, "pytorch");
    assertClose(
      l2Penalty(w, lambda, { convention: "course", n: N }).value,
      0.0065,
      1e-12,
      "course",
    );
  });
  await t.step("L1: λΣ|w|, λΣ|w|, (λ/n)Σ|w| (no ½ anywhere)", () => {
    assertClose(l1Penalty(w, lambda, { convention: "keras" }).value, 0.4, 1e-12, "keras");
    assertClose(l1Penalty(w, lambda, { convention: "pytorch" }).value, 0.4, 1e-12, "pytorch");
    assertClose(
      l1Penalty(w, lambda, { convention: "course", n: N }).value,
      0.008,
      1e-12,
      "course",
    );
  });
  await t.step("gradients: 2λw, λw, (λ/n)w and λ·sign(w) with sign(0) = 0", () => {
    assert.deepEqual(
      l2Penalty(w, lambda, { convention: "keras" }).gradient.flat().map((v) => +v.toFixed(12)),
      [0.1, -0.3, 0.4, 0],
    );
    assert.deepEqual(
      l2Penalty(w, lambda, { convention: "pytorch" }).gradient.flat().map((v) => +v.toFixed(12)),
      [0.05, -0.15, 0.2, 0],
    );
    assert.deepEqual(
      l2Penalty(w, lambda, { convention: "course", n: N }).gradient.flat()
        .map((v) => +v.toFixed(12)),
      [0.001, -0.003, 0.004, 0],
    );
    assert.deepEqual(l1Penalty(w, lambda, { convention: "keras" }).gradient, [[0.1, -0.1], [
      0.1,
      0,
    ]]);
  });
  await t.step("penaltyFactor() matches the table", () => {
    for (const kind of ["l1", "l2"] as const) {
      for (const convention of PENALTY_CONVENTIONS) {
        assert.equal(
          penaltyFactor(kind, { convention, n: N }),
          factorByHand(kind, convention),
          `${kind} ${convention}`,
        );
      }
    }
  });
  await t.step("elastic net is the L1 penalty plus the L2 penalty", () => {
    for (const convention of PENALTY_CONVENTIONS) {
      const opts = { convention, n: N };
      const both = elasticNetPenalty(w, { l1: 0.03, l2: 0.2 }, opts);
      const one = l1Penalty(w, 0.03, opts), two = l2Penalty(w, 0.2, opts);
      assertClose(both.value, one.value + two.value, 1e-12, convention);
      assertAllClose(
        both.gradient,
        one.gradient.map((row, i) => row.map((g, j) => g + two.gradient[i][j])),
        1e-12,
        convention,
      );
    }
  });
});

Deno.test("penalty gradients equal tfjs autodiff of the penalty", async (t) => {
  const w = randomWeights(4, 3, 7);
  const lambda = 0.3;
  for (const convention of PENALTY_CONVENTIONS) {
    await t.step(`${convention}: L2 and L1 against tf.grad of c·λ·Σw² and c·λ·Σ|w|`, () => {
      const before = tf.memory().numTensors;
      const wt = tf.tensor2d(w);
      const c2 = factorByHand("l2", convention), c1 = factorByHand("l1", convention);
      const g2 = tf.grad((x: tf.Tensor) => tf.mul(c2 * lambda, tf.sum(tf.square(x))))(wt);
      const g1 = tf.grad((x: tf.Tensor) => tf.mul(c1 * lambda, tf.sum(tf.abs(x))))(wt);
      const opts = { convention, n: N };
      const mine2 = l2Penalty(wt, lambda, opts), mine1 = l1Penalty(wt, lambda, opts);
      assertAllClose(
        mine2.gradient.arraySync() as number[][],
        g2.arraySync() as number[][],
        1e-6,
        "L2",
      );
      assertAllClose(
        mine1.gradient.arraySync() as number[][],
        g1.arraySync() as number[][],
        1e-6,
        "L1",
      );
      tf.dispose([wt, g1, g2, mine1.gradient, mine2.gradient]);
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    });
  }
  await t.step("at w = 0 the L1 gradient is 0 here and −λ under tfjs autodiff", () => {
    const x = tf.tensor1d([0, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.mul(lambda, tf.sum(tf.abs(v))))(x);
    assertClose(g.dataSync()[0], -lambda, 1e-6, "tfjs at 0");
    assert.deepEqual(l1Penalty([0, 1], lambda, { convention: "keras" }).gradient, [0, lambda]);
    tf.dispose([x, g]);
  });
});

Deno.test("the tfjs regularizers compute the same penalty and gradient", async (t) => {
  const w = randomWeights(5, 4, 8);
  for (const convention of PENALTY_CONVENTIONS) {
    await t.step(convention, () => {
      const before = tf.memory().numTensors;
      const opts = { convention, n: N };
      const wt = tf.tensor2d(w);
      const cases = [
        { reg: l2Regularizer(0.4, opts), mine: l2Penalty(w, 0.4, opts) },
        { reg: l1Regularizer(0.4, opts), mine: l1Penalty(w, 0.4, opts) },
        {
          reg: elasticNetRegularizer({ l1: 0.1, l2: 0.6 }, opts),
          mine: elasticNetPenalty(w, { l1: 0.1, l2: 0.6 }, opts),
        },
      ];
      for (const [k, { reg, mine }] of cases.entries()) {
        const value = tf.tidy(() => reg.apply(wt).dataSync()[0]);
        assertClose(value, mine.value, 1e-5, `case ${k} value`);
        const g = tf.grad((x: tf.Tensor) => reg.apply(x))(wt);
        assertAllClose(g.arraySync() as number[][], mine.gradient, 1e-5, `case ${k} gradient`);
        g.dispose();
      }
      wt.dispose();
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    });
  }
});

Deno.test("convertLambda() makes the conventions agree", async (t) => {
  const w = randomWeights(3, 3, 9);
  await t.step("every pair of conventions, both penalties: same value and gradient", () => {
    for (const kind of ["l1", "l2"] as const) {
      const penalty = kind === "l1" ? l1Penalty : l2Penalty;
      for (const from of PENALTY_CONVENTIONS) {
        for (const to of PENALTY_CONVENTIONS) {
          const lambda = 0.07;
          const converted = convertLambda(lambda, { kind, from, to, n: N });
          const a = penalty(w, lambda, { convention: from, n: N });
          const b = penalty(w, converted, { convention: to, n: N });
          assertClose(b.value, a.value, 1e-12, `${kind} ${from}→${to} value`);
          assertAllClose(b.gradient, a.gradient, 1e-12, `${kind} ${from}→${to} gradient`);
          const back = convertLambda(converted, { kind, from: to, to: from, n: N });
          assertClose(back, lambda, 1e-12, `${kind} ${from}→${to}→${from}`);
        }
      }
    }
  });
  await t.step(
    "λ_keras = λ_pytorch / 2 = λ_course / (2n) for L2; λ_keras = λ_course / n for L1",
    () => {
      assertClose(
        convertLambda(0.02, { kind: "l2", from: "pytorch", to: "keras" }),
        0.01,
        1e-15,
        "",
      );
      assertClose(
        convertLambda(1, { kind: "l2", from: "course", to: "keras", n: N }),
        1 / (2 * N),
        1e-15,
        "",
      );
      assertClose(
        convertLambda(1, { kind: "l1", from: "course", to: "keras", n: N }),
        1 / N,
        1e-15,
        "",
      );
      assert.equal(convertLambda(0.3, { kind: "l1", from: "pytorch", to: "keras" }), 0.3);
    },
  );
  await t.step("a regularizer built from a converted λ is the same tfjs regularizer", () => {
    const course = l2Regularizer(0.6, { convention: "course", n: 300 }).getConfig();
    const keras = l2Regularizer(
      convertLambda(0.6, { kind: "l2", from: "course", to: "keras", n: 300 }),
      { convention: "keras" },
    ).getConfig();
    assert.deepEqual(course, keras);
  });
});

Deno.test("weights may be numbers, arrays, Float32Arrays, tensors or lists of them", () => {
  const before = tf.memory().numTensors;
  const k1 = [[1, -2], [0.5, 0]], k2 = [3, -1];
  const opts = { convention: "pytorch" as const };
  const fromArrays = l2Penalty([k1, k2], 0.2, opts);
  const t1 = tf.tensor2d(k1), t2 = tf.tensor1d(k2);
  const fromTensors = l2Penalty([t1, t2], 0.2, opts);
  const fromTyped = l2Penalty(
    [k1.map((r) => Float32Array.from(r)), Float32Array.from(k2)],
    0.2,
    opts,
  );
  assertClose(fromTensors.value, fromArrays.value, 1e-7, "tensors");
  assertClose(fromTyped.value, fromArrays.value, 1e-12, "Float32Arrays");
  assert.deepEqual(fromTensors.gradient[0].shape, [2, 2]);
  assert.deepEqual(fromTensors.gradient[1].arraySync(), [0.6000000238418579, -0.20000000298023224]);
  assert.deepEqual(fromTyped.gradient[1], fromArrays.gradient[1].map((v) => v));
  assertClose(l2Penalty(3, 0.2, opts).value, 0.9, 1e-12, "a number");
  tf.dispose([t1, t2, ...fromTensors.gradient]);
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

Deno.test("weightDecayStep() is a gradient step on L + (λ/2)Σw², by tfjs autodiff", async (t) => {
  // A linear model ŷ = Xw with mean squared error: L(w) = (1/m) Σ (Xw − y)²
  const rng = makeRng(21);
  const X = tf.tensor2d(Array.from({ length: 12 }, () => [rng.normal(), rng.normal(), 1]));
  const y = tf.tensor2d(Array.from({ length: 12 }, () => [rng.normal()]));
  const w0 = tf.tensor2d([[0.8], [-1.2], [0.3]]);
  const dataLoss = (w: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.matMul(X, w), y))) as tf.Scalar;
  const alpha = 0.1, lambda = 0.5;
  await t.step("against w − α·∇(L + (λ/2)Σw²)", () => {
    const before = tf.memory().numTensors;
    const gData = tf.grad(dataLoss)(w0);
    const decayed = weightDecayStep(w0, gData, { learningRate: alpha, lambda });
    const expected = tf.tidy(() => {
      const g = tf.grad((w: tf.Tensor) =>
        tf.add(dataLoss(w), tf.mul(lambda / 2, tf.sum(tf.square(w))))
      )(w0);
      return tf.sub(w0, tf.mul(alpha, g));
    });
    assertAllClose(
      decayed.arraySync() as number[][],
      expected.arraySync() as number[][],
      1e-6,
      "step",
    );
    tf.dispose([gData, decayed, expected]);
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  });
  await t.step("and against the keras regularizer with λ_keras = λ/2", () => {
    const reg = l2Regularizer(convertLambda(lambda, { kind: "l2", from: "pytorch", to: "keras" }), {
      convention: "keras",
    });
    const gData = tf.grad(dataLoss)(w0);
    const decayed = weightDecayStep(w0, gData, { learningRate: alpha, lambda });
    const expected = tf.tidy(() => {
      const g = tf.grad((w: tf.Tensor) => tf.add(dataLoss(w), reg.apply(w)))(w0);
      return tf.sub(w0, tf.mul(alpha, g));
    });
    assertAllClose(
      decayed.arraySync() as number[][],
      expected.arraySync() as number[][],
      1e-6,
      "step",
    );
    tf.dispose([gData, decayed, expected]);
  });
  await t.step("arrays give what tensors give: w(1 − αλ) − α·g", () => {
    const w = [[0.8, -1.2], [0.3, 0]], g = [[0.1, 0], [-0.5, 2]];
    const next = weightDecayStep(w, g, { learningRate: alpha, lambda });
    const byHand = w.map((row, i) => row.map((v, j) => v * (1 - alpha * lambda) - alpha * g[i][j]));
    assertAllClose(next, byHand, 1e-12, "arrays");
    const wt = tf.tensor2d(w), gt = tf.tensor2d(g);
    const nt = weightDecayStep(wt, gt, { learningRate: alpha, lambda });
    assertAllClose(nt.arraySync() as number[][], byHand, 1e-6, "tensors");
    tf.dispose([wt, gt, nt]);
  });
  tf.dispose([X, y, w0]);
});

Deno.test("bad input fails with a message naming parameter, value and rule", async (t) => {
  const w = [1, 2];
  await t.step("λ must be a finite number ≥ 0", () => {
    assert.throws(() => l2Penalty(w, -0.1, { convention: "keras" }), {
      name: "RangeError",
      message: "lambda must be a finite number >= 0, got -0.1",
    });
    assert.throws(() => l1Regularizer(NaN, { convention: "keras" }), {
      name: "RangeError",
      message: "lambda must be a finite number >= 0, got NaN",
    });
    assert.throws(() => l2Regularizer("0.1" as unknown as number, { convention: "keras" }), {
      name: "TypeError",
      message: 'lambda must be a finite number >= 0, got "0.1"',
    });
    assert.throws(() => elasticNetPenalty(w, { l1: 0.1, l2: -1 }, { convention: "keras" }), {
      name: "RangeError",
      message: "strength.l2 must be a finite number >= 0, got -1",
    });
    assert.throws(
      () => convertLambda(-1, { kind: "l2", from: "keras", to: "pytorch" }),
      { name: "RangeError", message: "lambda must be a finite number >= 0, got -1" },
    );
  });
  await t.step("the convention must be named and known", () => {
    assert.throws(
      () => l2Penalty(w, 0.1, {} as { convention: "keras" }),
      {
        name: "RangeError",
        message: 'options.convention must be one of "keras", "pytorch", "course", got undefined',
      },
    );
    assert.throws(
      () => l2Regularizer(0.1, { convention: "tensorflow" as "keras" }),
      {
        name: "RangeError",
        message: 'options.convention must be one of "keras", "pytorch", "course", got "tensorflow"',
      },
    );
    assert.throws(() => l2Penalty(w, 0.1, undefined as unknown as { convention: "keras" }), {
      name: "TypeError",
      message:
        'options must be an object naming the convention, e.g. { convention: "keras" }, got undefined',
    });
    assert.throws(
      () => convertLambda(1, { kind: "l3" as "l1", from: "keras", to: "keras" }),
      { name: "RangeError", message: 'options.kind must be one of "l1", "l2", got "l3"' },
    );
    assert.throws(
      () => penaltyFactor("l0" as "l1", { convention: "keras" }),
      { name: "RangeError", message: 'kind must be one of "l1", "l2", got "l0"' },
    );
  });
  await t.step("the course convention needs n, a positive integer", () => {
    for (const n of [undefined, 0, -5, 2.5]) {
      assert.throws(() => l2Penalty(w, 0.1, { convention: "course", n }), {
        name: "RangeError",
        message:
          `options.n (the number of training examples) must be a positive integer for the "course" convention, got ${n}`,
      });
    }
    assert.throws(
      () => convertLambda(1, { kind: "l2", from: "keras", to: "course", n: 0 }),
      /options\.n \(the number of training examples\) must be a positive integer/,
    );
  });
  await t.step("misspelt options are errors", () => {
    assert.throws(
      () => l2Penalty(w, 0.1, { convention: "keras", lamda: 1 } as { convention: "keras" }),
      {
        name: "TypeError",
        message: 'options has no setting "lamda"; the settings are convention, n',
      },
    );
  });
  await t.step("weights must be numbers, arrays or tensors of finite values", () => {
    assert.throws(() => l2Penalty(["a"] as unknown as number[], 0.1, { convention: "keras" }), {
      name: "TypeError",
      message: 'weights[0] must be numbers, a Float32Array, a tensor or arrays of these, got "a"',
    });
    assert.throws(() => l1Penalty([1, Infinity], 0.1, { convention: "keras" }), {
      name: "RangeError",
      message: "weights[1] must be a finite number, got Infinity",
    });
    const nan = tf.tensor1d([1, NaN]);
    assert.throws(() => l1Penalty([nan], 0.1, { convention: "keras" }), {
      name: "RangeError",
      message: "weights[0] must hold finite numbers, got NaN at flat index 1",
    });
    nan.dispose();
    assert.throws(() => l1Penalty(nan, 0.1, { convention: "keras" }), {
      message: "weights is a tensor of shape [2] that has already been disposed",
    });
  });
  await t.step("weightDecayStep() checks its inputs", () => {
    assert.throws(() => weightDecayStep([1, 2], [1], { learningRate: 0.1, lambda: 0.1 }), {
      name: "RangeError",
      message: "grad must have the same shape as w (2 entries), got [1]",
    });
    assert.throws(() => weightDecayStep([1], [1], { learningRate: 0, lambda: 0.1 }), {
      name: "RangeError",
      message: "options.learningRate must be a positive number, got 0",
    });
    assert.throws(() => weightDecayStep([1], [1], { learningRate: 0.1, lambda: -2 }), {
      name: "RangeError",
      message: "options.lambda must be a finite number >= 0, got -2",
    });
    const a = tf.tensor1d([1, 2]), b = tf.tensor1d([1, 2, 3]);
    assert.throws(() => weightDecayStep(a, b, { learningRate: 0.1, lambda: 0.1 }), {
      name: "RangeError",
      message: "grad must have the same shape as w ([2]), got a tensor of shape [3]",
    });
    tf.dispose([a, b]);
  });
});
