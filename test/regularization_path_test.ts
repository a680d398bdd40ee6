import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { mlp } from "../lib/model.ts";
import { logGrid, regularizationPath } from "../lib/regularization_path.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { evaluate } from "../lib/predict.ts";
import { fit } from "../lib/train.ts";
import { layerWeights, sparsity, weightSummary } from "../lib/weights.ts";
import { assertClose } from "./_assert_close.ts";

await initBackend("wasm");

Deno.test("logGrid() spaces values evenly on a log scale", () => {
  assert.deepEqual(logGrid(1e-4, 1), [1e-4, 1e-3, 1e-2, 1e-1, 1]);
  const g = logGrid(0.01, 1, { count: 5 });
  assert.equal(g.length, 5);
  for (let i = 1; i < g.length; i++) {
    assertClose(g[i] / g[i - 1], Math.sqrt(10), 1e-9, `ratio ${i}`);
  }
  assert.equal(g[0], 0.01);
  assert.equal(g[4], 1);
});

Deno.test("regularizationPath() trains one model per λ and collects every weight", async (t) => {
  const data = toTensors(makeMoons(60, { noise: 0.2, seed: 9 }));
  const val = toTensors(makeMoons(40, { noise: 0.2, seed: 10 }));
  const before = tf.memory().numTensors;
  const lambdas = [0, 1e-3, 0.05];
  const path = await regularizationPath(data, {
    lambdas,
    penalty: "l1",
    convention: "keras",
    model: { hidden: [6, 5], seed: 4 },
    fit: { epochs: 150, optimizer: "sgd", learningRate: 0.5, seed: 4 },
    validationData: val,
    inputNames: ["left", "right"],
    // plain subgradient steps leave L1-zeroed weights within about α·λ = 0.025 of zero
    threshold: 0.05,
  });
  await t.step("one run per λ, every penalized kernel weight in the rows", () => {
    assert.deepEqual(path.runs.map((r) => r.lambda), lambdas);
    assert.equal(path.rows.length, lambdas.length * (2 * 6 + 6 * 5));
    assert.ok(path.rows.every((r) => r.layer !== "output"));
    assert.deepEqual(
      [...new Set(path.rows.filter((r) => r.layer === "hidden1").map((r) => r.input))],
      ["left", "right"],
    );
    assert.equal(path.rows[0].weight, "left → hidden1 unit 1");
    for (const run of path.runs) {
      assert.equal(typeof run.trainAcc, "number");
      assert.equal(typeof run.valAcc, "number");
      const mine = path.rows.filter((r) => r.lambda === run.lambda).map((r) => r.value);
      const kernels = run.layers.slice(0, -1).flatMap((l) => l.kernel.flat());
      assert.deepEqual(mine, kernels);
      assert.equal(run.sparsity, sparsity(kernels, { threshold: 0.05 }));
    }
  });
  await t.step("the λ = 0 run is the same model trained by hand", async () => {
    const model = mlp(2, { hidden: [6, 5], seed: 4 });
    await fit(model, data, {
      epochs: 150,
      optimizer: "sgd",
      learningRate: 0.5,
      seed: 4,
      progress: false,
    });
    assert.deepEqual(path.runs[0].layers, layerWeights(model));
    assert.equal(path.runs[0].trainAcc, evaluate(model, data).acc);
    model.dispose();
  });
  await t.step("a stronger L1 penalty zeroes more weights and shrinks the L1 norm", () => {
    const [plain, , strong] = path.runs;
    const norm = (r: typeof plain) =>
      weightSummary(r.layers.slice(0, -1).map((l) => l.kernel)).l1Norm;
    assert.ok(strong.sparsity > plain.sparsity + 0.3, `${strong.sparsity} vs ${plain.sparsity}`);
    assert.ok(norm(strong) < norm(plain));
    assert.deepEqual(strong.keras, { l1: 0.05, l2: 0 });
  });
  await t.step("the course convention converts λ with n = the training rows", async () => {
    const p = await regularizationPath(data, {
      lambdas: [0.6],
      penalty: "elasticNet",
      l1Ratio: 0.25,
      convention: "course",
      model: { hidden: [3], seed: 4 },
      fit: { epochs: 2, seed: 4 },
    });
    assertClose(p.runs[0].keras.l1, 0.25 * 0.6 / 60, 1e-12, "λ₁");
    assertClose(p.runs[0].keras.l2, 0.75 * 0.6 / 120, 1e-12, "λ₂");
  });
  await t.step("a linear model with regularizeOutput names each weight by its input", async () => {
    const p = await regularizationPath(data, {
      lambdas: [0.01],
      penalty: "l2",
      convention: "pytorch",
      model: { hidden: [], regularizeOutput: true, seed: 4 },
      fit: { epochs: 2, seed: 4 },
      inputNames: ["a", "b"],
    });
    assert.deepEqual(p.rows.map((r) => r.weight), ["a", "b"]);
  });
  await t.step("no tensor is left behind", () => {
    assert.equal(tf.memory().numTensors, before);
  });
  tf.dispose([data.X, data.y, val.X, val.y]);
});

