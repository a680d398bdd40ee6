import assert from "node:assert/strict";
import { fakeContext } from "./_fake_context.ts";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeBlobs, makeMoons, makeRegression1d } from "../lib/synthetic.ts";
import { mlp, type MlpOptions } from "../lib/model.ts";
import { fit, type FitOptions, type TensorData } from "../lib/train.ts";
import { evaluate, predictGrid, predictProba } from "../lib/predict.ts";
import {
  type Callback,
  type EpochLog,
  formatEpochLog,
  setProgressFactory,
  textProgress,
} from "../lib/callbacks.ts";
import { earlyStopping, type EarlyStoppingOptions } from "../lib/early_stopping.ts";
import { backward, compilePlan, forward, outputGrad, type Plan } from "../lib/_fast_dense.ts";
import { makeUpdater } from "../lib/_optimizers.ts";
import { meanLoss } from "../lib/_losses.ts";

await initBackend("wasm");

const moons = toTensors(makeMoons(96, { noise: 0.25, seed: 11 }));
const moonsVal = toTensors(makeMoons(64, { noise: 0.25, seed: 12 }));
const blobs = toTensors(makeBlobs(90, { centers: 3, std: 2, seed: 13 }));
const line = toTensors(makeRegression1d(60, { noise: 0.1, seed: 14 }));

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function maxRelDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      worst = Math.max(
        worst,
        Math.abs(v - b[i][j]) / Math.max(1e-3, Math.abs(v), Math.abs(b[i][j])),
      );
    })
  );
  return worst;
}

function withoutSeconds(logs: EpochLog[]): Omit<EpochLog, "seconds">[] {
  return logs.map(({ seconds: _, ...rest }) => rest);
}

Deno.test("fit() gives identical weights and history under the same seed", async () => {
  const run = async () => {
    const model = mlp(2, { hidden: [16, 16], dropout: 0.3, seed: 3 });
    const history = await fit(model, moons, {
      epochs: 3,
      batchSize: 16,
      seed: 4,
      validationData: moonsVal,
      progress: false,
    });
    const weights = weightsOf(model);
    model.dispose();
    return { weights, epochs: withoutSeconds(history.epochs) };
  };
  const a = await run(), b = await run();
  assert.deepEqual(a.weights, b.weights);
  assert.deepEqual(a.epochs, b.epochs);
});

Deno.test("fit()'s fast path gives the same result as generic tfjs autodiff", async (t) => {
  const cases: [string, MlpOptions, number, TensorData, FitOptions][] = [
    [
      "sigmoid output, L2 on hidden kernels, adam, mini-batches",
      {
        hidden: [12, 8],
        kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
      },
      2,
      moons,
      { epochs: 2, batchSize: 16, validationData: moonsVal },
    ],
    [
      "softmax output, tanh, L1 + L2, momentum",
      {
        hidden: [10],
        activation: "tanh",
        outputUnits: 3,
        outputActivation: "softmax",
        kernelRegularizer: tf.regularizers.l1l2({ l1: 0.001, l2: 0.001 }),
      },
      2,
      blobs,
      { epochs: 2, batchSize: 32, optimizer: "momentum", learningRate: 0.05 },
    ],
    [
      "batch norm, leaky ReLU, rmsprop",
      {
        hidden: [8, 8],
        activation: "leakyRelu",
        batchNorm: true,
      },
      2,
      moons,
      { epochs: 2, batchSize: 24, optimizer: "rmsprop" },
    ],
    [
      "regression: elu hidden, linear output, MSE, sgd, full batch",
      {
        hidden: [6],
        activation: "elu",
        outputActivation: "linear",
      },
      1,
      line,
      { epochs: 3, optimizer: "sgd", learningRate: 0.05 },
    ],
    [
      "sigmoid output with a tfjs optimizer instance",
      {
        hidden: [5],
        activation: "sigmoid",
        kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }),
      },
      2,
      moons,
      { epochs: 2, batchSize: 32 },
    ],
  ];
  for (const [name, modelOpts, dim, data, fitOpts] of cases) {
    await t.step(name, async () => {
      const runs = [];
      for (const path of ["fast", "generic"] as const) {
        const optimizer = name.includes("instance") ? tf.train.adam(0.01) : fitOpts.optimizer;
        const model = mlp(dim, { seed: 5, ...modelOpts });
        const history = await fit(model, data, {
          seed: 9,
          ...fitOpts,
          optimizer,
          path,
          progress: false,
        });
        runs.push({ history, weights: weightsOf(model) });
        model.dispose();
        if (name.includes("instance")) (optimizer as tf.Optimizer).dispose();
      }
      const [fast, generic] = runs;
      assert.equal(fast.history.path, "fast");
      assert.equal(generic.history.path, "generic");
      assert.ok(maxRelDiff(fast.weights, generic.weights) < 1e-4, "weights differ");
      fast.history.epochs.forEach((e, i) => {
        const g = generic.history.epochs[i];
        assert.ok(
          Math.abs(e.loss - g.loss) < 1e-5 * Math.max(1, g.loss),
          `loss ${e.loss} vs ${g.loss}`,
        );
        assert.equal(e.acc, g.acc);
      });
    });
  }
});

