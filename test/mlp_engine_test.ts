import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { compilePlan } from "../lib/_fast_dense.ts";
import {
  createEngine,
  engineSwitch,
  jsKernels,
  type KernelFactory,
  type MlpSimd,
} from "../lib/_mlp_engine.ts";
import { optimizerSettings } from "../lib/optimizers.ts";
import { mlpSimd } from "../lib/_mlp_simd.ts";
import { mlp, type MlpOptions } from "../lib/model.ts";
import { stepDecay } from "../lib/schedules.ts";
import { makeBlobs, makeMoons, makeRegression1d } from "../lib/synthetic.ts";
import { fit, type FitOptions } from "../lib/train.ts";
import type { Callback } from "../lib/callbacks.ts";
import type { History } from "../lib/history.ts";

await initBackend("wasm");

const moons = toTensors(makeMoons(200, { noise: 0.2, seed: 3 }));
const blobs = toTensors(makeBlobs(150, { centers: 3, seed: 4 }));
const line = toTensors(makeRegression1d(64, { seed: 5 }));

interface Run {
  history: History;
  weights: Float32Array[];
  engines: number;
}

/** Trains a fresh model (same seed every time) with the engine on (with `kernels`) or off. */
async function run(
  kernels: KernelFactory | undefined,
  inputDim: number,
  model: MlpOptions | (() => tf.LayersModel),
  data: { X: tf.Tensor; y: tf.Tensor },
  options: (m: tf.LayersModel) => FitOptions,
): Promise<Run> {
  const saved = { ...engineSwitch };
  let engines = 0;
  engineSwitch.enabled = kernels !== undefined;
  engineSwitch.kernels = (memory) => {
    engines++;
    return kernels?.(memory);
  };
  const m = typeof model === "function" ? model() : mlp(inputDim, { seed: 7, ...model });
  try {
    const before = tf.memory().numTensors;
    const history = await fit(m, data, { seed: 11, ...options(m) });
    assert.equal(tf.memory().numTensors, before, "tensors left behind");
    const weights = m.getWeights().map((w) => w.dataSync() as Float32Array);
    return { history, weights, engines };
  } finally {
    Object.assign(engineSwitch, saved);
    m.dispose();
  }
}

/** Max |a − b| over max |a|: the difference relative to the tensor's scale. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(a[i]));
  }
  return s === 0 ? d : d / s;
}

/**
 * The engine, with the JavaScript kernels and with the SIMD ones, and the tfjs fast path give
 * the same weights, losses, accuracies and rates.
 */
async function sameAsFastPath(
  inputDim: number,
  model: MlpOptions | (() => tf.LayersModel),
  data: { X: tf.Tensor; y: tf.Tensor },
  options: (m: tf.LayersModel) => FitOptions,
): Promise<void> {
  const old = await run(undefined, inputDim, model, data, options);
  assert.equal(old.engines, 0);
  for (const kernels of [jsKernels, (m: WebAssembly.Memory) => mlpSimd(m)]) {
    same(old, await run(kernels, inputDim, model, data, options));
  }
}

function same(old: Run, eng: Run): void {
  assert.ok(eng.engines >= 1, "the engine did not run");
  assert.equal(old.history.path, "fast");
  assert.equal(eng.history.path, "fast");
  assert.equal(eng.history.epochs.length, old.history.epochs.length);
  old.history.epochs.forEach((o, i) => {
    const e = eng.history.epochs[i];
    assert.ok(Math.abs(e.loss - o.loss) <= 1e-5 * Math.max(1, o.loss), `epoch ${i + 1} loss`);
    if (o.acc !== undefined) assert.ok(Math.abs(e.acc! - o.acc) <= 0.011, `epoch ${i + 1} acc`);
    if (o.valLoss !== undefined) {
      assert.ok(Math.abs(e.valLoss! - o.valLoss) <= 1e-5 * Math.max(1, o.valLoss));
    }
    assert.equal(e.lr, o.lr);
  });
  assert.equal(eng.history.batches.length, old.history.batches.length);
  old.history.batches.forEach((o, i) => {
    const e = eng.history.batches[i];
    assert.ok(Math.abs(e.loss - o.loss) <= 1e-5 * Math.max(1, o.loss), `batch ${i + 1} loss`);
    assert.equal(e.lr, o.lr);
  });
  assert.equal(eng.weights.length, old.weights.length);
  old.weights.forEach((w, i) => {
    const d = relDiff(w, eng.weights[i]);
    assert.ok(d <= 1e-4, `weight tensor ${i}: relative difference ${d}`);
  });
}

