import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeMoons, makeRegression1d } from "../lib/synthetic.ts";
import { mlp } from "../lib/model.ts";
import { fit, type FitOptions, type TensorData } from "../lib/train.ts";
import type { Callback } from "../lib/callbacks.ts";

await initBackend("wasm");

const line = toTensors(makeRegression1d(40, { noise: 0.1, seed: 21 }));
const moons = toTensors(makeMoons(96, { noise: 0.25, seed: 22 }));
const PATHS = ["fast", "generic"] as const;

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** A regression network whose gradients are large enough to clip, with L2 on its hidden kernel. */
function regressor(seed = 1): tf.Sequential {
  return mlp(1, {
    hidden: [6, 5],
    activation: "tanh",
    outputActivation: "linear",
    kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
    kernelInitializer: { name: "randomNormal", stddev: 1.5 },
    seed,
  });
}

/**
 * The gradient of the mean squared error plus the L2 penalty 0.01·Σw² on the hidden kernels,
 * by tfjs autodiff of the loss written out here: one array per weight tensor, model order.
 */
function lossGradient(model: tf.LayersModel, data: TensorData): number[][] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(() => {
    const p = model.apply(data.X) as tf.Tensor;
    const mse = tf.mean(tf.square(tf.sub(p, data.y)));
    const penalty = model.layers.slice(0, -1).map((l) =>
      tf.mul(0.01, tf.sum(tf.square(l.getWeights()[0])))
    );
    return tf.addN([mse, ...penalty]) as tf.Scalar;
  }, vars);
  const out = vars.map((v) => Array.from(grads[v.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

const globalNorm = (g: number[][]) => Math.sqrt(g.flat().reduce((s, v) => s + v * v, 0));

/** One full-batch SGD update with fit; returns the weights before and after. */
async function oneStep(options: FitOptions, lr: number) {
  const model = regressor();
  const before = weightsOf(model);
  const g = lossGradient(model, line);
  await fit(model, line, {
    epochs: 1,
    optimizer: "sgd",
    learningRate: lr,
    shuffle: false,
    progress: false,
    ...options,
  });
  const after = weightsOf(model);
  model.dispose();
  return { before, after, g };
}

function assertNear(actual: number[][], expected: number[][], tol: number, what: string): void {
  actual.forEach((row, i) =>
    row.forEach((v, j) => {
      const e = expected[i][j];
      assert.ok(
        Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)),
        `${what}: weight [${i}][${j}] is ${v}, expected ${e}`,
      );
    })
  );
}

Deno.test("clipValue: one SGD step is w − α·min(max(g, −c), c), on both paths", async () => {
  const lr = 0.1;
  for (const path of PATHS) {
    const { g } = await oneStep({ path }, lr);
    const sizes = g.flat().map(Math.abs).sort((a, b) => a - b);
    // a threshold that cuts the larger half of the elements and leaves the rest alone
    const c = sizes[Math.floor(sizes.length / 2)];
    assert.ok(c > 0 && sizes.at(-1)! > 2 * c, `${path}: the gradient must spread to test clipping`);
    const { before, after } = await oneStep({ path, clipValue: c }, lr);
    const expected = before.map((w, i) =>
      w.map((wj, j) => wj - lr * Math.min(Math.max(g[i][j], -c), c))
    );
    assertNear(after, expected, 1e-5, `${path} path, clipValue ${c}`);
  }
});

Deno.test("clipNorm: one SGD step is w − α·g·c/max(‖g‖, c), ‖g‖ over all weights", async () => {
  const lr = 0.1;
  for (const path of PATHS) {
    const { g } = await oneStep({ path }, lr);
    const norm = globalNorm(g);
    for (const c of [norm / 4, 2 * norm]) {
      const { before, after } = await oneStep({ path, clipNorm: c }, lr);
      const scale = c / Math.max(norm, c);
      const expected = before.map((w, i) => w.map((wj, j) => wj - lr * g[i][j] * scale));
      assertNear(after, expected, 1e-5, `${path} path, clipNorm ${c}`);
      // the step taken has norm α·min(‖g‖, c)
      const step = Math.sqrt(after.flat().reduce((s, v, k) => s + (v - before.flat()[k]) ** 2, 0));
      assert.ok(
        Math.abs(step - lr * Math.min(norm, c)) < 1e-4 * lr * norm,
        `${path}: step ${step}, expected ${lr * Math.min(norm, c)}`,
      );
    }
  }
});

Deno.test("clipNorm is global, not Keras's per-tensor clipnorm", async () => {
  const lr = 0.1;
  const { g } = await oneStep({}, lr);
  const norms = g.map((gi) => Math.sqrt(gi.reduce((s, v) => s + v * v, 0)));
  // a threshold above the largest tensor's norm but below the global norm
  const c = (Math.max(...norms) + globalNorm(g)) / 2;
  assert.ok(c < globalNorm(g) && norms.every((n) => n < c));
  const { before, after } = await oneStep({ clipNorm: c }, lr);
  const perTensor = before.map((w, i) => w.map((wj, j) => wj - lr * g[i][j])); // nothing cut
  const diff = Math.max(...after.flat().map((v, k) => Math.abs(v - perTensor.flat()[k])));
  assert.ok(diff > 1e-4, "the global rule shrinks a gradient whose tensors are each below c");
});

Deno.test("with clipping, a tf.Optimizer gets the clipped gradient (on the backend)", async () => {
  const lr = 0.1;
  const { g } = await oneStep({}, lr);
  const norm = globalNorm(g), c = norm / 3;
  for (const path of PATHS) {
    const model = regressor();
    const before = weightsOf(model);
    const optimizer = tf.train.sgd(lr);
    await fit(model, line, {
      epochs: 1,
      optimizer,
      shuffle: false,
      progress: false,
      path,
      clipNorm: c,
    });
    const expected = before.map((w, i) => w.map((wj, j) => wj - lr * g[i][j] * (c / norm)));
    assertNear(weightsOf(model), expected, 1e-5, `tf.train.sgd, ${path} path, clipNorm`);
    model.dispose();
    optimizer.dispose();
  }
  const v = Math.max(...g.flat().map(Math.abs)) / 3;
  const model = regressor();
  const before = weightsOf(model);
  const optimizer = tf.train.sgd(lr);
  await fit(model, line, { epochs: 1, optimizer, shuffle: false, progress: false, clipValue: v });
  const expected = before.map((w, i) =>
    w.map((wj, j) => wj - lr * Math.min(Math.max(g[i][j], -v), v))
  );
  assertNear(weightsOf(model), expected, 1e-5, "tf.train.sgd, clipValue");
  model.dispose();
  optimizer.dispose();
});

Deno.test("clipValue then clipNorm: the value clip comes first", async () => {
  const lr = 0.05;
  const { g } = await oneStep({}, lr);
  const v = Math.max(...g.flat().map(Math.abs)) / 4;
  const clipped = g.map((gi) => gi.map((x) => Math.min(Math.max(x, -v), v)));
  const c = globalNorm(clipped) / 2;
  const { before, after } = await oneStep({ clipValue: v, clipNorm: c }, lr);
  const expected = before.map((w, i) =>
    w.map((wj, j) => wj - lr * clipped[i][j] * (c / globalNorm(clipped)))
  );
  assertNear(after, expected, 1e-5, "clipValue and clipNorm");
});

/** Records ‖Δθ‖ of every update. */
function stepNorms(into: number[]): Callback {
  let last: Float32Array | undefined;
  const flat = (m: tf.LayersModel) =>
    Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.dataSync())));
  return {
    onBatchBegin: (_info, ctx) => void (last = flat(ctx.model)),
    onBatchEnd: (_info, ctx) => {
      const now = flat(ctx.model);
      into.push(Math.sqrt(now.reduce((s, v, k) => s + (v - last![k]) ** 2, 0)));
    },
  };
}