Deno.test("the hand-written backward pass equals autodiff of the forward pass", async (t) => {
  const x = tf.tidy(() => moons.X.slice([0, 0], [20, 2]) as tf.Tensor2D);
  const y2 = tf.tidy(() => moons.y.slice([0, 0], [20, 1]) as tf.Tensor2D);
  const cases: [string, MlpOptions][] = [
    ["dropout + relu + sigmoid", { hidden: [7, 5], dropout: 0.4 }],
    ["batch norm + tanh", { hidden: [6, 4], activation: "tanh", batchNorm: true }],
    ["softmax hidden layer, elu, linear output", {
      hidden: [5, 4],
      activation: ["softmax", "elu"],
      outputActivation: "linear",
    }],
    ["leaky ReLU, sigmoid output", { hidden: [6], activation: "leakyRelu", leakyReluAlpha: 0.2 }],
    ["sigmoid output under MSE (no fused gradient)", { hidden: [5], activation: "tanh" }],
  ];
  for (const [name, opts] of cases) {
    await t.step(name, () => {
      const model = mlp(2, { seed: 21, ...opts });
      const plan = compilePlan(model) as Plan;
      assert.equal(typeof plan, "object");
      const loss = opts.outputActivation === "linear" || name.includes("MSE")
        ? "meanSquaredError"
        : "binaryCrossentropy";
      const vars = plan.params.map((p) => p.variable);
      tf.tidy(() => {
        const seeds = () => 77;
        const auto = tf.variableGrads(
          () => meanLoss(loss, y2, forward(plan, x, true, seeds).output),
          vars,
        ).grads;
        const { output, cache } = forward(plan, x, true, seeds);
        const { grad, fused } = outputGrad(plan, loss, output, y2);
        const hand = backward(plan, cache, grad, fused);
        vars.forEach((v, i) => {
          const diff = tf.max(tf.abs(tf.sub(hand[i]!, auto[v.name]))).dataSync()[0];
          const scale = tf.max(tf.abs(auto[v.name])).dataSync()[0];
          assert.ok(diff <= 1e-5 * Math.max(scale, 1e-2), `${v.name}: ${diff} (scale ${scale})`);
        });
      });
      model.dispose();
    });
  }
  tf.dispose([x, y2]);
});

Deno.test("named optimizers update exactly like the tfjs optimizers", async (t) => {
  const pairs: [string, () => tf.Optimizer, number][] = [
    ["sgd", () => tf.train.sgd(0.05), 0.05],
    ["momentum", () => tf.train.momentum(0.05, 0.9), 0.05],
    ["rmsprop", () => tf.train.rmsprop(0.01), 0.01],
    ["adam", () => tf.train.adam(0.01), 0.01],
  ];
  for (const [name, make, lr] of pairs) {
    await t.step(name, async () => {
      const base = { epochs: 2, batchSize: 32, seed: 2, progress: false } as const;
      const a = mlp(2, { hidden: [8], seed: 8 }), b = mlp(2, { hidden: [8], seed: 8 });
      const opt = make();
      await fit(a, moons, { ...base, optimizer: name as "sgd", learningRate: lr });
      await fit(b, moons, { ...base, optimizer: opt });
      assert.ok(maxRelDiff(weightsOf(a), weightsOf(b)) < 1e-4);
      opt.dispose();
      a.dispose();
      b.dispose();
    });
  }
});

