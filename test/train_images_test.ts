/**
 * fit, evaluate and predictProba on images ([examples, height, width, channels]) with a cnn,
 * and fit's augment hook on both training paths.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import type { EpochLog } from "../lib/callbacks.ts";
import { cnn, type CnnOptions } from "../lib/cnn.ts";
import { mlp } from "../lib/model.ts";
import { accuracy, evaluate, predictProba } from "../lib/predict.ts";
import { makeRng } from "../lib/random.ts";
import { type BatchAugmenter, fit, type FitOptions, type TensorData } from "../lib/train.ts";
import { assertClose } from "./_assert_close.ts";

await initBackend("wasm");

Deno.test("the wasm backend has the conv gradients that training a cnn needs", () => {
  assert.equal(tf.getBackend(), "wasm");
  for (const kernel of ["Conv2DBackpropFilter", "Conv2DBackpropInput", "MaxPoolGrad"]) {
    assert.ok(tf.getKernel(kernel, "wasm") !== undefined, `${kernel} is not registered`);
  }
});

/**
 * n 8×8 grey images of one bar each, class 0 a vertical bar, class 1 a horizontal one, at a
 * random row or column, with N(0, 0.1²) noise; y one-hot.
 */
function bars(n: number, seed: number): TensorData & { labels: number[] } {
  const rng = makeRng(seed);
  const X = new Float32Array(n * 64), y = new Float32Array(n * 2), labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = rng.int(2), at = rng.int(8);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        X[i * 64 + r * 8 + c] = ((cls === 0 ? c : r) === at ? 1 : 0) + 0.1 * rng.normal();
      }
    }
    y[i * 2 + cls] = 1;
    labels.push(cls);
  }
  return { X: tf.tensor4d(X, [n, 8, 8, 1]), y: tf.tensor2d(y, [n, 2]), labels };
}

const train = bars(64, 1);
const test = bars(64, 2);
const SMALL: CnnOptions = { conv: [4], dense: [8], outputs: 2 };
const QUIET: FitOptions = { progress: false };

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function withoutSeconds(h: { epochs: EpochLog[] }): Omit<EpochLog, "seconds">[] {
  return h.epochs.map(({ seconds: _, ...rest }) => rest);
}

/** Trains a fresh model from `build` and returns its weights and epoch logs, freeing it. */
async function run(build: () => tf.LayersModel, data: TensorData, options: FitOptions) {
  const model = build();
  try {
    const history = await fit(model, data, { ...QUIET, ...options });
    return { weights: weightsOf(model), epochs: withoutSeconds(history), path: history.path };
  } finally {
    model.dispose();
  }
}

/** Flips the images of the batch left to right where the seed's coin says so (label-preserving for bars). */
const flip: BatchAugmenter = ({ X, y }, seed) => {
  const rng = makeRng(seed);
  const n = X.shape[0];
  const coins = tf.tensor(Array.from({ length: n }, () => rng.int(2)), [n, 1, 1, 1], "float32");
  const flipped = tf.reverse(X, 2);
  return { X: tf.add(tf.mul(coins, flipped), tf.mul(tf.sub(1, coins), X)), y };
};

Deno.test("fit() trains a small CNN on 8×8 bar images to high accuracy through tfjs autodiff", async () => {
  const before = tf.memory().numTensors;
  const model = cnn([8, 8, 1], { ...SMALL, seed: 3 });
  const history = await fit(model, train, {
    ...QUIET,
    epochs: 15,
    batchSize: 16,
    learningRate: 0.02,
    seed: 4,
    validationData: test,
  });
  assert.equal(history.path, "generic");
  assert.match(history.pathReason ?? "", /input is not a vector/);
  const last = history.epochs.at(-1)!;
  assert.ok(last.acc! >= 0.95, `training accuracy ${last.acc}`);
  assert.ok(last.valAcc! >= 0.95, `validation accuracy ${last.valAcc}`);
  assert.ok(last.loss < history.epochs[0].loss, "the loss went down");

  // evaluate, accuracy and predictProba on 4-D images agree with each other and with fit.
  const ev = evaluate(model, test);
  assertClose(ev.loss, last.valLoss!, 1e-6, "evaluate().loss vs valLoss");
  assert.equal(accuracy(model, test), ev.acc);
  const probs = predictProba(model, test.X);
  assert.equal(probs.length, 64);
  let hits = 0, lossSum = 0;
  probs.forEach((row, i) => {
    assert.equal(row.length, 2);
    assertClose(row[0] + row[1], 1, 1e-5, `row ${i} sums to 1`);
    if ((row[1] > row[0] ? 1 : 0) === test.labels[i]) hits++;
    lossSum -= Math.log(Math.min(1 - 1e-7, Math.max(1e-7, row[test.labels[i]])));
  });
  assert.equal(ev.acc, hits / 64);
  assertClose(ev.loss, lossSum / 64, 1e-5, "evaluate().loss by hand");
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
});

