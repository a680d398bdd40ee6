import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { countParams, mlp, type MlpOptions } from "../lib/model.ts";

await initBackend("wasm");

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

Deno.test("mlp() builds the hidden and output layers it is asked for", () => {
  const model = mlp(3, {
    hidden: [8, 5],
    activation: ["tanh", "relu"],
    outputUnits: 4,
    outputActivation: "softmax",
    seed: 1,
  });
  const dense = model.layers.filter((l) => l.getClassName() === "Dense");
  assert.deepEqual(dense.map((l) => (l.getConfig() as { units: number }).units), [8, 5, 4]);
  assert.deepEqual(
    dense.map((l) => (l.getConfig() as { activation: string }).activation),
    ["tanh", "relu", "softmax"],
  );
  assert.deepEqual(model.inputs[0].shape, [null, 3]);
  assert.deepEqual(model.outputs[0].shape, [null, 4]);
  model.dispose();
});

Deno.test("mlp() gives the same weights for the same seed and different ones otherwise", () => {
  const opts = { hidden: [16, 8], seed: 42 };
  const a = mlp(2, opts), b = mlp(2, opts), c = mlp(2, { ...opts, seed: 43 });
  assert.deepEqual(weightsOf(a), weightsOf(b));
  assert.notDeepEqual(weightsOf(a)[0], weightsOf(c)[0]);
  // every layer gets its own seed: two same-shaped kernels differ
  const twin = mlp(4, { hidden: [4, 4], seed: 7 });
  assert.notDeepEqual(weightsOf(twin)[0], weightsOf(twin)[2]);
  [a, b, c, twin].forEach((m) => m.dispose());
});

Deno.test("countParams() matches in·out + out per Dense layer and tfjs's own count", () => {
  const sizes = [2, 128, 128, 1];
  const model = mlp(2, { hidden: [128, 128], seed: 1 });
  const counts = countParams(model);
  const expected = sizes.slice(1).map((out, i) => sizes[i] * out + out);
  assert.deepEqual(counts.perLayer.map((l) => l.total), expected);
  assert.deepEqual(counts.perLayer.map((l) => l.biases), sizes.slice(1));
  assert.equal(counts.total, expected.reduce((a, b) => a + b, 0));
  assert.equal(counts.total, model.countParams());
  assert.equal(counts.nonTrainable, 0);
  model.dispose();
});

Deno.test("countParams() counts batch norm's γ, β and its running statistics", () => {
  const model = mlp(3, { hidden: [6], batchNorm: true, seed: 1 });
  const counts = countParams(model);
  const dense = counts.perLayer.find((l) => l.name === "hidden1")!;
  const bn = counts.perLayer.find((l) => l.className === "BatchNormalization")!;
  assert.deepEqual([dense.weights, dense.biases], [3 * 6, 0]); // β replaces the bias
  assert.deepEqual([bn.weights, bn.biases, bn.nonTrainable], [6, 6, 12]);
  assert.equal(counts.total, model.countParams());
  assert.equal(counts.trainable, 3 * 6 + 6 + 6 + (6 * 1 + 1));
  model.dispose();
});

Deno.test("mlp() puts the regularizer on hidden kernels only, never on biases", () => {
  const reg = tf.regularizers.l2({ l2: 0.01 });
  const configs = (m: tf.LayersModel) =>
    m.layers.filter((l) => l.getClassName() === "Dense").map((l) =>
      l.getConfig() as { kernelRegularizer: unknown; biasRegularizer: unknown }
    );
  const model = mlp(2, { hidden: [4, 4], kernelRegularizer: reg, seed: 1 });
  const cfg = configs(model);
  assert.deepEqual(cfg.map((c) => c.kernelRegularizer != null), [true, true, false]);
  assert.ok(cfg.every((c) => c.biasRegularizer == null));
  const withOutput = mlp(2, {
    hidden: [4],
    kernelRegularizer: reg,
    regularizeOutput: true,
    seed: 1,
  });
  assert.deepEqual(configs(withOutput).map((c) => c.kernelRegularizer != null), [true, true]);
  // the penalty tfjs computes is l2·Σw² over the hidden kernels alone
  const penalty = model.layers.flatMap((l) => l.calculateLosses()).reduce(
    (s, t) => s + t.dataSync()[0],
    0,
  );
  const byHand = [0, 2].reduce(
    (s, i) => s + 0.01 * weightsOf(model)[i].reduce((a, w) => a + w * w, 0),
    0,
  );
  assert.ok(Math.abs(penalty - byHand) < 1e-6 * byHand);
  model.dispose();
  withOutput.dispose();
});