Deno.test("with clipNorm c, every SGD update has norm at most α·c, on both paths", async () => {
  const lr = 0.5, c = 0.2;
  for (const path of PATHS) {
    const model = mlp(2, { hidden: [16, 16], seed: 3 });
    const unclipped: number[] = [], clipped: number[] = [];
    await fit(model, moons, {
      epochs: 3,
      batchSize: 16,
      optimizer: "sgd",
      learningRate: lr,
      path,
      seed: 1,
      progress: false,
      callbacks: [stepNorms(unclipped)],
    });
    model.dispose();
    const model2 = mlp(2, { hidden: [16, 16], seed: 3 });
    await fit(model2, moons, {
      epochs: 3,
      batchSize: 16,
      optimizer: "sgd",
      learningRate: lr,
      path,
      seed: 1,
      progress: false,
      clipNorm: c,
      callbacks: [stepNorms(clipped)],
    });
    model2.dispose();
    assert.ok(Math.max(...unclipped) > 2 * lr * c, `${path}: some unclipped step exceeds α·c`);
    assert.equal(clipped.length, 18);
    for (const s of clipped) assert.ok(s <= lr * c * (1 + 1e-5), `${path}: step ${s} > α·c`);
  }
});

Deno.test("thresholds no gradient reaches change nothing, bit for bit", async () => {
  const optimizers = ["sgd", "momentum", "rmsprop", "adam"] as const;
  for (const path of PATHS) {
    for (const optimizer of optimizers) {
      const run = async (clip: FitOptions) => {
        const model = mlp(2, {
          hidden: [8, 8],
          kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 1e-3 }),
          seed: 5,
        });
        const history = await fit(model, moons, {
          epochs: 2,
          batchSize: 32,
          optimizer,
          weightDecay: 1e-3,
          path,
          seed: 2,
          progress: false,
          ...clip,
        });
        const w = weightsOf(model);
        model.dispose();
        return { w, losses: history.epochs.map((e) => e.loss) };
      };
      const plain = await run({});
      const huge = await run({ clipValue: 1e30, clipNorm: 1e30 });
      assert.deepEqual(huge, plain, `${optimizer} on the ${path} path`);
    }
  }
});