Deno.test("the engine trains as the tfjs fast path does", async (t) => {
  await t.step("adam with an L2 penalty, validation and recorded batches", async () => {
    await sameAsFastPath(
      2,
      {
        hidden: [16, 16],
        kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
      },
      moons,
      () => ({
        epochs: 3,
        batchSize: 32,
        validationData: moons,
        recordBatches: true,
      }),
    );
  });
  await t.step("nesterov momentum with an L1L2 penalty and a softmax output", async () => {
    await sameAsFastPath(
      2,
      {
        hidden: [12],
        activation: "tanh",
        outputUnits: 3,
        outputActivation: "softmax",
        kernelRegularizer: tf.regularizers.l1l2({ l1: 0.001, l2: 0.01 }),
        regularizeOutput: true,
      },
      blobs,
      () => ({
        epochs: 3,
        batchSize: 25,
        optimizer: { name: "momentum", momentum: 0.8, nesterov: true },
        learningRate: 0.05,
      }),
    );
  });
  await t.step("rmsprop with momentum, batch norm and leaky ReLU", async () => {
    await sameAsFastPath(
      2,
      {
        hidden: [16, 8],
        activation: "leakyRelu",
        batchNorm: true,
      },
      moons,
      () => ({
        epochs: 3,
        batchSize: 40,
        optimizer: { name: "rmsprop", momentum: 0.5 },
        validationData: moons,
      }),
    );
  });
  await t.step("sgd on the full batch with mean squared error and elu", async () => {
    await sameAsFastPath(
      1,
      {
        hidden: [8],
        activation: "elu",
        outputActivation: "linear",
      },
      line,
      () => ({ epochs: 5, optimizer: "sgd", learningRate: 0.05 }),
    );
  });
  await t.step("dropout draws the same masks", async () => {
    await sameAsFastPath(2, { hidden: [32, 32], dropout: [0.3, 0.5] }, moons, () => ({
      epochs: 3,
      batchSize: 32,
    }));
  });
  await t.step("augment with noise and soft targets, dropout and recorded batches", async () => {
    // Gaussian noise on X and smoothed targets, both from the batch's seed.
    const augment: FitOptions["augment"] = ({ X, y }, seed) => ({
      X: tf.add(X, tf.randomNormal(X.shape, 0, 0.1, "float32", seed)),
      y: tf.add(tf.mul(y, 0.8), 0.1),
    });
    await sameAsFastPath(2, { hidden: [16, 16], dropout: 0.2 }, moons, () => ({
      epochs: 3,
      batchSize: 32,
      augment,
      recordBatches: true,
      validationData: moons,
    }));
  });
  await t.step("decoupled weight decay", async () => {
    await sameAsFastPath(2, { hidden: [16] }, moons, () => ({
      epochs: 3,
      batchSize: 50,
      weightDecay: 0.5,
      learningRate: 0.01,
    }));
  });
  await t.step("clipping by value", async () => {
    await sameAsFastPath(2, { hidden: [16] }, moons, () => ({
      epochs: 3,
      batchSize: 32,
      optimizer: "sgd",
      learningRate: 0.5,
      clipValue: 0.01,
    }));
  });
  await t.step("clipping by global norm with an L2 penalty", async () => {
    await sameAsFastPath(
      2,
      {
        hidden: [16],
        kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }),
      },
      moons,
      () => ({ epochs: 3, batchSize: 32, clipNorm: 0.05, learningRate: 0.01 }),
    );
  });
  await t.step("a learning-rate schedule", async () => {
    await sameAsFastPath(2, { hidden: [8] }, moons, () => ({
      epochs: 3,
      batchSize: 20,
      optimizer: "sgd",
      learningRate: stepDecay({ initial: 0.2, factor: 0.5, every: 7 }),
      recordBatches: true,
    }));
  });
  await t.step("a frozen layer keeps its weights and passes gradients through", async () => {
    await sameAsFastPath(
      2,
      () => {
        const m = mlp(2, { hidden: [8, 8], seed: 7 });
        m.layers[1].trainable = false;
        return m;
      },
      moons,
      () => ({ epochs: 2, batchSize: 32 }),
    );
  });
  await t.step("a separate softmax layer after a Dense without bias", async () => {
    const init = tf.initializers.glorotUniform({ seed: 5 });
    await sameAsFastPath(
      2,
      () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [2], units: 8, kernelInitializer: init }),
            tf.layers.leakyReLU({ alpha: 0.2 }),
            tf.layers.dense({ units: 3, useBias: false, kernelInitializer: init }),
            tf.layers.activation({ activation: "softmax" }),
          ],
        }),
      blobs,
      () => ({ epochs: 2, batchSize: 30, loss: "categoricalCrossentropy" }),
    );
  });
  await t.step("binary crossentropy on a softmax output (not fused)", async () => {
    const blobs2 = toTensors(makeBlobs(120, { centers: 2, seed: 6 }));
    // one-hot targets [1 − y, y]
    const two = { X: blobs2.X, y: tf.tidy(() => tf.concat([tf.sub(1, blobs2.y), blobs2.y], 1)) };
    tf.dispose(blobs2.y);
    try {
      await sameAsFastPath(
        2,
        {
          hidden: [8],
          activation: "sigmoid",
          outputUnits: 2,
          outputActivation: "softmax",
        },
        two,
        () => ({ epochs: 2, batchSize: 32, loss: "binaryCrossentropy" }),
      );
    } finally {
      tf.dispose([two.X, two.y]);
    }
  });
  await t.step("callbacks see the trained weights and may replace them", async () => {
    // After epoch 1 the weights go back to where they started; every batch end records
    // the sum of the first kernel, which must be the trained one.
    await sameAsFastPath(2, { hidden: [8] }, moons, (m) => {
      const start = m.getWeights().map((w) => w.clone());
      const sums: number[] = [];
      const cb: Callback = {
        onBatchEnd: () => {
          sums.push(tf.tidy(() => m.getWeights()[0].sum().dataSync()[0]));
        },
        onEpochEnd: (log) => {
          if (log.epoch === 1) m.setWeights(start);
          if (log.epoch === 3) {
            tf.dispose(start);
            assert.equal(new Set(sums).size, sums.length, "a batch end saw stale weights");
          }
        },
      };
      return { epochs: 3, batchSize: 64, callbacks: [cb] };
    });
  });
});