Deno.test("mlp() adds dropout, batch norm and leaky ReLU layers in order", () => {
  const model = mlp(2, {
    hidden: [4, 3],
    activation: "leakyRelu",
    leakyReluAlpha: 0.1,
    dropout: [0.2, 0],
    batchNorm: true,
    seed: 1,
  });
  assert.deepEqual(model.layers.map((l) => l.getClassName()), [
    "Dense",
    "BatchNormalization",
    "LeakyReLU",
    "Dropout",
    "Dense",
    "BatchNormalization",
    "LeakyReLU",
    "Dense",
  ]);
  assert.equal((model.layers[2].getConfig() as { alpha: number }).alpha, 0.1);
  assert.equal((model.layers[3].getConfig() as { rate: number }).rate, 0.2);
  model.dispose();
});

Deno.test("mlp() draws initializer settings per layer with the given spread", () => {
  const model = mlp(50, {
    hidden: [200],
    kernelInitializer: { name: "randomNormal", stddev: 0.01 },
    seed: 3,
  });
  const w = weightsOf(model)[0];
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1));
  assert.ok(Math.abs(sd - 0.01) < 0.0005, `sample sd ${sd}`);
  const zeros = mlp(3, { hidden: [5], kernelInitializer: "zeros", seed: 3 });
  assert.ok(weightsOf(zeros).every((t) => t.every((v) => v === 0)));
  model.dispose();
  zeros.dispose();
});

Deno.test("mlp() rejects bad arguments with a clear message", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => mlp(0), /inputDim must be a positive integer, got 0/],
    [() => mlp(2, { hidden: [4, 0] }), /hidden\[1\] must be a positive integer, got 0/],
    [() => mlp(2, { activation: "relux" as "relu" }), /activation must be one of .*got "relux"/],
    [
      () => mlp(2, { hidden: [3, 3], activation: ["relu", "relux" as "relu"] }),
      /activation\[1\] must be one of/,
    ],
    [
      () => mlp(2, { hidden: [3], dropout: 1.2 }),
      /dropout \(the probability of dropping a unit\) must be a number in \[0, 1\), got 1.2/,
    ],
    [() => mlp(2, { hidden: [3, 3], activation: ["relu"] }), /one entry per hidden layer \(2\)/],
    [() => mlp(2, { kernelInitializer: "bogus" as "zeros" }), /kernelInitializer must be one of/],
    [
      () => mlp(2, { kernelRegularizer: "l2" as unknown as ReturnType<typeof tf.regularizers.l2> }),
      /kernelRegularizer must be a tfjs regularizer/,
    ],
    [() => mlp(2, { outputUnits: 1.5 }), /outputUnits must be a positive integer, got 1.5/],
    [() => mlp(2, { seed: 0.5 }), /seed must be an integer, got 0.5/],
    [() => mlp(2, { hiden: [3] } as MlpOptions), /options has no setting "hiden"/],
    [
      () => mlp(2, { kernelInitializer: { name: "randomNormal", stdev: 0.1 } as never }),
      /kernelInitializer has no setting "stdev"; the settings are name, mean, stddev/,
    ],
    [() => mlp(2, { leakyReluAlpha: -1 }), /leakyReluAlpha must be a finite number >= 0, got -1/],
    [() => countParams({} as never), /model must be a tfjs LayersModel .*, got \{\}/],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e: Error) =>
      (e instanceof RangeError || e instanceof TypeError) &&
      message.test(e.message), String(message));
  }
});

Deno.test("mlp() and countParams() leave no tensors behind once the model is disposed", () => {
  const before = tf.memory().numTensors;
  const model = mlp(2, { hidden: [8], batchNorm: true, dropout: 0.5, seed: 1 });
  countParams(model);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