Deno.test("fit() with a CNN and augment leaves no tensors behind (validation data, batch records, regularizer, batch norm)", async () => {
  const before = tf.memory().numTensors;
  const model = cnn([8, 8, 1], {
    ...SMALL,
    batchNorm: true,
    dropout: 0.2,
    kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }),
    seed: 3,
  });
  await fit(model, train, {
    ...QUIET,
    epochs: 2,
    batchSize: 20,
    seed: 4,
    augment: flip,
    validationData: test,
    recordBatches: true,
  });
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

/**
 * Read-backs (dataSync, data, arraySync, array, bufferSync, buffer) that augment adds: none
 * where the step runs in tfjs (the CNN); on the engine (the MLP), the augmented X and y of
 * every step, and X is no longer read up front.
 */
Deno.test("augment adds no read-backs on the tfjs path, and exactly the augmented X and y of every step on the engine", async () => {
  const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ["dataSync", "data", "arraySync", "array", "bufferSync", "buffer"];
  const originals = names.map((n) => proto[n]);
  // every read, as the shape of the tensor read
  let reads: string[] = [];
  names.forEach((n, i) => {
    proto[n] = function (this: tf.Tensor, ...a: unknown[]) {
      reads.push(this.shape.join("×"));
      return originals[i].apply(this, a);
    };
  });
  const flat = { X: tf.reshape(train.X, [64, 64]), y: train.y };
  const count = async (
    build: () => tf.LayersModel,
    data: TensorData,
    augment: BatchAugmenter | undefined,
  ) => {
    reads = [];
    const r = await run(build, data, {
      epochs: 2,
      batchSize: 16,
      seed: 4,
      augment,
      validationData: data,
    });
    return { reads: reads.toSorted(), path: r.path };
  };
  /** How many times each shape was read. */
  const tally = (shapes: string[]) => {
    const m = new Map<string, number>();
    for (const s of shapes) m.set(s, (m.get(s) ?? 0) + 1);
    return m;
  };
  const shift: BatchAugmenter = ({ X, y }) => ({ X: tf.add(X, 0.1), y: tf.mul(y, 0.9) });
  try {
    const convNet = () => cnn([8, 8, 1], { ...SMALL, seed: 3 });
    const conv = await count(convNet, train, undefined);
    assert.equal(conv.path, "generic");
    assert.ok(conv.reads.length > 0);
    // (the epoch's predictions are read with the targets beside them, in the same read)
    assert.equal((await count(convNet, train, flip)).reads.length, conv.reads.length);
    assert.equal((await count(convNet, train, shift)).reads.length, conv.reads.length);

    const dense = () =>
      mlp(64, { hidden: [8], outputUnits: 2, outputActivation: "softmax", seed: 3 });
    const plain = await count(dense, flat, undefined);
    const augmented = await count(dense, flat, shift);
    assert.equal(augmented.path, "fast");
    // 64 examples in batches of 16 for 2 epochs: 8 steps, each reading X [16, 64] and
    // y [16, 2]; without augment the engine reads X [64, 64] once instead.
    const want = tally(plain.reads);
    want.set("64×64", want.get("64×64")! - 1);
    want.set("16×64", (want.get("16×64") ?? 0) + 8);
    want.set("16×2", (want.get("16×2") ?? 0) + 8);
    for (const [shape, times] of [...want]) if (times === 0) want.delete(shape);
    assert.deepEqual(tally(augmented.reads), want);
    assert.equal(augmented.reads.length, plain.reads.length + 2 * 8 - 1);
  } finally {
    names.forEach((n, i) => proto[n] = originals[i]);
    flat.X.dispose();
  }
});

