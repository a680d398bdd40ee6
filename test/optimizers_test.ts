import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { fit, type FitOptions } from "../lib/train.ts";
import type { Callback } from "../lib/callbacks.ts";
import {
  DEFAULT_LEARNING_RATE,
  optimizerSettings,
  type OptimizerSpec,
  tfjsOptimizer,
} from "../lib/optimizers.ts";
import { makeUpdater } from "../lib/_optimizers.ts";

await initBackend("wasm");

const moons = toTensors(makeMoons(80, { noise: 0.25, seed: 31 }));

/** Seeded gradients: `steps` lists of one gradient per shape, spread over several magnitudes. */
function gradientSequence(shapes: number[][], steps: number, seed: number): number[][][] {
  const rng = makeRng(seed);
  return Array.from({ length: steps }, () =>
    shapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return Array.from({ length: size }, () => (rng.next() - 0.5) * 10 ** rng.int(3));
    }));
}

/**
 * Runs lib's updater and `other` (a tfjs optimizer) on the same gradients from the same
 * weights, and returns the largest difference of the weights over all steps, relative to
 * max(|w|, 0.1): tfjs computes in float32 (its 1 − β₂ᵗ at t = 1 is off by 1.3e-5), so a weight
 * near 0 differs by about 1e-5 of a step, not of its own size.
 */
function stepForStep(
  spec: OptimizerSpec,
  other: tf.Optimizer,
  learningRates: number[],
  setRate?: (opt: tf.Optimizer, rate: number) => void,
  schedule?: (step: number) => number,
): number {
  const shapes = [[3, 2], [2]];
  const init = gradientSequence(shapes, 1, 5)[0];
  const variable = (values: number[], shape: number[]) =>
    tf.tidy(() => tf.variable(tf.tensor(values, shape)));
  const mine = shapes.map((s, i) => variable(init[i], s));
  const theirs = shapes.map((s, i) => variable(init[i], s));
  const grads = gradientSequence(shapes, learningRates.length, 6);
  const updater = makeUpdater(
    mine.map((variable) => ({ variable })),
    spec,
    schedule ?? learningRates[0],
    false,
  );
  let worst = 0;
  grads.forEach((gs, t) => {
    tf.tidy(() => updater.step(gs.map((g, i) => tf.tensor(g, shapes[i]))));
    setRate?.(other, learningRates[t]);
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      theirs.forEach((v, i) => (named[v.name] = tf.tensor(gs[i], shapes[i])));
      other.applyGradients(named);
    });
    mine.forEach((v, i) => {
      const a = v.dataSync(), b = theirs[i].dataSync();
      a.forEach((x, j) => {
        worst = Math.max(worst, Math.abs(x - b[j]) / Math.max(0.1, Math.abs(b[j])));
      });
    });
  });
  updater.dispose();
  tf.dispose([...mine, ...theirs]);
  return worst;
}

/**
 * tf.train.momentum, freeing on dispose the scalar tfjs 4.22's MomentumOptimizer.dispose()
 * leaves behind (it does not call SGDOptimizer.dispose()).
 */
function tfMomentum(lr: number, momentum: number, nesterov = false): tf.Optimizer {
  const opt = tf.train.momentum(lr, momentum, nesterov);
  const dispose = opt.dispose.bind(opt);
  opt.dispose = () => {
    dispose();
    (opt as unknown as { c: tf.Tensor }).c.dispose();
  };
  return opt;
}

Deno.test("tfjs 4.22's MomentumOptimizer.dispose() leaves one tensor; tfjsOptimizer()'s does not", () => {
  const before = tf.memory().numTensors;
  tf.train.momentum(0.1, 0.9).dispose();
  assert.equal(tf.memory().numTensors, before + 1, "tfjs fixed the leak: drop the workaround");
  const leaked = tf.memory().numTensors;
  tfjsOptimizer("momentum").dispose();
  assert.equal(tf.memory().numTensors, leaked);
});