Deno.test("bad input fails with a message naming parameter, value and rule", async (t) => {
  await t.step("grids check their ends and count", () => {
    assert.throws(() => logGrid(0, 1), {
      name: "RangeError",
      message: "from must be a positive number, got 0",
    });
    assert.throws(() => logGrid(1, 0.1), {
      name: "RangeError",
      message: "to must be a finite number > from (1), got 0.1",
    });
    assert.throws(() => logGrid(0.1, 1, { count: 1 }), {
      name: "RangeError",
      message: "options.count must be an integer >= 2, got 1",
    });
  });
  await t.step("paths check their settings before training", async () => {
    const data = { X: tf.zeros([4, 2]), y: tf.zeros([4, 1]) };
    const base = { penalty: "l2" as const, convention: "keras" as const };
    await assert.rejects(() => regularizationPath(data, { ...base, lambdas: [] }), {
      name: "RangeError",
      message: "options.lambdas must be a non-empty array of numbers >= 0, got an empty array",
    });
    await assert.rejects(() => regularizationPath(data, { ...base, lambdas: [0.1, -1] }), {
      name: "RangeError",
      message: "options.lambdas[1] must be a finite number >= 0, got -1",
    });
    await assert.rejects(
      () => regularizationPath(data, { ...base, lambdas: [1], penalty: "l3" as "l1" }),
      {
        name: "RangeError",
        message: 'options.penalty must be one of "l1", "l2", "elasticNet", got "l3"',
      },
    );
    await assert.rejects(
      () => regularizationPath(data, { ...base, lambdas: [1], convention: "torch" as "keras" }),
      {
        name: "RangeError",
        message: 'options.convention must be one of "keras", "pytorch", "course", got "torch"',
      },
    );
    await assert.rejects(
      () => regularizationPath(data, { ...base, lambdas: [1], penalty: "elasticNet", l1Ratio: 2 }),
      { name: "RangeError", message: "options.l1Ratio must be a number in [0, 1], got 2" },
    );
    await assert.rejects(
      () =>
        regularizationPath(data, {
          ...base,
          lambdas: [1],
          model: { kernelRegularizer: tf.regularizers.l2() } as never,
        }),
      {
        name: "TypeError",
        message: "options.model must not set kernelRegularizer: the path sets it from each λ",
      },
    );
    await assert.rejects(
      () => regularizationPath(data, { ...base, lambdas: [1], inputNames: ["a"] }),
      {
        name: "RangeError",
        message: 'options.inputNames must name all 2 inputs, got ["a"]',
      },
    );
    await assert.rejects(
      () => regularizationPath(data, { ...base, lambdas: [1], threshold: -1 }),
      { name: "RangeError", message: "options.threshold must be a positive number, got -1" },
    );
    tf.dispose([data.X, data.y]);
  });
});
