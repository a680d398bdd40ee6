import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { mlp } from "../lib/model.ts";
import { l2Penalty, l2Regularizer } from "../lib/penalties.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { evaluate } from "../lib/predict.ts";
import { layerStats, layerWeights, modelPenalty, sparsity, weightSummary } from "../lib/weights.ts";
import { assertClose } from "./_assert_close.ts";

await initBackend("wasm");

Deno.test("a model's regularizer penalizes hidden kernels only", async (t) => {
  const data = toTensors(makeMoons(40, { noise: 0.2, seed: 5 }));
  const lambda = 3, n = 40;
  const build = (regularizeOutput: boolean) =>
    mlp(2, {
      hidden: [5, 4],
      kernelRegularizer: l2Regularizer(lambda, { convention: "course", n }),
      regularizeOutput,
      seed: 5,
    });
  await t.step("evaluate()'s penalty is the course penalty of the hidden kernels", () => {
    const model = build(false);
    const layers = layerWeights(model);
    const hidden = layers.slice(0, -1).map((l) => l.kernel);
    const expected = l2Penalty(hidden, lambda, { convention: "course", n }).value;
    assertClose(evaluate(model, data).penalty, expected, 1e-5, "penalty");
    assertClose(modelPenalty(model).value, expected, 1e-5, "modelPenalty");
    assert.deepEqual(layers.map((l) => l.regularized), [true, true, false]);
    model.dispose();
  });
  await t.step("its gradient is zero for every bias and the output kernel", () => {
    const before = tf.memory().numTensors;
    const model = build(false);
    const { targets } = modelPenalty(model);
    assert.deepEqual(
      targets.map((x) => [x.weight, x.role, x.maxAbsGradient > 0]),
      [
        ["hidden1/kernel", "kernel", true],
        ["hidden1/bias", "bias", false],
        ["hidden2/kernel", "kernel", true],
        ["hidden2/bias", "bias", false],
        ["output/kernel", "kernel", false],
        ["output/bias", "bias", false],
      ],
    );
    // the hidden kernels' gradient is (λ/n)·w: its largest entry is (λ/n)·max|w|
    const k1 = layerWeights(model)[0].kernel;
    assertClose(
      targets[0].maxAbsGradient,
      (lambda / n) * weightSummary(k1).maxAbs,
      1e-5,
      "gradient",
    );
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  });
  await t.step("moving the biases leaves the penalty unchanged; moving a kernel does not", () => {
    const model = build(false);
    const p0 = evaluate(model, data).penalty;
    for (const layer of model.layers) {
      const [k, b] = layer.getWeights();
      const shifted = tf.add(b, 5);
      layer.setWeights([k, shifted]);
      shifted.dispose();
    }
    assert.equal(evaluate(model, data).penalty, p0);
    const [k, b] = model.layers[0].getWeights();
    const bigger = tf.mul(k, 2);
    model.layers[0].setWeights([bigger, b]);
    bigger.dispose();
    assert.ok(evaluate(model, data).penalty > p0);
    model.dispose();
  });
  await t.step("regularizeOutput adds the output kernel, still no bias", () => {
    const model = build(true);
    const all = layerWeights(model).map((l) => l.kernel);
    const expected = l2Penalty(all, lambda, { convention: "course", n }).value;
    assertClose(evaluate(model, data).penalty, expected, 1e-5, "penalty");
    const { targets } = modelPenalty(model);
    assert.ok(targets.filter((x) => x.role === "kernel").every((x) => x.maxAbsGradient > 0));
    assert.ok(targets.filter((x) => x.role === "bias").every((x) => x.maxAbsGradient === 0));
    model.dispose();
  });
  await t.step("a model without a regularizer has no penalty", () => {
    const model = mlp(2, { hidden: [3], seed: 1 });
    const { value, targets } = modelPenalty(model);
    assert.equal(value, 0);
    assert.ok(targets.every((x) => x.maxAbsGradient === 0));
    model.dispose();
  });
  tf.dispose([data.X, data.y]);
});

Deno.test("sparsity and weight summaries on known weights", async (t) => {
  await t.step("weightSummary() counts, extremes, norms and near-zero share", () => {
    const w = [[3, -4, 0.0005], [0, -0.002, 1]];
    const s = weightSummary(w);
    assert.equal(s.count, 6);
    assert.equal(s.min, -4);
    assert.equal(s.max, 3);
    assert.equal(s.range, 7);
    assert.equal(s.maxAbs, 4);
    assertClose(s.l1Norm, 3 + 4 + 0.0005 + 0.002 + 1, 1e-12, "L1 norm");
    assertClose(s.l2Norm, Math.sqrt(9 + 16 + 0.0005 ** 2 + 0.002 ** 2 + 1), 1e-12, "L2 norm");
    assert.equal(s.sparsity, 2 / 6);
    assert.equal(sparsity(w, { threshold: 0.01 }), 3 / 6);
    assert.equal(sparsity(w, { threshold: 10 }), 1);
  });
  await t.step("tensors give what arrays give, without leaks", () => {
    const before = tf.memory().numTensors;
    const w = tf.tensor2d([[0, 0.5], [-0.0001, 2]]);
    assert.equal(sparsity(w), 0.5);
    const z = tf.zeros([2]);
    assert.equal(sparsity([w, z]), 4 / 6);
    tf.dispose([w, z]);
    assert.equal(tf.memory().numTensors, before);
  });
  await t.step("layerWeights() and layerStats() read the model's kernels", () => {
    const model = mlp(3, { hidden: [4], seed: 2 });
    const layers = layerWeights(model);
    assert.deepEqual(layers.map((l) => l.layer), ["hidden1", "output"]);
    assert.deepEqual(layers[0].kernel, model.layers[0].getWeights()[0].arraySync());
    assert.deepEqual(layers[0].bias, [0, 0, 0, 0]);
    const stats = layerStats(model);
    assert.deepEqual(stats[0], {
      layer: "hidden1",
      regularized: false,
      ...weightSummary(layers[0].kernel),
    });
    assert.equal(stats[1].count, 4);
    model.dispose();
  });
});

Deno.test("bad input fails with a message naming parameter, value and rule", async (t) => {
  await t.step("weights must hold at least one finite number", () => {
    assert.throws(() => weightSummary([]), {
      name: "RangeError",
      message: "weights must hold at least one number, got none",
    });
    assert.throws(() => sparsity([[1], [NaN]]), {
      name: "RangeError",
      message: "weights[1][0] must be a finite number, got NaN",
    });
  });
  await t.step("the threshold must be a positive number", () => {
    assert.throws(() => sparsity([1, 2], { threshold: 0 }), {
      name: "RangeError",
      message: "options.threshold must be a positive number, got 0",
    });
  });
  await t.step("models must be tfjs models", () => {
    assert.throws(() => layerWeights({} as tf.LayersModel), {
      name: "TypeError",
      message: "model must be a tfjs LayersModel (for example from mlp()), got {}",
    });
    assert.throws(() => modelPenalty(undefined as unknown as tf.LayersModel), {
      name: "TypeError",
      message: "model must be a tfjs LayersModel (for example from mlp()), got undefined",
    });
  });
});