Deno.test("the engine's weights reach the model before validation and at the end", async () => {
  // The validation loss of the last epoch is the loss of the final model.
  const m = mlp(2, { hidden: [8], seed: 2 });
  try {
    const h = await fit(m, moons, { epochs: 2, batchSize: 32, validationData: moons, seed: 1 });
    const p = m.predict(moons.X) as tf.Tensor;
    const loss = tf.metrics.binaryCrossentropy(moons.y, p).mean().dataSync()[0];
    p.dispose();
    assert.ok(Math.abs(h.epochs[1].valLoss! - loss) < 1e-5, `${h.epochs[1].valLoss} vs ${loss}`);
  } finally {
    m.dispose();
  }
});

Deno.test("the engine reproduces a run exactly from its seed", async () => {
  const options = () => ({ epochs: 2, batchSize: 32 });
  const model = { hidden: [16, 16], dropout: 0.2, batchNorm: true };
  const simd = (m: WebAssembly.Memory) => mlpSimd(m);
  const a = await run(simd, 2, model, moons, options);
  const b = await run(simd, 2, model, moons, options);
  assert.deepEqual(b.weights, a.weights);
  assert.deepEqual(b.history.epochs.map((e) => e.loss), a.history.epochs.map((e) => e.loss));
});

Deno.test("without kernels that can run, fit trains on the tfjs fast path", async () => {
  const train = async (kernels: typeof engineSwitch.kernels, enabled: boolean) => {
    const saved = { ...engineSwitch };
    Object.assign(engineSwitch, { kernels, enabled });
    const m = mlp(2, { hidden: [8], seed: 3 });
    try {
      const h = await fit(m, moons, { epochs: 2, batchSize: 16, seed: 2 });
      return { path: h.path, w: m.getWeights().map((w) => Array.from(w.dataSync())) };
    } finally {
      Object.assign(engineSwitch, saved);
      m.dispose();
    }
  };
  const none = await train(() => undefined, true);
  const old = await train(jsKernels, false);
  assert.equal(none.path, "fast");
  assert.deepEqual(none.w, old.w);
});

Deno.test("an engine trained on batches handed to it checks them, and has no rows of its own", () => {
  const m = mlp(2, { hidden: [4], seed: 1 });
  const plan = compilePlan(m);
  assert.ok(typeof plan !== "string", String(plan));
  const settings = {
    loss: "binaryCrossentropy" as const,
    optimizer: optimizerSettings("sgd"),
    learningRate: 0.1,
    maxBatch: 3,
  };
  try {
    const engine = createEngine(plan, undefined, undefined, settings)!;
    const X = Float32Array.of(0, 1, 1, 0), y = Float32Array.of(1, 0);
    engine.stepOn(X, y, 2, () => 1);
    assert.equal(engine.output(2).length, 2);
    assert.throws(
      () => engine.stepOn(X, y, 4, () => 1),
      new RangeError("size must be an integer in [1, 3], got 4"),
    );
    assert.throws(
      () => engine.stepOn(X, y, 1, () => 1),
      new RangeError(
        "X and y must hold size × 2 = 2 and size × 1 = 1 numbers (size 1), got 4 and 2",
      ),
    );
    assert.throws(
      () => engine.step(undefined, 0, 2, () => 1),
      /this engine has no data of its own: train it with stepOn/,
    );
    // one sgd step on the batch moved the weights the model gets back
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    engine.writeBack();
    const after = m.getWeights().map((w) => Array.from(w.dataSync()));
    assert.notDeepEqual(after, before);
  } finally {
    m.dispose();
  }
});