Deno.test("fit() with the same seed trains a CNN with dropout to the same weights and history", async () => {
  const build = () => cnn([8, 8, 1], { ...SMALL, dropout: 0.5, seed: 3 });
  const options: FitOptions = { epochs: 2, batchSize: 16, seed: 4, augment: flip };
  const a = await run(build, train, options);
  const b = await run(build, train, options);
  const c = await run(build, train, { ...options, seed: 5 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.weights, c.weights);
  // The Dropout layers' own seeds are put back.
  const model = build();
  await fit(model, train, { ...QUIET, ...options });
  for (const layer of model.layers.filter((l) => l.getClassName() === "Dropout")) {
    assert.equal((layer.getConfig() as { seed?: number }).seed, undefined);
  }
  model.dispose();
});

/** An augmenter adding `c` to X that records every call. */
function recorder(c = 0) {
  const calls: { seed: number; xShape: number[]; yShape: number[] }[] = [];
  const augment: BatchAugmenter = ({ X, y }, seed) => {
    calls.push({ seed, xShape: X.shape, yShape: y.shape });
    return { X: c === 0 ? X : tf.add(X, c), y };
  };
  return { calls, augment };
}

Deno.test("augment is called once per training batch, never for validation data nor by evaluate", async () => {
  for (const path of ["fast", "generic"] as const) {
    const data = path === "fast" ? { X: tf.reshape(train.X, [64, 64]), y: train.y } : train;
    const val = path === "fast" ? { X: tf.reshape(test.X, [64, 64]), y: test.y } : test;
    const build = () =>
      path === "fast"
        ? mlp(64, { hidden: [8], outputUnits: 2, outputActivation: "softmax", seed: 3 })
        : cnn([8, 8, 1], { ...SMALL, seed: 3 });
    const { calls, augment } = recorder();
    const model = build();
    const first50 = { X: tf.slice(data.X, 0, 50), y: tf.slice(data.y, 0, 50) };
    const history = await fit(model, first50, {
      ...QUIET,
      epochs: 3,
      batchSize: 16,
      seed: 4,
      augment,
      validationData: val,
    });
    assert.equal(history.path, path);
    // 50 examples in batches of 16: 16, 16, 16, 2, in each of 3 epochs.
    const rest = path === "fast" ? [64] : [8, 8, 1];
    assert.deepEqual(
      calls.map((c) => [c.xShape, c.yShape]),
      Array.from({ length: 3 }, () => [16, 16, 16, 2]).flat().map((b) => [[b, ...rest], [b, 2]]),
    );
    evaluate(model, val);
    accuracy(model, val);
    predictProba(model, val.X);
    assert.equal(calls.length, 12, "evaluate, accuracy and predictProba do not augment");
    model.dispose();
    tf.dispose([first50.X, first50.y]);
    if (path === "fast") tf.dispose([data.X, val.X]);
  }
});

Deno.test("augment gets a fresh seed for every batch of every epoch, the same ones for the same fit seed", async () => {
  const seedsOf = async (seed: number) => {
    const { calls, augment } = recorder();
    await run(() => cnn([8, 8, 1], { ...SMALL, seed: 3 }), train, {
      epochs: 3,
      batchSize: 16,
      seed,
      augment,
    });
    return calls.map((c) => c.seed);
  };
  const a = await seedsOf(7), b = await seedsOf(7), c = await seedsOf(8);
  assert.equal(a.length, 12);
  assert.equal(new Set(a).size, 12, `seeds repeat: ${a}`);
  assert.ok(a.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("an augmenter that returns its batch trains exactly as no augmenter, on both paths", async () => {
  const flat = { X: tf.reshape(train.X, [64, 64]), y: train.y };
  const cases: [() => tf.LayersModel, TensorData][] = [
    [
      () =>
        mlp(64, {
          hidden: [8],
          dropout: 0.3,
          outputUnits: 2,
          outputActivation: "softmax",
          seed: 3,
        }),
      flat,
    ],
    [() => cnn([8, 8, 1], { ...SMALL, dropout: 0.3, seed: 3 }), train],
  ];
  for (const [build, data] of cases) {
    const options: FitOptions = { epochs: 2, batchSize: 16, seed: 4, recordBatches: true };
    const plain = await run(build, data, options);
    const same = await run(build, data, { ...options, augment: (batch) => batch });
    assert.deepEqual(same, plain, plain.path);
  }
  flat.X.dispose();
});

Deno.test("fit() trains on what augment returns: adding c to every batch equals training on X + c", async () => {
  const flat = { X: tf.reshape(train.X, [64, 64]), y: train.y };
  const cases: [() => tf.LayersModel, TensorData][] = [
    [() => mlp(64, { hidden: [8], outputUnits: 2, outputActivation: "softmax", seed: 3 }), flat],
    [() => cnn([8, 8, 1], { ...SMALL, seed: 3 }), train],
  ];
  for (const [build, data] of cases) {
    const options: FitOptions = { epochs: 2, batchSize: 16, seed: 4 };
    const shifted = { X: tf.add(data.X, 0.5), y: data.y };
    const byHand = await run(build, shifted, options);
    const { calls, augment } = recorder(0.5);
    const augmented = await run(build, data, { ...options, augment });
    assert.equal(calls.length, 8);
    assert.deepEqual(augmented, byHand, byHand.path);
    shifted.X.dispose();
  }
  flat.X.dispose();
});

Deno.test("a seeded flip augmenter trains the CNN to high accuracy, the same way for the same seed", async () => {
  const build = () => cnn([8, 8, 1], { ...SMALL, seed: 3 });
  const options: FitOptions = {
    epochs: 15,
    batchSize: 16,
    learningRate: 0.02,
    seed: 4,
    augment: flip,
    validationData: test,
  };
  const a = await run(build, train, options);
  const b = await run(build, train, options);
  assert.deepEqual(a, b);
  const last = a.epochs.at(-1)!;
  assert.ok(last.valAcc! >= 0.95, `validation accuracy ${last.valAcc}`);
  const plain = await run(build, train, { ...options, augment: undefined });
  assert.notDeepEqual(a.weights, plain.weights, "the flips changed the training");
});

/** Mean crossentropy and accuracy of probabilities `p` against targets `t` (rows), by hand. */
function scoreByHand(p: number[][], t: number[][], binary: boolean) {
  const clip = (v: number) => Math.min(1 - 1e-7, Math.max(1e-7, v));
  let loss = 0, hits = 0;
  p.forEach((row, i) => {
    if (binary) {
      loss -= t[i][0] * Math.log(clip(row[0])) + (1 - t[i][0]) * Math.log(1 - clip(row[0]));
      if ((row[0] > 0.5) === (t[i][0] > 0.5)) hits++;
    } else {
      row.forEach((v, j) => loss -= t[i][j] * Math.log(clip(v)));
      if ((row[1] > row[0]) === (t[i][1] > t[i][0])) hits++;
    }
  });
  return { loss: loss / p.length, acc: hits / p.length };
}

Deno.test("when augment changes y, loss and acc score the predictions against the targets it returned", async () => {
  const flat = tf.reshape(train.X, [64, 64]);
  const binaryY = tf.slice(train.y, [0, 1], [64, 1]);
  const cases: [string, () => tf.LayersModel, TensorData, (y: tf.Tensor) => tf.Tensor][] = [
    // Label smoothing keeps the classes; swapping them makes every right answer wrong.
    [
      "cnn smoothed",
      () => cnn([8, 8, 1], { ...SMALL, seed: 3 }),
      train,
      (y) => tf.add(tf.mul(y, 0.8), 0.1),
    ],
    ["cnn swapped", () => cnn([8, 8, 1], { ...SMALL, seed: 3 }), train, (y) => tf.sub(1, y)],
    [
      "mlp softmax smoothed",
      () => mlp(64, { hidden: [8], outputUnits: 2, outputActivation: "softmax", seed: 3 }),
      { X: flat, y: train.y },
      (y) => tf.add(tf.mul(y, 0.8), 0.1),
    ],
    [
      "mlp sigmoid smoothed",
      () => mlp(64, { hidden: [8], seed: 3 }),
      { X: flat, y: binaryY },
      (y) => tf.add(tf.mul(y, 0.8), 0.1),
    ],
    [
      "mlp sigmoid mixed",
      () => mlp(64, { hidden: [8], seed: 3 }),
      { X: flat, y: binaryY },
      (y) => tf.add(tf.mul(y, 0.3), 0.35), // 0.35 or 0.65: the class survives at 0.5
    ],
  ];
  for (const [what, build, data, relabel] of cases) {
    const model = build();
    // One full-batch epoch without shuffling: the logged loss is taken before the only
    // update, on the predictions of the initial weights (no dropout or batch norm here).
    const p = predictProba(model, data.X);
    const t = tf.tidy(() => relabel(data.y.rank === 1 ? tf.reshape(data.y, [-1, 1]) : data.y))
      .arraySync() as number[][];
    const expected = scoreByHand(p, t, t[0].length === 1);
    const history = await fit(model, data, {
      ...QUIET,
      epochs: 1,
      shuffle: false,
      seed: 1,
      recordBatches: true,
      augment: ({ X, y }) => ({ X, y: relabel(y) }),
    });
    const log = history.epochs[0];
    assertClose(log.loss, expected.loss, 1e-5, `${what}: loss`);
    assertClose(history.batches[0].loss, expected.loss, 1e-5, `${what}: batch loss`);
    assert.equal(log.acc, expected.acc, `${what}: acc`);
    model.dispose();
  }
  tf.dispose([flat, binaryY]);
});

Deno.test("augment must be a function that returns tensors of the batch's shapes", async () => {
  const before = tf.memory().numTensors;
  const model = cnn([8, 8, 1], { ...SMALL, seed: 3 });
  const start = weightsOf(model);
  const bad: [unknown, ErrorConstructor, RegExp][] = [
    [
      5,
      TypeError,
      /augment must be a function \(\{ X, y \}, seed\) => \{ X, y \} \(a BatchAugmenter\), got 5/,
    ],
    [
      (({ X, y }) => ({ X: tf.slice(X, [0, 1, 1, 0], [-1, 6, 6, 1]), y })) as BatchAugmenter,
      RangeError,
      /augment must return X of the batch's shape \[16, 8, 8, 1\], got \[16, 6, 6, 1\]/,
    ],
    [
      (({ X, y }) => ({ X, y: tf.slice(y, [0, 0], [-1, 1]) })) as BatchAugmenter,
      RangeError,
      /augment must return y of the batch's shape \[16, 2\], got \[16, 1\]/,
    ],
    [
      (({ X, y }) => ({ X: tf.concat([X, X]), y: tf.concat([y, y]) })) as BatchAugmenter,
      RangeError,
      /augment must return X of the batch's shape \[16, 8, 8, 1\], got \[32, 8, 8, 1\]/,
    ],
    [
      (({ X }: { X: tf.Tensor }) => ({ X })) as unknown as BatchAugmenter,
      TypeError,
      /augment must return \{ X, y \} with tensors X and y, got \{"X":/,
    ],
    [
      (() => undefined) as unknown as BatchAugmenter,
      TypeError,
      /augment must return \{ X, y \} with tensors X and y, got undefined/,
    ],
    [
      ((batch: { X: tf.Tensor; y: tf.Tensor }) =>
        Promise.resolve(batch)) as unknown as BatchAugmenter,
      TypeError,
      /augment must return \{ X, y \} synchronously \(fit calls it inside tf.tidy\), got a promise/,
    ],
  ];
  for (const [augment, type, message] of bad) {
    await assert.rejects(
      fit(model, train, { ...QUIET, batchSize: 16, seed: 1, augment: augment as BatchAugmenter }),
      (err: Error) => {
        assert.ok(err instanceof type, `${err}`);
        assert.match(err.message, message);
        return true;
      },
    );
  }
  assert.deepEqual(weightsOf(model), start, "nothing trained");
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
});

Deno.test("image inputs of the wrong shape are errors that name the expected and the given shape", async () => {
  const model = cnn([8, 8, 1], { ...SMALL, seed: 3 });
  const flat = tf.reshape(train.X, [64, 8, 8]);
  const wide = tf.zeros([2, 8, 9, 1]), wideY = tf.zeros([2, 2]);
  const expected = /must have shape \[examples, 8, 8, 1\] \(the model's input shape\)/;
  assert.throws(() => evaluate(model, { X: flat, y: train.y }), (err: Error) => {
    assert.ok(err instanceof RangeError);
    assert.match(err.message, /^data\.X must have shape \[examples, 8, 8, 1\]/);
    assert.match(err.message, /got \[64, 8, 8\]$/);
    return true;
  });
  assert.throws(() => predictProba(model, wide), (err: Error) => {
    assert.match(err.message, expected);
    assert.match(err.message, /^X .* got \[2, 8, 9, 1\]$/);
    return true;
  });
  await assert.rejects(
    fit(model, train, { ...QUIET, validationData: { X: wide, y: wideY } }),
    /validationData\.X must have shape \[examples, 8, 8, 1\] \(the model's input shape\), got \[2, 8, 9, 1\]/,
  );
  assert.throws(
    () => predictProba(model, [[1, 2]]),
    /X must be a tensor of shape \[examples, 8, 8, 1\] \(the model's input shape\), got an array/,
  );
  // A model that takes vectors names its own shape.
  const vectors = mlp(2, { seed: 1 });
  assert.throws(
    () => predictProba(vectors, train.X),
    /X must be 2-D \[examples, 2\] \(the model's input shape\), got shape \[64, 8, 8, 1\]/,
  );
  vectors.dispose();
  // A non-finite pixel is named by its example and its place in the image.
  const values = new Float32Array(3 * 64);
  values[2 * 64 + 3 * 8 + 5] = NaN;
  const withNaN = tf.tensor4d(values, [3, 8, 8, 1]);
  assert.throws(
    () => predictProba(model, withNaN),
    /X has a non-finite value NaN in example 2 at \[3, 5, 0\]/,
  );
  tf.dispose([flat, wide, wideY, withNaN]);
  model.dispose();
});