Deno.test("every named optimizer steps exactly like the tfjs optimizer with the same settings", async (t) => {
  const cases: [string, OptimizerSpec, () => tf.Optimizer, number][] = [
    ["sgd", "sgd", () => tf.train.sgd(0.05), 0.05],
    ["momentum, tfjs defaults", "momentum", () => tfMomentum(0.05, 0.9), 0.05],
    ["momentum 0.5", { name: "momentum", momentum: 0.5 }, () => tfMomentum(0.05, 0.5), 0.05],
    [
      "Nesterov momentum 0.8",
      { name: "momentum", momentum: 0.8, nesterov: true },
      () => tfMomentum(0.05, 0.8, true),
      0.05,
    ],
    ["rmsprop, tfjs defaults", "rmsprop", () => tf.train.rmsprop(0.01), 0.01],
    [
      "rmsprop ρ 0.99, ε 1e-4",
      { name: "rmsprop", rho: 0.99, epsilon: 1e-4 },
      () => tf.train.rmsprop(0.01, 0.99, 0, 1e-4),
      0.01,
    ],
    [
      "rmsprop with momentum 0.7",
      { name: "rmsprop", momentum: 0.7 },
      () => tf.train.rmsprop(0.01, 0.9, 0.7),
      0.01,
    ],
    ["adam, tfjs defaults", "adam", () => tf.train.adam(0.01), 0.01],
    [
      "adam β₁ 0.8, β₂ 0.99, ε 1e-8",
      { name: "adam", beta1: 0.8, beta2: 0.99, epsilon: 1e-8 },
      () => tf.train.adam(0.01, 0.8, 0.99, 1e-8),
      0.01,
    ],
    [
      "adam β₁ 0 (RMSProp with bias correction)",
      { name: "adam", beta1: 0, beta2: 0.9 },
      () => tf.train.adam(0.01, 0, 0.9),
      0.01,
    ],
  ];
  for (const [name, spec, make, lr] of cases) {
    await t.step(name, () => {
      const before = tf.memory().numTensors;
      const opt = make();
      const worst = stepForStep(spec, opt, Array(12).fill(lr));
      opt.dispose();
      assert.ok(worst < 2e-5, `largest relative difference ${worst}`);
      assert.equal(tf.memory().numTensors, before);
    });
  }
});

Deno.test("optimizerSettings() fills in the defaults of the tfjs optimizers", () => {
  // the tfjs optimizers' own configurations are the independent record of their defaults
  const adam = tf.train.adam(0.001).getConfig();
  assert.deepEqual(optimizerSettings("adam"), {
    name: "adam",
    beta1: adam.beta1,
    beta2: adam.beta2,
    epsilon: adam.epsilon,
  });
  const rms = tf.train.rmsprop(0.001).getConfig();
  assert.deepEqual(optimizerSettings("rmsprop"), {
    name: "rmsprop",
    rho: rms.decay,
    epsilon: rms.epsilon,
    momentum: rms.momentum,
  });
  assert.equal(rms.centered, false);
  assert.deepEqual(optimizerSettings("momentum"), {
    name: "momentum",
    momentum: 0.9,
    nesterov: false,
  });
  assert.deepEqual(optimizerSettings({ name: "sgd" }), { name: "sgd" });
  assert.deepEqual(optimizerSettings({ name: "adam", beta2: 0.99 }), {
    name: "adam",
    beta1: 0.9,
    beta2: 0.99,
    epsilon: 1e-7,
  });
  // the Keras default learning rates
  assert.deepEqual(DEFAULT_LEARNING_RATE, {
    sgd: 0.01,
    momentum: 0.01,
    rmsprop: 0.001,
    adam: 0.001,
  });
});

Deno.test("tfjsOptimizer() builds the tfjs optimizer with the same rule and settings", () => {
  const adam = tfjsOptimizer({ name: "adam", beta1: 0.8, epsilon: 1e-8 }, 0.02);
  assert.ok(adam instanceof tf.AdamOptimizer);
  assert.deepEqual(adam.getConfig(), {
    learningRate: 0.02,
    beta1: 0.8,
    beta2: 0.999,
    epsilon: 1e-8,
  });
  const rms = tfjsOptimizer({ name: "rmsprop", momentum: 0.5 });
  assert.ok(rms instanceof tf.RMSPropOptimizer);
  assert.deepEqual(rms.getConfig(), {
    learningRate: 0.001,
    decay: 0.9,
    momentum: 0.5,
    epsilon: 1e-7,
    centered: false,
  });
  const nesterov = tfjsOptimizer({ name: "momentum", nesterov: true }, 0.1);
  assert.ok(nesterov instanceof tf.MomentumOptimizer);
  assert.deepEqual(nesterov.getConfig(), { learningRate: 0.1, momentum: 0.9, useNesterov: true });
  const sgd = tfjsOptimizer("sgd");
  assert.equal(sgd.getClassName(), "SGD");
  assert.deepEqual(sgd.getConfig(), { learningRate: 0.01 });
  for (const opt of [adam, rms, nesterov, sgd]) opt.dispose();
});

