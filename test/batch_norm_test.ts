import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  batchNorm,
  type BatchNormState,
  batchStatistics,
  initBatchNormState,
  kerasMomentum,
  pytorchMomentum,
  readBatchNormLayer,
  updateRunningAverage,
} from "../lib/batch_norm.ts";
import { makeRng } from "../lib/random.ts";

await initBackend("wasm");

const FEATURES = 5;

/** A batch whose features have different means and scales: column j ~ N(3j − 4, (j + 0.5)²). */
function batch(m: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from(
    { length: m },
    () => Array.from({ length: FEATURES }, (_, j) => 3 * j - 4 + (j + 0.5) * rng.normal()),
  );
}

/** Random γ, β and running statistics. */
function randomState(seed: number): BatchNormState {
  const rng = makeRng(seed);
  const vec = (f: () => number) => Array.from({ length: FEATURES }, f);
  return {
    gamma: vec(() => 0.5 + rng.next()),
    beta: vec(() => rng.normal()),
    runningMean: vec(() => rng.normal()),
    runningVariance: vec(() => 0.5 + 2 * rng.next()),
  };
}

/** A built tfjs BatchNormalization layer holding `state`. */
function tfjsLayer(
  state: BatchNormState,
  config: { momentum?: number; epsilon?: number } = {},
): tf.layers.Layer {
  const layer = tf.layers.batchNormalization(config);
  tf.tidy(() => {
    layer.apply(tf.zeros([1, FEATURES]), { training: false }); // builds the layer
    layer.setWeights(
      [state.gamma, state.beta, state.runningMean, state.runningVariance].map((v) =>
        tf.tensor1d(v)
      ),
    );
  });
  return layer;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Mean and variance per column by the other formula: E[x²] − E[x]², and 1/(m − 1) for the unbiased. */
function byHand(rows: number[][]) {
  const m = rows.length;
  const mean = rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / m);
  const meanSq = rows[0].map((_, j) => rows.reduce((s, r) => s + r[j] * r[j], 0) / m);
  const variance = mean.map((mu, j) => meanSq[j] - mu * mu);
  const unbiased = mean.map((mu, j) => rows.reduce((s, r) => s + (r[j] - mu) ** 2, 0) / (m - 1));
  return { mean, variance, unbiased };
}

Deno.test("batchStatistics() gives μ_B, the biased σ²_B and the unbiased variance", () => {
  const rows = batch(12, 1);
  const s = batchStatistics(rows);
  const h = byHand(rows);
  assert.ok(maxAbsDiff(s.mean, h.mean) < 1e-12);
  assert.ok(maxAbsDiff(s.variance, h.variance) < 1e-9);
  assert.ok(maxAbsDiff(s.unbiasedVariance, h.unbiased) < 1e-9);
  assert.equal(s.size, 12);
  // tfjs's moments agree (float32)
  const x = tf.tensor2d(rows);
  const { mean, variance } = tf.moments(x, 0);
  assert.ok(maxAbsDiff(s.mean, mean.dataSync()) < 1e-4);
  assert.ok(maxAbsDiff(s.variance, variance.dataSync()) < 1e-3);
  tf.dispose([x, mean, variance]);
});

Deno.test("in training mode x̂ has per-feature mean 0 and variance σ²/(σ² + ε) ≈ 1", () => {
  const rows = batch(64, 2);
  const { y, xhat } = batchNorm(rows, initBatchNormState(FEATURES), { training: true });
  const s = batchStatistics(xhat);
  const raw = byHand(rows);
  s.mean.forEach((v) => assert.ok(Math.abs(v) < 1e-5));
  s.variance.forEach((v, j) => {
    const expected = raw.variance[j] / (raw.variance[j] + 1e-3);
    assert.ok(Math.abs(v - expected) < 1e-5, `feature ${j}: ${v} vs ${expected}`);
  });
  // with γ = 1 and β = 0 the output is x̂ itself
  assert.deepEqual(y.dataSync(), xhat.dataSync());
  tf.dispose([y, xhat]);
});