/** Kernels checked against direct formulas on small random operands. */
function kernelCases(make: (memory: WebAssembly.Memory) => MlpSimd) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const F = new Float32Array(memory.buffer);
  const k = make(memory);
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let i = 0; i < 4096; i++) F[i] = rand();
  // gemm with a transposed A: C[i][j] = Σ_t A[t][i] B[t][j], A [5, 3], B [5, 7]
  const A = 0, Bm = 64, C = 256;
  k.gemm(A * 4, 4, 3 * 4, Bm * 4, 7 * 4, C * 4, 7 * 4, 3, 7, 5, 0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 7; j++) {
      let s = 0;
      for (let t = 0; t < 5; t++) s += F[A + t * 3 + i] * F[Bm + t * 7 + j];
      assert.ok(Math.abs(F[C + i * 7 + j] - s) < 1e-5);
    }
  }
  // gemmNT accumulating: C[i][j] += Σ_t A[i][t] B[j][t], A [3, 5], B [6, 5]
  const before = F.slice(C, C + 18);
  k.gemmNT(A * 4, 5 * 4, Bm * 4, 5 * 4, C * 4, 6 * 4, 3, 6, 5, 1);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 6; j++) {
      let s = before[i * 6 + j];
      for (let t = 0; t < 5; t++) s += F[A + i * 5 + t] * F[Bm + j * 5 + t];
      assert.ok(Math.abs(F[C + i * 6 + j] - s) < 1e-5);
    }
  }
  // column sums of a [4, 3] block inside rows of 5
  k.colSum(A * 4, 5 * 4, C * 4, 4, 3);
  for (let j = 0; j < 3; j++) {
    const s = F[A + j] + F[A + 5 + j] + F[A + 10 + j] + F[A + 15 + j];
    assert.ok(Math.abs(F[C + j] - s) < 1e-5);
  }
  // adam with l1, l2, clipping, decay and a tiny weight flushed to 0
  const W = 512, G = 600, M = 700, V = 800, n = 9;
  F[W + 3] = 1e-30;
  F[G + 3] = 0;
  for (let j = 0; j < n; j++) F[V + j] = Math.abs(F[V + j]);
  const w0 = F.slice(W, W + n), g0 = F.slice(G, G + n), m0 = F.slice(M, M + n);
  const v0 = F.slice(V, V + n);
  const sq = k.sumSqGrad(W * 4, G * 4, n, 0.01, 0.2, 0.5);
  let want = 0;
  const gs = [...w0].map((w, j) => {
    const g = Math.min(Math.max(g0[j] + 0.2 * w + 0.01 * Math.sign(w), -0.5), 0.5);
    want += g * g;
    return g * 0.8;
  });
  assert.ok(Math.abs(sq - want) < 1e-5);
  k.adam(
    W * 4,
    G * 4,
    M * 4,
    V * 4,
    n,
    0.1,
    0.99,
    0.01,
    0.2,
    0.5,
    0.8,
    0.9,
    0.999,
    1e-7,
    0.19,
    0.002,
  );
  gs.forEach((g, j) => {
    const m = 0.9 * m0[j] + 0.1 * g, v = 0.999 * v0[j] + 0.001 * g * g;
    let w = 0.99 * w0[j] - 0.1 * (m / 0.19) / (Math.sqrt(v / 0.002) + 1e-7);
    if (Math.abs(w) < 1e-20) w = 0;
    assert.ok(Math.abs(F[M + j] - m) < 1e-6 && Math.abs(F[V + j] - v) < 1e-6);
    assert.ok(Math.abs(F[W + j] - w) < 1e-5 * Math.max(1, Math.abs(w)), `w[${j}]`);
  });
  assert.equal(F[W + 3] === 0 || Math.abs(F[W + 3]) > 1e-20, true);
}

Deno.test("the JavaScript and the SIMD kernels compute their formulas", () => {
  kernelCases(jsKernels);
  kernelCases((memory) => mlpSimd(memory)!);
});

Deno.test({
  name: "cleanup",
  fn() {
    tf.dispose([moons.X, moons.y, blobs.X, blobs.y, line.X, line.y]);
  },
});