Deno.test("clipping thresholds must be positive finite numbers", async () => {
  const model = mlp(2, { hidden: [4], seed: 1 });
  for (const name of ["clipValue", "clipNorm"]) {
    for (const bad of [0, -1, NaN, Infinity]) {
      await assert.rejects(
        () => fit(model, moons, { [name]: bad, progress: false }),
        (e: Error) =>
          e instanceof RangeError && e.message.startsWith(`${name} must be a positive finite`) &&
          e.message.includes(String(bad)),
        `${name} ${bad}`,
      );
    }
    for (const bad of ["1", null, [1], { c: 1 }]) {
      await assert.rejects(
        () => fit(model, moons, { [name]: bad, progress: false }),
        (e: Error) => e instanceof TypeError && e.message.startsWith(`${name} must be`),
        `${name} ${JSON.stringify(bad)}`,
      );
    }
  }
  for (const misspelt of ["clipnorm", "clipvalue", "clip_norm", "globalClipnorm", "clipNorms"]) {
    await assert.rejects(
      () => fit(model, moons, { [misspelt]: 1, progress: false } as FitOptions),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(misspelt) &&
        e.message.includes("clipNorm") && e.message.includes("clipValue"),
      misspelt,
    );
  }
  model.dispose();
});

Deno.test("clipped training leaves no tensors behind", async () => {
  const before = tf.memory().numTensors;
  for (const path of PATHS) {
    for (const optimizer of ["adam", "tfjs"] as const) {
      const model = mlp(2, { hidden: [8], seed: 1 });
      const opt = optimizer === "tfjs" ? tf.train.adam(0.01) : optimizer;
      await fit(model, moons, {
        epochs: 2,
        batchSize: 32,
        optimizer: opt,
        path,
        clipValue: 0.1,
        clipNorm: 0.5,
        progress: false,
      });
      model.dispose();
      if (typeof opt !== "string") opt.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fixtures disposed", () => {
  tf.dispose([line.X, line.y, moons.X, moons.y]);
});