Deno.test("penalties reach kernels only: w ← w(1 − 2ηλ) and biases stay put", () => {
  const lambda = 0.05, lr = 0.1;
  const model = mlp(2, {
    hidden: [4, 3],
    kernelRegularizer: tf.regularizers.l2({ l2: lambda }),
    seed: 1,
  });
  // give the biases non-zero values so a penalty on them would show
  model.layers.forEach((l) => {
    const [k, b] = l.getWeights();
    l.setWeights([k, tf.tidy(() => tf.add(b, 0.5))]);
  });
  const plan = compilePlan(model) as Plan;
  const before = weightsOf(model);
  const penaltyByHand = [0, 2].reduce(
    (s, i) => s + lambda * before[i].reduce((a, w) => a + w * w, 0),
    0,
  );
  for (const optimizer of ["sgd", tf.train.sgd(lr)] as const) {
    model.setWeights(before.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
    const updater = makeUpdater(plan.params, optimizer, lr, true);
    // zero data gradient: only the penalty moves the weights
    let penalty = NaN;
    tf.tidy(() => void (penalty = updater.step(plan.params.map(() => undefined))!));
    updater.dispose();
    const after = weightsOf(model);
    assert.ok(Math.abs(penalty - penaltyByHand) < 1e-5 * penaltyByHand);
    before.forEach((w, i) => {
      const isHiddenKernel = i === 0 || i === 2;
      w.forEach((v, j) => {
        const expected = isHiddenKernel ? v * (1 - 2 * lr * lambda) : v;
        assert.ok(Math.abs(after[i][j] - expected) < 1e-6, `weight ${i}[${j}]`);
      });
    });
    if (typeof optimizer === "object") optimizer.dispose();
  }
  model.dispose();
});

Deno.test("an L1 penalty moves kernels by η·λ·sign(w)", () => {
  const lambda = 0.01, lr = 0.5;
  const model = mlp(2, {
    hidden: [4],
    kernelRegularizer: tf.regularizers.l1({ l1: lambda }),
    seed: 2,
  });
  const plan = compilePlan(model) as Plan;
  const before = weightsOf(model);
  const updater = makeUpdater(plan.params, "sgd", lr, true);
  tf.tidy(() => updater.step(plan.params.map(() => undefined)));
  updater.dispose();
  const after = weightsOf(model);
  before[0].forEach((v, j) =>
    assert.ok(Math.abs(after[0][j] - (v - lr * lambda * Math.sign(v))) < 1e-6)
  );
  assert.deepEqual(after[1], before[1]);
  model.dispose();
});

Deno.test("weights too small to matter (|w| < 1e-20) are set to zero after an update", () => {
  const model = mlp(2, { hidden: [2], seed: 3 });
  const b = model.layers[0].getWeights()[1];
  model.layers[0].setWeights([tf.tensor2d([[1e-30, 0.5], [-1e-25, -0.25]]), b]);
  const plan = compilePlan(model) as Plan;
  const updater = makeUpdater(plan.params, "sgd", 0.1, true);
  tf.tidy(() => updater.step(plan.params.map(() => undefined)));
  updater.dispose();
  const kernel = Array.from(model.layers[0].getWeights()[0].dataSync());
  assert.deepEqual(kernel.map((v) => v === 0 ? 0 : v), [0, 0.5, 0, -0.25]);
  model.dispose();
});

/** Feeds a monitored sequence until the callback stops; returns the last epoch run. */
function feed(cb: Callback, values: number[], key: "valLoss" | "valAcc" = "valLoss") {
  const ctx = fakeContext();
  cb.onTrainBegin!(ctx);
  let epoch = 0;
  for (const v of values) {
    epoch++;
    const log: EpochLog = { epoch, loss: 1, seconds: epoch, [key]: v };
    ctx.history.epochs.push(log);
    cb.onEpochEnd!(log, ctx);
    if (ctx.stopTraining) break;
  }
  cb.onTrainEnd!(ctx);
  return { epoch, ctx };
}

Deno.test("earlyStopping() stops exactly `patience` epochs after the last improvement", () => {
  // best 0.7 at epoch 3; epochs 4, 5, 6 do not improve; patience 3 → stop after epoch 6
  const seq = [1.0, 0.9, 0.7, 0.85, 0.8, 0.75, 0.6, 0.5];
  const cb = earlyStopping({ patience: 3 });
  const { epoch, ctx } = feed(cb, seq);
  assert.equal(epoch, 6);
  assert.equal(cb.stoppedEpoch, 6);
  assert.equal(cb.bestEpoch, 3);
  assert.equal(cb.bestValue, 0.7);
  assert.match(
    ctx.stopReason!,
    /valLoss did not improve .* for 3 epochs \(best 0.7000 at epoch 3\)/,
  );
});

Deno.test("earlyStopping() counts only improvements larger than minDelta", () => {
  // with minDelta 0.05: 0.97 and 0.96 are not better than 1.0 by more than 0.05
  const cb = earlyStopping({ patience: 2, minDelta: 0.05 });
  assert.equal(feed(cb, [1.0, 0.97, 0.96, 0.92]).epoch, 3);
  assert.equal(cb.bestEpoch, 1);
  // 0.9 is (epoch 3); then 0.88 and 0.87 are not better than 0.9 by more than 0.05
  const cb2 = earlyStopping({ patience: 2, minDelta: 0.05 });
  assert.equal(feed(cb2, [1.0, 0.97, 0.9, 0.88, 0.87, 0.86]).epoch, 5);
  assert.equal(cb2.bestEpoch, 3);
});

Deno.test("earlyStopping() maximizes accuracies and stops at once with patience 0", () => {
  const acc = earlyStopping({ monitor: "valAcc", patience: 1 });
  assert.equal(acc.mode, "max");
  assert.equal(feed(acc, [0.5, 0.6, 0.55, 0.7], "valAcc").epoch, 3);
  assert.equal(acc.bestValue, 0.6);
  const eager = earlyStopping({ patience: 0 });
  assert.equal(feed(eager, [1, 0.5, 0.6, 0.1]).epoch, 3);
  const nan = earlyStopping({ patience: 1 });
  assert.equal(feed(nan, [1, NaN, 0.5]).epoch, 2);
  const never = earlyStopping({ patience: 2 });
  assert.equal(feed(never, [5, 4, 3, 2, 1]).epoch, 5);
  assert.equal(never.stoppedEpoch, undefined);
});

Deno.test("earlyStopping() rejects bad settings and a missing monitor", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => earlyStopping({ patience: -1 }), /patience must be an integer >= 0, got -1/],
    [() => earlyStopping({ patience: 1.5 }), /patience must be an integer >= 0, got 1.5/],
    [() => earlyStopping({ minDelta: -0.1 }), /minDelta must be a finite number >= 0, got -0.1/],
    [
      () => earlyStopping({ mode: "up" as "max" }),
      /mode must be one of "auto", "min", "max", got "up"/,
    ],
    [() => earlyStopping({ monitor: "val_loss" as "valLoss" }), /monitor must be one of/],
    [() => earlyStopping({ patient: 3 } as EarlyStoppingOptions), /has no setting "patient"/],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
    );
  }
  const cb = earlyStopping();
  const ctx = fakeContext({ hasValidation: false });
  assert.throws(() => cb.onTrainBegin!(ctx), /fit needs validationData/);
});