Deno.test("fit() with optimizer settings trains like fit() with the matching tfjs optimizer", async (t) => {
  const specs: [OptimizerSpec, number][] = [
    [{ name: "adam", beta1: 0.85, beta2: 0.99, epsilon: 1e-8 }, 0.01],
    [{ name: "rmsprop", rho: 0.95, momentum: 0.3, epsilon: 1e-6 }, 0.005],
    [{ name: "momentum", momentum: 0.6, nesterov: true }, 0.1],
  ];
  for (const [spec, learningRate] of specs) {
    await t.step(JSON.stringify(spec), async () => {
      const before = tf.memory().numTensors;
      const base: FitOptions = { epochs: 2, batchSize: 16, seed: 3, progress: false };
      const a = mlp(2, { hidden: [6], seed: 2 }), b = mlp(2, { hidden: [6], seed: 2 });
      await fit(a, moons, { ...base, optimizer: spec, learningRate });
      const opt = tfjsOptimizer(spec, learningRate);
      await fit(b, moons, { ...base, optimizer: opt });
      opt.dispose();
      const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
      const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
      wa.forEach((row, i) =>
        row.forEach((v, j) => {
          const rel = Math.abs(v - wb[i][j]) / Math.max(1e-3, Math.abs(wb[i][j]));
          assert.ok(rel < 1e-4, `weight ${i}[${j}]: ${v} vs ${wb[i][j]}`);
        })
      );
      a.dispose();
      b.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }
});

Deno.test("bad optimizer settings are rejected with the setting, the value and what is allowed", async () => {
  const cases: [unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [
      { name: "adam", beta1: 1 },
      /^optimizer\.beta1 must be a number in \[0, 1\), got 1$/,
      RangeError,
    ],
    [
      { name: "adam", beta1: -0.1 },
      /^optimizer\.beta1 must be a number in \[0, 1\), got -0.1$/,
      RangeError,
    ],
    [
      { name: "adam", beta2: 1.5 },
      /^optimizer\.beta2 must be a number in \[0, 1\), got 1.5$/,
      RangeError,
    ],
    [
      { name: "adam", beta2: NaN },
      /^optimizer\.beta2 must be a number in \[0, 1\), got NaN$/,
      RangeError,
    ],
    [
      { name: "adam", epsilon: 0 },
      /^optimizer\.epsilon must be a positive number, got 0$/,
      RangeError,
    ],
    [
      { name: "rmsprop", epsilon: -1e-8 },
      /^optimizer\.epsilon must be a positive number, got -1e-8$/,
      RangeError,
    ],
    [
      { name: "rmsprop", rho: 1 },
      /^optimizer\.rho must be a number in \[0, 1\), got 1$/,
      RangeError,
    ],
    [
      { name: "rmsprop", momentum: 1 },
      /^optimizer\.momentum must be a number in \[0, 1\), got 1$/,
      RangeError,
    ],
    [
      { name: "momentum", momentum: 1.2 },
      /^optimizer\.momentum must be a number in \[0, 1\), got 1.2$/,
      RangeError,
    ],
    [
      { name: "momentum", momentum: "0.9" },
      /^optimizer\.momentum must be a number in \[0, 1\), got "0.9"$/,
      TypeError,
    ],
    [
      { name: "momentum", nesterov: 1 },
      /^optimizer\.nesterov must be true or false, got 1$/,
      TypeError,
    ],
    [
      { name: "adam", momentum: 0.9 },
      /^optimizer has no setting "momentum"; the settings are name, beta1, beta2, epsilon$/,
      TypeError,
    ],
    [
      { name: "sgd", epsilon: 1e-7 },
      /^optimizer has no setting "epsilon"; the settings are name$/,
      TypeError,
    ],
    [
      { name: "rmsprop", centered: true },
      /has no setting "centered"; the settings are name, rho, epsilon, momentum$/,
      TypeError,
    ],
    [
      { name: "adamw" },
      /^optimizer\.name must be one of "sgd", "momentum", "rmsprop", "adam", got "adamw"$/,
      RangeError,
    ],
    [
      { beta1: 0.9 },
      /^optimizer\.name must be one of "sgd", "momentum", "rmsprop", "adam", got undefined$/,
      RangeError,
    ],
    [
      "nadam",
      /^optimizer must be one of "sgd", "momentum", "rmsprop", "adam", got "nadam"$/,
      RangeError,
    ],
    [
      5,
      /^optimizer must be a name such as "adam" or a settings object such as \{ name: "adam", beta2: 0.99 \}, got 5$/,
      TypeError,
    ],
  ];
  for (const [spec, message, kind] of cases) {
    assert.throws(
      () => optimizerSettings(spec as OptimizerSpec),
      (e: Error) => e instanceof kind && message.test(e.message),
      `${JSON.stringify(spec)} → ${message}`,
    );
  }
  // fit() reports the same errors before it trains, and leaves no tensors behind
  const model = mlp(2, { hidden: [3], seed: 1 });
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => fit(model, moons, { optimizer: { name: "adam", beta2: 1 }, progress: false }),
    /^RangeError: optimizer\.beta2 must be a number in \[0, 1\), got 1$/,
  );
  await assert.rejects(
    () => fit(model, moons, { optimizer: 7 as unknown as "adam", progress: false }),
    /optimizer must be a name such as "adam", a settings object such as \{ name: "adam", beta2: 0.99 \} or a tf.Optimizer, got 7/,
  );
  assert.throws(() => tfjsOptimizer("adam", 0), /learningRate must be a positive number, got 0/);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

/** The weights of a model as arrays of numbers. */
function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** The largest difference between two weight lists, relative to max(|w|, 0.1). */
function maxDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(0.1, Math.abs(b[i][j])));
    })
  );
  return worst;
}