Deno.test("batchNorm() equals tfjs's BatchNormalization layer given the same parameters", async (t) => {
  const settings: [string, { momentum?: number; epsilon?: number }][] = [
    ["tfjs defaults (momentum 0.99, ε 1e-3)", {}],
    ["momentum 0.9, ε 0.01", { momentum: 0.9, epsilon: 0.01 }],
  ];
  for (const [name, config] of settings) {
    await t.step(`training mode, ${name}: output and updated moving statistics`, () => {
      const state = randomState(3);
      const layer = tfjsLayer(state, config);
      const rows = batch(16, 4);
      const x = tf.tensor2d(rows);
      const expected = layer.apply(x, { training: true }) as tf.Tensor;
      const ours = batchNorm(rows, state, { training: true, ...config });
      assert.ok(maxAbsDiff(ours.y.dataSync(), expected.dataSync()) < 1e-4);
      const after = readBatchNormLayer(layer);
      assert.ok(maxAbsDiff(ours.state.runningMean, after.runningMean) < 1e-5);
      assert.ok(maxAbsDiff(ours.state.runningVariance, after.runningVariance) < 1e-4);
      assert.deepEqual(ours.state.gamma, state.gamma);
      tf.dispose([x, expected, ours.y, ours.xhat]);
      layer.dispose();
    });
    await t.step(`inference mode, ${name}: the moving statistics normalize`, () => {
      const state = randomState(5);
      const layer = tfjsLayer(state, config);
      const rows = batch(16, 6);
      const x = tf.tensor2d(rows);
      const expected = layer.apply(x, { training: false }) as tf.Tensor;
      const ours = batchNorm(rows, state, { training: false, ...config });
      assert.ok(maxAbsDiff(ours.y.dataSync(), expected.dataSync()) < 1e-4);
      assert.deepEqual(ours.mean, state.runningMean);
      assert.deepEqual(ours.state, state, "inference changes nothing");
      assert.deepEqual(
        readBatchNormLayer(layer).runningMean.map((v) => Math.fround(v)),
        state.runningMean.map((v) => Math.fround(v)),
      );
      tf.dispose([x, expected, ours.y, ours.xhat]);
      layer.dispose();
    });
  }
  await t.step("readBatchNormLayer() reads tfjs's defaults", () => {
    const layer = tfjsLayer(initBatchNormState(FEATURES));
    const s = readBatchNormLayer(layer);
    assert.equal(s.momentum, 0.99);
    assert.equal(s.epsilon, 1e-3);
    layer.dispose();
  });
});

Deno.test("running statistics follow each momentum convention", async (t) => {
  const batches = Array.from({ length: 25 }, (_, k) => batch(8, 100 + k));
  const stats = batches.map(byHand);
  const start = randomState(7);

  /** Runs batchNorm over all batches in training mode. */
  const run = (options: Parameters<typeof batchNorm>[2]) => {
    let state = start;
    for (const rows of batches) {
      const r = batchNorm(rows, state, options);
      tf.dispose([r.y, r.xhat]);
      state = r.state;
    }
    return state;
  };
  /**
   * The closed form of K updates r ← a·r + (1 − a)·b: r_K = a^K r_0 + (1 − a) Σ_k a^(K−k) b_k,
   * where a is the weight of the old value.
   */
  const closedForm = (r0: number[], values: number[][], a: number) =>
    r0.map((r, j) => {
      const K = values.length;
      let sum = a ** K * r;
      values.forEach((b, k) => (sum += (1 - a) * a ** (K - 1 - k) * b[j]));
      return sum;
    });

  await t.step("keras: running = momentum · running + (1 − momentum) · batch", () => {
    const s = run({ training: true, convention: "keras", momentum: 0.8 });
    const mean = closedForm(start.runningMean, stats.map((x) => x.mean), 0.8);
    const variance = closedForm(start.runningVariance, stats.map((x) => x.variance), 0.8);
    assert.ok(maxAbsDiff(s.runningMean, mean) < 1e-9);
    assert.ok(maxAbsDiff(s.runningVariance, variance) < 1e-9);
  });
  await t.step("pytorch: running = (1 − m) · running + m · batch, unbiased variance", () => {
    const s = run({ training: true, convention: "pytorch", momentum: 0.2 });
    const mean = closedForm(start.runningMean, stats.map((x) => x.mean), 0.8);
    const variance = closedForm(start.runningVariance, stats.map((x) => x.unbiased), 0.8);
    assert.ok(maxAbsDiff(s.runningMean, mean) < 1e-9);
    assert.ok(maxAbsDiff(s.runningVariance, variance) < 1e-9);
  });
  await t.step("keras momentum μ and pytorch momentum 1 − μ keep the same running mean", () => {
    const k = run({ training: true, convention: "keras", momentum: 0.99 });
    const p = run({ training: true, convention: "pytorch", momentum: pytorchMomentum(0.99) });
    const pBiased = run({
      training: true,
      convention: "pytorch",
      momentum: 0.01,
      unbiasedRunningVariance: false,
    });
    assert.ok(maxAbsDiff(k.runningMean, p.runningMean) < 1e-12);
    assert.ok(maxAbsDiff(k.runningVariance, pBiased.runningVariance) < 1e-12);
    // the unbiased average is larger: each batch's variance enters times m/(m − 1)
    p.runningVariance.forEach((v, j) => assert.ok(v > k.runningVariance[j]));
  });
  await t.step("the defaults are keras 0.99 and pytorch 0.1 (= keras 0.9)", () => {
    const keras = run({ training: true });
    const keras99 = run({ training: true, convention: "keras", momentum: 0.99 });
    assert.deepEqual(keras, keras99);
    const torch = run({ training: true, convention: "pytorch" });
    const keras90 = run({ training: true, convention: "keras", momentum: kerasMomentum(0.1) });
    assert.ok(maxAbsDiff(torch.runningMean, keras90.runningMean) < 1e-12);
  });
  await t.step("updateRunningAverage() is one step of the same rule", () => {
    const r = [1, -2], b = [3, 4];
    assert.deepEqual(
      updateRunningAverage(r, b, { momentum: 0.75 }),
      [0.75 * 1 + 0.25 * 3, 0.75 * -2 + 0.25 * 4],
    );
    assert.deepEqual(
      updateRunningAverage(r, b, { convention: "pytorch", momentum: 0.25 }),
      [0.75 * 1 + 0.25 * 3, 0.75 * -2 + 0.25 * 4],
    );
    assert.deepEqual(r, [1, -2], "inputs unchanged");
  });
});