Deno.test("restoreBestWeights puts back the best epoch's weights at the epoch limit", async () => {
  const before = tf.memory().numTensors;
  const model = mlp(2, { hidden: [32, 32], seed: 6 });
  const stopper = earlyStopping({ patience: 100, restoreBestWeights: true });
  const small = { X: moons.X.slice([0, 0], [24, 2]), y: moons.y.slice([0, 0], [24, 1]) };
  const history = await fit(model, small, {
    epochs: 40,
    batchSize: 8,
    learningRate: 0.05,
    validationData: moonsVal,
    callbacks: [stopper],
    seed: 1,
    progress: false,
  });
  assert.equal(history.epochs.length, 40);
  assert.equal(stopper.stoppedEpoch, undefined);
  // the run must overfit, or the test would not test anything
  assert.ok(stopper.bestEpoch! < 40, `best epoch ${stopper.bestEpoch}`);
  assert.ok(history.last!.valLoss! > stopper.bestValue!);
  assert.ok(stopper.restored);
  const best = history.epochs[stopper.bestEpoch! - 1].valLoss!;
  assert.equal(best, stopper.bestValue);
  assert.equal(evaluate(model, moonsVal).loss, best);
  tf.dispose([small.X, small.y]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("early stopping inside fit() stops, restores and says why", async () => {
  const model = mlp(2, { hidden: [32, 32], seed: 6 });
  const stopper = earlyStopping({ patience: 2, restoreBestWeights: true });
  const small = { X: moons.X.slice([0, 0], [24, 2]), y: moons.y.slice([0, 0], [24, 1]) };
  const history = await fit(model, small, {
    epochs: 200,
    batchSize: 8,
    learningRate: 0.05,
    validationData: moonsVal,
    callbacks: [stopper],
    seed: 1,
    progress: false,
  });
  assert.ok(history.stoppedEarly);
  assert.equal(history.epochs.length, stopper.stoppedEpoch);
  assert.equal(stopper.stoppedEpoch, stopper.bestEpoch! + 2);
  assert.match(history.stopReason, /^early stopping: valLoss did not improve/);
  assert.equal(evaluate(model, moonsVal).loss, stopper.bestValue);
  tf.dispose([small.X, small.y]);
  model.dispose();
});

Deno.test("fit() logs losses that match evaluate() and a hand-computed crossentropy", async () => {
  const model = mlp(2, {
    hidden: [8],
    kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
    seed: 4,
  });
  const history = await fit(model, moons, {
    epochs: 2,
    batchSize: 32,
    validationData: moonsVal,
    seed: 3,
    progress: false,
  });
  const ev = evaluate(model, moonsVal);
  assert.equal(ev.loss, history.last!.valLoss);
  assert.equal(ev.acc, history.last!.valAcc);
  assert.ok(Math.abs(ev.loss - (ev.dataLoss + ev.penalty)) < 1e-6);
  // the data loss and accuracy by hand from the predicted probabilities
  const p = predictProba(model, moonsVal.X).map((r) => r[0]);
  const y = Array.from(moonsVal.y.dataSync());
  const bce = -p.reduce((s, pi, i) => s + y[i] * Math.log(pi) + (1 - y[i]) * Math.log(1 - pi), 0) /
    p.length;
  const acc = p.filter((pi, i) => (pi > 0.5 ? 1 : 0) === y[i]).length / p.length;
  assert.ok(Math.abs(ev.dataLoss - bce) < 1e-5, `${ev.dataLoss} vs ${bce}`);
  assert.equal(ev.acc, acc);
  const w = weightsOf(model)[0];
  assert.ok(Math.abs(ev.penalty - 0.01 * w.reduce((s, v) => s + v * v, 0)) < 1e-6);
  model.dispose();
});

Deno.test("full-batch training: one update per epoch, logged loss is the loss before it", async () => {
  const model = mlp(2, { hidden: [6], seed: 4 });
  const history = await fit(model, moons, {
    epochs: 4,
    recordBatches: true,
    seed: 1,
    progress: false,
  });
  assert.equal(history.batches.length, 4);
  history.batches.forEach((b, i) => {
    assert.equal(b.step, i + 1);
    assert.equal(b.size, 96);
    assert.ok(Math.abs(b.loss - history.epochs[i].loss) < 1e-6);
  });
  model.dispose();
});

Deno.test("recordBatches logs every update with its step and a growing clock", async () => {
  const model = mlp(2, { hidden: [6], seed: 4 });
  const history = await fit(model, moons, {
    epochs: 3,
    batchSize: 40,
    recordBatches: true,
    seed: 1,
    progress: false,
  });
  const steps = 3 * Math.ceil(96 / 40);
  assert.deepEqual(
    history.batches.map((b) => b.step),
    Array.from({ length: steps }, (_, i) => i + 1),
  );
  assert.deepEqual(history.batches.slice(0, 3).map((b) => b.size), [40, 40, 16]);
  for (let i = 1; i < steps; i++) {
    assert.ok(history.batches[i].seconds >= history.batches[i - 1].seconds);
  }
  // the epoch loss is the size-weighted mean of its batch losses
  const first = history.batches.slice(0, 3);
  const weighted = first.reduce((s, b) => s + b.loss * b.size, 0) / 96;
  assert.ok(Math.abs(weighted - history.epochs[0].loss) < 1e-5);
  const df = history.toDataFrame("batches");
  assert.equal(df.height, steps);
  assert.deepEqual(df.columns, ["step", "epoch", "batch", "size", "loss", "seconds", "lr"]);
  model.dispose();
});

Deno.test("History.toDataFrame() has one row per epoch and the logged columns", async () => {
  const model = mlp(2, { hidden: [4], seed: 1 });
  const history = await fit(model, moons, {
    epochs: 3,
    batchSize: 32,
    validationData: moonsVal,
    seed: 1,
    progress: false,
  });
  const df = history.toDataFrame();
  assert.deepEqual(df.columns, ["epoch", "loss", "acc", "valLoss", "valAcc", "seconds", "lr"]);
  assert.deepEqual(df.getColumn("epoch").toArray(), [1, 2, 3]);
  assert.deepEqual(df.getColumn("lr").toArray(), [0.001, 0.001, 0.001]); // Adam's default rate
  assert.deepEqual(df.getColumn("valLoss").toArray(), history.epochs.map((e) => e.valLoss));
  const regression = mlp(1, { hidden: [4], outputActivation: "linear", seed: 1 });
  const h2 = await fit(regression, line, { epochs: 2, seed: 1, progress: false });
  assert.deepEqual(h2.toDataFrame().columns, ["epoch", "loss", "seconds", "lr"]);
  model.dispose();
  regression.dispose();
});

Deno.test("callbacks run in order and can stop training after a batch", async () => {
  const calls: string[] = [];
  const cb: Callback = {
    onTrainBegin: (ctx) => void calls.push(`train:${ctx.params.stepsPerEpoch}`),
    onEpochBegin: (e) => void calls.push(`epoch${e}`),
    onBatchBegin: (b) => void calls.push(`b${b.step}`),
    onBatchEnd: (b, ctx) => {
      calls.push(`/b${b.step}`);
      if (b.step === 3) ctx.stop("enough");
    },
    onEpochEnd: async (log) => {
      await Promise.resolve();
      calls.push(`/epoch${log.epoch}`);
    },
    onTrainEnd: (ctx) => void calls.push(`/train:${ctx.stopReason}`),
  };
  const model = mlp(2, { hidden: [4], seed: 1 });
  const history = await fit(model, moons, {
    epochs: 5,
    batchSize: 48,
    callbacks: [cb],
    seed: 1,
    progress: false,
  });
  assert.deepEqual(calls, [
    "train:2",
    "epoch1",
    "b1",
    "/b1",
    "b2",
    "/b2",
    "/epoch1",
    "epoch2",
    "b3",
    "/b3",
    "/epoch2",
    "/train:enough",
  ]);
  assert.equal(history.stopReason, "enough");
  assert.equal(history.epochs.length, 2);
  model.dispose();
});

Deno.test("fit() continues from weights a callback sets", async () => {
  // full-batch SGD keeps no state: resetting the weights after epoch 1 makes epoch 2 repeat it
  const opts = { optimizer: "sgd", seed: 1, progress: false } as const;
  const once = mlp(2, { hidden: [6], seed: 4 });
  await fit(once, moons, { ...opts, epochs: 1 });
  const model = mlp(2, { hidden: [6], seed: 4 });
  const initial = model.getWeights().map((w) => w.clone());
  const reset: Callback = {
    onEpochEnd: (log, ctx) => {
      if (log.epoch === 1) ctx.model.setWeights(initial);
    },
  };
  const history = await fit(model, moons, { ...opts, epochs: 2, callbacks: [reset] });
  assert.equal(history.epochs[1].loss, history.epochs[0].loss);
  assert.deepEqual(weightsOf(model), weightsOf(once));
  tf.dispose(initial);
  model.dispose();
  once.dispose();
});

Deno.test("progress goes through the registered factory, and is silent outside Jupyter", async () => {
  const kinds: string[] = [];
  const lines: number[] = [];
  const previous = setProgressFactory((kind) => {
    kinds.push(kind);
    return { onEpochEnd: (log) => void lines.push(log.epoch) };
  });
  try {
    const model = mlp(2, { hidden: [4], seed: 1 });
    await fit(model, moons, { epochs: 2, progress: "chart", seed: 1 });
    assert.deepEqual(kinds, ["chart"]);
    assert.deepEqual(lines, [1, 2]);
    await fit(model, moons, { epochs: 2, seed: 1 }); // progress "auto" outside a kernel
    assert.deepEqual(kinds, ["chart"]);
    model.dispose();
  } finally {
    setProgressFactory(previous);
  }
});

Deno.test("textProgress() writes a few evenly spread epoch lines", () => {
  const lines: string[] = [];
  const cb = textProgress({ write: (l) => void lines.push(l), lines: 5 });
  const ctx = fakeContext({ epochs: 25 });
  cb.onTrainBegin!(ctx);
  for (let epoch = 1; epoch <= 25; epoch++) {
    const log: EpochLog = { epoch, loss: 1 / epoch, seconds: epoch / 10 };
    ctx.history.epochs.push(log);
    cb.onEpochEnd!(log, ctx);
  }
  cb.onTrainEnd!(ctx);
  assert.deepEqual(
    lines.map((l) => l.split("  ")[0]),
    [5, 10, 15, 20, 25].map((e) => `epoch ${e}/25`),
  );
  assert.equal(lines[0], formatEpochLog(ctx.history.epochs[4], 25));
});

Deno.test("models with other layers train on the generic path, with a reason", async () => {
  const model = mlp(2, { hidden: [6], activation: "selu", seed: 1 });
  const history = await fit(model, moons, { epochs: 2, batchSize: 32, seed: 1, progress: false });
  assert.equal(history.path, "generic");
  assert.match(history.pathReason!, /uses activation selu/);
  await assert.rejects(
    () => fit(model, moons, { path: "fast", progress: false }),
    (e: Error) => e instanceof TypeError && /path "fast" cannot train this model/.test(e.message),
  );
  model.dispose();
});

Deno.test("fit(), evaluate(), predictProba() and predictGrid() leave no tensors behind", async (t) => {
  const base = tf.memory().numTensors;
  const check = (label: string) => assert.equal(tf.memory().numTensors, base, label);
  const model = mlp(2, {
    hidden: [8],
    dropout: 0.2,
    batchNorm: true,
    kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
    seed: 1,
  });
  const modelTensors = tf.memory().numTensors - base;
  const check2 = (label: string) =>
    assert.equal(tf.memory().numTensors, base + modelTensors, label);
  await t.step("fit without validation", async () => {
    await fit(model, moons, { epochs: 2, batchSize: 32, seed: 1, progress: false });
    check2("fit");
  });
  await t.step("fit with validation, batches and early stopping", async () => {
    await fit(model, moons, {
      epochs: 3,
      batchSize: 32,
      validationData: moonsVal,
      recordBatches: true,
      callbacks: [earlyStopping({ patience: 1, restoreBestWeights: true })],
      seed: 1,
      progress: false,
    });
    check2("fit with validation");
  });
  await t.step("generic path and a tfjs optimizer", async () => {
    const opt = tf.train.adam(0.01);
    await fit(model, moons, {
      epochs: 2,
      batchSize: 32,
      path: "generic",
      optimizer: opt,
      validationData: moonsVal,
      seed: 1,
      progress: false,
    });
    opt.dispose();
    check2("generic fit");
  });
  await t.step("evaluate, predictProba, predictGrid", () => {
    evaluate(model, moonsVal);
    predictProba(model, moonsVal.X);
    predictProba(model, [[0, 1]]);
    predictGrid(model, [[0, 0], [1, 1]], { resolution: 7 });
    check2("prediction");
  });
  await t.step("errors", async () => {
    await assert.rejects(() => fit(model, { X: moons.X, y: moonsVal.y }, { progress: false }));
    await assert.rejects(() =>
      fit(model, moons, { validationData: { X: moonsVal.X, y: moons.y }, progress: false })
    );
    check2("after errors");
  });
  model.dispose();
  check("model disposed");
});

Deno.test("predictGrid() covers the padded data range and matches predictProba()", () => {
  const model = mlp(2, { hidden: [5], seed: 2 });
  const points = [[-1, 0], [2, 4], [0.5, 1]];
  const grid = predictGrid(model, points, { resolution: 11, padding: 0.1 });
  assert.equal(grid.length, 121);
  const x1 = grid.map((g) => g.x1), x2 = grid.map((g) => g.x2);
  assert.ok(
    Math.abs(Math.min(...x1) - (-1 - 0.3)) < 1e-12 && Math.abs(Math.max(...x1) - (2 + 0.3)) < 1e-12,
  );
  assert.ok(
    Math.abs(Math.min(...x2) - (0 - 0.4)) < 1e-12 && Math.abs(Math.max(...x2) - (4 + 0.4)) < 1e-12,
  );
  const direct = predictProba(model, grid.slice(0, 5).map((g) => [g.x1, g.x2]));
  grid.slice(0, 5).forEach((g, i) => {
    assert.ok(Math.abs(g.p - direct[i][0]) < 1e-6);
    assert.equal(g.label, direct[i][0] > 0.5 ? 1 : 0);
  });
  const multi = mlp(2, { outputUnits: 3, outputActivation: "softmax", seed: 2 });
  const mg = predictGrid(multi, { X: points }, { resolution: 3 });
  const probs = predictProba(multi, mg.map((g) => [g.x1, g.x2]));
  mg.forEach((g, i) => {
    assert.equal(g.p, Math.max(...probs[i]));
    assert.equal(probs[i][g.label], g.p);
  });
  model.dispose();
  multi.dispose();
});

Deno.test("fit() and friends reject bad input with a clear message", async () => {
  const model = mlp(2, { hidden: [3], seed: 1 });
  const multi = mlp(2, { outputUnits: 3, outputActivation: "softmax", seed: 1 });
  const X3 = tf.zeros([4, 3]), y4 = tf.zeros([4, 1]), y5 = tf.zeros([5, 1]), X4 = tf.zeros([4, 2]);
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => fit(model, { X: X4, y: y5 }), /data.y must have one row per row of data.X \(4\), got 5/],
    [
      () => fit(model, { X: X3, y: y4 }),
      /data.X must have 2 columns \(the model's input size\), got 3/,
    ],
    [
      () => fit(multi, { X: X4, y: y4 }),
      /data.y must have 3 columns \(the model's output units\), got 1/,
    ],
    [() => fit(model, { X: X4, y: y4 }, { epochs: 0 }), /epochs must be a positive integer, got 0/],
    [
      () => fit(model, { X: X4, y: y4 }, { epochs: 2.5 }),
      /epochs must be a positive integer, got 2.5/,
    ],
    [
      () => fit(model, { X: X4, y: y4 }, { batchSize: -3 }),
      /batchSize must be a positive integer, got -3/,
    ],
    [
      () => fit(model, { X: X4, y: y4 }, { learningRate: 0 }),
      /learningRate must be a positive number, got 0/,
    ],
    [
      () => fit(model, { X: X4, y: y4 }, { optimizer: "adamw" as "adam" }),
      /optimizer must be one of "sgd", "momentum", "rmsprop", "adam" or a tf.Optimizer, got "adamw"/,
    ],
    [
      () => fit(model, { X: X4, y: y4 }, { loss: "hinge" as "meanSquaredError" }),
      /loss must be one of "binaryCrossentropy", "categoricalCrossentropy", "meanSquaredError", got "hinge"/,
    ],
    [
      () => fit(model, { X: [[1, 2]] as unknown as tf.Tensor, y: y4 }),
      /data.X must be a tensor, got an array of length 1/,
    ],
    [
      () => fit(model, { X: X4, y: y4 }, { progress: "bar" as "line" }),
      /progress must be false, "line", "chart" or "auto", got "bar"/,
    ],
    [
      () =>
        fit(model, { X: X4, y: y4 }, {
          callbacks: [earlyStopping({ monitor: "valLoss" })],
          progress: false,
        }),
      /fit needs validationData/,
    ],
  ];
  cases.push([
    () => fit(model, { X: X4, y: y4 }, { epoch: 3 } as FitOptions),
    /options has no setting "epoch"; the settings are epochs, batchSize/,
  ]);
  const before = tf.memory().numTensors;
  for (const [call, message] of cases) {
    await assert.rejects(
      call,
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
      String(message),
    );
  }
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => evaluate(model, { X: X3, y: y4 }), /data.X must have 2 columns/);
  assert.throws(() => predictProba(model, [[1, 2, 3]]), /X must have 2 columns/);
  assert.throws(
    () => predictGrid(model, [[0, 0]], { resolution: 1 }),
    /resolution must be an integer >= 2, got 1/,
  );
  assert.throws(
    () => predictGrid(model, [[0, 0]], { padding: -1 }),
    /padding must be a finite number >= 0, got -1/,
  );
  tf.dispose([X3, y4, y5, X4]);
  model.dispose();
  multi.dispose();
});