/**
 * Trains a model with weight decay λ and one with the Keras-convention L2 penalty
 * l2(λ/2)·Σw² on every kernel (output layer included), from the same weights.
 */
async function decayAndPenalty(optimizer: OptimizerSpec, lambda: number, learningRate: number) {
  const base: FitOptions = { epochs: 4, batchSize: 20, seed: 4, progress: false, learningRate };
  const decayed = mlp(2, { hidden: [8, 8], seed: 9 });
  const penalized = mlp(2, {
    hidden: [8, 8],
    kernelRegularizer: tf.regularizers.l2({ l2: lambda / 2 }),
    regularizeOutput: true,
    seed: 9,
  });
  await fit(decayed, moons, { ...base, optimizer, weightDecay: lambda });
  await fit(penalized, moons, { ...base, optimizer });
  const out = { decayed: weightsOf(decayed), penalized: weightsOf(penalized) };
  decayed.dispose();
  penalized.dispose();
  return out;
}

Deno.test("with SGD, weightDecay λ trains exactly like an L2 penalty (λ/2)·Σw² on the kernels", async () => {
  // L2 penalty l2·Σw² has gradient 2·l2·w: w ← w − α(g + 2·l2·w) = w(1 − 2α·l2) − αg,
  // and decoupled decay gives w ← w(1 − αλ) − αg: the same update when l2 = λ/2.
  const before = tf.memory().numTensors;
  const { decayed, penalized } = await decayAndPenalty("sgd", 0.1, 0.5);
  assert.ok(maxDiff(decayed, penalized) < 1e-5, `differ by ${maxDiff(decayed, penalized)}`);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("with Adam, weightDecay and the matching L2 penalty train to different weights", async () => {
  // Adam divides the penalty's gradient by √v̂ like any other gradient; the decay is not.
  const { decayed, penalized } = await decayAndPenalty("adam", 0.1, 0.01);
  assert.ok(maxDiff(decayed, penalized) > 1e-2, `differ by only ${maxDiff(decayed, penalized)}`);
  const sgd = await decayAndPenalty("sgd", 0.1, 0.01);
  assert.ok(maxDiff(decayed, penalized) > 100 * maxDiff(sgd.decayed, sgd.penalized));
});

Deno.test("weightDecay with Adam is AdamW: tfjs's Adam step, then w ← w − α·λ·w_before", async () => {
  const lambda = 0.3, lr = 0.02;
  const tensors = tf.memory().numTensors;
  const model = mlp(2, { hidden: [5], seed: 3 }), twin = mlp(2, { hidden: [5], seed: 3 });
  // one full-batch update per epoch
  await fit(model, moons, { epochs: 3, learningRate: lr, weightDecay: lambda, progress: false });
  const adam = tfjsOptimizer("adam", lr);
  let before: tf.Tensor[] = [];
  const decay: Callback = {
    onBatchBegin: (_, ctx) => void (before = ctx.model.getWeights().map((w) => w.clone())),
    onBatchEnd: (_, ctx) => {
      // kernels are weights 0 and 2 of a one-hidden-layer mlp; biases do not decay
      const decayed = tf.tidy(() =>
        ctx.model.getWeights().map((w, i) =>
          i % 2 === 0 ? tf.sub(w, tf.mul(before[i], lr * lambda)) : w.clone()
        )
      );
      ctx.model.setWeights(decayed);
      tf.dispose([...decayed, ...before]);
    },
  };
  await fit(twin, moons, { epochs: 3, optimizer: adam, callbacks: [decay], progress: false });
  adam.dispose();
  assert.ok(maxDiff(weightsOf(model), weightsOf(twin)) < 1e-4);
  model.dispose();
  twin.dispose();
  assert.equal(tf.memory().numTensors, tensors);
});

Deno.test("weightDecay shrinks kernels by (1 − αλ) per update and leaves biases and β, γ alone", () => {
  const lambda = 0.2, lr = 0.1;
  const model = mlp(2, { hidden: [4], batchNorm: true, seed: 5 });
  // non-zero biases and batch-norm parameters, so a decay on them would show
  model.setWeights(model.getWeights().map((w) => tf.tidy(() => tf.add(w, 0.5))));
  const params = model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable }));
  const isKernel = model.trainableWeights.map((w) => w.originalName.endsWith("/kernel"));
  assert.deepEqual(isKernel.filter(Boolean).length, 2);
  const before = params.map((p) => Array.from(p.variable.dataSync()));
  // a schedule: the decay follows the rate of each update
  const schedule = (step: number) => lr / (1 + step);
  const updater = makeUpdater(params, "sgd", schedule, false, {
    weightDecay: lambda,
    decayed: isKernel,
  });
  for (let t = 0; t < 3; t++) tf.tidy(() => updater.step(params.map(() => undefined)));
  const shrink = [0, 1, 2].reduce((s, t) => s * (1 - schedule(t) * lambda), 1);
  params.forEach((p, i) => {
    Array.from(p.variable.dataSync()).forEach((w, j) => {
      const expected = isKernel[i] ? before[i][j] * shrink : before[i][j];
      assert.ok(Math.abs(w - expected) < 1e-6, `${model.trainableWeights[i].originalName}[${j}]`);
    });
  });
  model.dispose();
});

Deno.test("weightDecay must be a finite number >= 0, with a named optimizer", async () => {
  const model = mlp(2, { hidden: [3], seed: 1 });
  const before = tf.memory().numTensors;
  const opt = tf.train.sgd(0.1);
  const cases: [FitOptions, RegExp][] = [
    [{ weightDecay: -0.1 }, /^RangeError: weightDecay must be a finite number >= 0, got -0.1$/],
    [{ weightDecay: NaN }, /^RangeError: weightDecay must be a finite number >= 0, got NaN$/],
    [
      { weightDecay: "0.1" as unknown as number },
      /^TypeError: weightDecay must be a finite number >= 0, got "0.1"$/,
    ],
    [
      { weightDecay: 0.01, optimizer: opt },
      /^TypeError: weightDecay applies to a named optimizer; a tf.Optimizer has no decoupled weight decay$/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(() => fit(model, moons, { ...options, progress: false }), message);
  }
  // weightDecay 0 with a tfjs optimizer is no decay at all: accepted
  await fit(model, moons, { weightDecay: 0, optimizer: opt, progress: false });
  opt.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