Deno.test("inference uses the running statistics, so a small batch's outputs differ", () => {
  const state = { ...initBatchNormState(FEATURES), runningMean: [-4, -1, 2, 5, 8] };
  const rows = batch(3, 9);
  const train = batchNorm(rows, state, { training: true });
  const infer = batchNorm(rows, state, { training: false });
  assert.ok(maxAbsDiff(train.y.dataSync(), infer.y.dataSync()) > 0.1);
  // the first example's inference output does not depend on the others
  const alone = batchNorm([rows[0]], state, { training: false });
  assert.ok(maxAbsDiff(alone.y.dataSync(), infer.y.dataSync().slice(0, FEATURES)) < 1e-6);
  tf.dispose([train.y, train.xhat, infer.y, infer.xhat, alone.y, alone.xhat]);
});

Deno.test("bad momenta, conventions and inputs give clear errors", () => {
  const state = initBatchNormState(FEATURES);
  const rows = batch(4, 1);
  const cases: [() => unknown, RegExp][] = [
    [
      () => batchNorm(rows, state, { training: true, momentum: 1.5 }),
      /options.momentum \(the weight of the old running value, Keras\/tfjs convention, typically 0.99\) must be a number in \[0, 1\], got 1.5/,
    ],
    [
      () => batchNorm(rows, state, { training: true, convention: "pytorch", momentum: -0.1 }),
      /options.momentum \(the weight of the new batch value, PyTorch convention, typically 0.1\) must be a number in \[0, 1\], got -0.1/,
    ],
    [() => kerasMomentum(2), /momentum \(.*PyTorch.*\) must be a number in \[0, 1\], got 2/],
    [
      () => pytorchMomentum(Number.NaN),
      /momentum \(.*Keras.*\) must be a number in \[0, 1\], got NaN/,
    ],
    [
      () => batchNorm(rows, state, { training: true, convention: "tf" as never }),
      /options.convention must be one of "keras", "pytorch", got "tf"/,
    ],
    [
      () => batchNorm(rows, state, {} as never),
      /options.training must be true \(batch statistics\) or false \(running statistics\)/,
    ],
    [
      () => batchNorm(rows, state, { training: true, epsilon: -1 }),
      /options.epsilon must be a finite number >= 0, got -1/,
    ],
    [
      () => batchNorm(rows, initBatchNormState(3), { training: true }),
      /state.gamma must have one entry per feature \(5\), got 3/,
    ],
    [
      () => batchNorm([[1, 2], [3]], initBatchNormState(2), { training: false }),
      /rows must all have 2 values/,
    ],
    [() => updateRunningAverage([1], [1, 2]), /batch must have one entry per feature \(1\), got 2/],
    [() => initBatchNormState(0), /numFeatures must be a positive integer, got 0/],
    [
      () => readBatchNormLayer(tf.layers.dense({ units: 2 })),
      /layer must be a tfjs BatchNormalization layer, got Dense/,
    ],
    [() => batchNorm(rows, state, { training: true, mom: 0.9 } as never), /no setting "mom"/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
});

Deno.test("batch-norm functions leave no tensors behind", () => {
  const state = randomState(1);
  const layer = tfjsLayer(state);
  const x = tf.tensor2d(batch(6, 2));
  const before = tf.memory().numTensors;
  for (const training of [true, false]) {
    const r = batchNorm(x, state, { training });
    tf.dispose([r.y, r.xhat]);
  }
  readBatchNormLayer(layer);
  batchStatistics(x);
  assert.throws(() => batchNorm(x, state, { training: true, momentum: 3 }));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(x);
  layer.dispose();
});
