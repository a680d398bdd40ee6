/**
 * Input lib cannot use gives an error at the call, never a silent wrong result: labels a loss
 * cannot score, a loss that does not fit the output, non-finite values, sizes too large to
 * build, disposed tensors and seeds that are not integers. Every case asserts the error's class
 * and exact message, and that the rejected call leaves `tf.memory().numTensors` unchanged.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { activationStats } from "../lib/activations.ts";
import { initBackend } from "../lib/backend.ts";
import { batchNorm, batchStatistics, initBatchNormState } from "../lib/batch_norm.ts";
import { dropoutMask, invertedDropout, originalDropout } from "../lib/dropout.ts";
import { mlp } from "../lib/model.ts";
import { accuracy, evaluate, predictGrid, predictProba } from "../lib/predict.ts";
import { makeRng, setSeed } from "../lib/random.ts";
import { kFold, stratifiedKFold, trainDevTestSplit, trainTestSplit } from "../lib/split.ts";
import {
  makeBlobs,
  makeCircles,
  makeCorrelated,
  makeMoons,
  makeRegression1d,
  makeSpirals,
  makeXor,
} from "../lib/synthetic.ts";
import { fit } from "../lib/train.ts";

await initBackend("wasm");

type ErrorClass = typeof TypeError | typeof RangeError;

/** One call that must fail: a label, the call, the error class and the exact message. */
type Case = [string, () => unknown, ErrorClass, string];

/**
 * Runs `call` (sync or async) and checks that it fails with exactly `cls` and `message`, and
 * that it leaves as many tensors as it found.
 */
async function expectError(call: () => unknown, cls: ErrorClass, message: string) {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, `expected a ${cls.name}, the call succeeded`);
  assert.equal(error.name, cls.name, `expected a ${cls.name}, got ${error}`);
  assert.equal(error.message, message);
  assert.equal(tf.memory().numTensors, before, "the rejected call leaked tensors");
}

/** Registers one test with one step per case. */
function errorTable(name: string, cases: Case[]) {
  Deno.test(name, async (t) => {
    for (const [label, call, cls, message] of cases) {
      await t.step(label, () => expectError(call, cls, message));
    }
  });
}

const N = 20;
/** N rows of two features, with `bad` put at [row, column] when given. */
function rows(bad?: [number, number, number]): number[][] {
  const rng = makeRng(5);
  const out = Array.from({ length: N }, () => [rng.normal(), rng.normal()]);
  if (bad) out[bad[0]][bad[1]] = bad[2];
  return out;
}
/** N binary labels 0, 1, 0, 1, … as a column, with `bad` put at `row` when given. */
function labels(bad?: [number, number]): number[][] {
  const out = Array.from({ length: N }, (_, i) => [i % 2]);
  if (bad) out[bad[0]][0] = bad[1];
  return out;
}
/** N one-hot rows of 3 classes, with row `row` replaced when given. */
function oneHot(row?: number, values?: number[]): number[][] {
  const out: number[][] = Array.from(
    { length: N },
    (_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0)),
  );
  if (row !== undefined) out[row] = values!;
  return out;
}

const X = tf.tensor2d(rows());
const y = tf.tensor2d(labels());
const y3 = tf.tensor2d(oneHot());
const binary = mlp(2, { hidden: [4], seed: 1 });
const multi = mlp(2, { hidden: [4], outputUnits: 3, outputActivation: "softmax", seed: 1 });
const linear = mlp(2, { hidden: [4], outputActivation: "linear", seed: 1 });
const sigmoid3 = mlp(2, { outputUnits: 3, seed: 1 });
const softmax1 = tf.sequential({
  layers: [tf.layers.dense({ units: 1, activation: "softmax", inputShape: [2] })],
});
/** Tensors made for the cases below, freed at the end. */
const made: tf.Tensor[] = [];
const t2 = (values: number[][]) => {
  const t = tf.tensor2d(values);
  made.push(t);
  return t;
};
// Bad data, made before the calls so that only what a call allocates counts as a leak.
const yZeroTwo = t2(labels([1, 2]));
const yMinusOne = t2(labels().map(([c]) => [2 * c - 1]));
const yHalf = t2(labels([7, 0.5]));
const yThree = t2(oneHot(4, [1, 0, 3]));
const yTwoAt3 = t2(labels([3, 2]));
const ySoft = t2(oneHot(2, [0.5, 0.5, 0]));
const yNoOne = t2(oneHot(5, [0, 0, 0]));
const yTwoOnes = t2(oneHot(6, [1, 0, 1]));
const yIndex = t2(oneHot(0, [0, 2, 0]));
const xNaN17 = t2(rows([17, 1, NaN]));
const yInf3 = t2(labels([3, Infinity]));
const yNaN4 = t2(labels([4, NaN]));
const xMinusInf0 = t2(rows([0, 0, -Infinity]));
const yNaN19 = t2(labels([19, NaN]));
const xNaN2 = t2(rows([2, 1, NaN]));
const xNaN2First = t2(rows([2, 0, NaN]));
const xInf9 = t2(rows([9, 1, Infinity]));
const xNaN11 = t2(rows([11, 0, NaN]));
const xNaN3 = t2(rows([3, 1, NaN]));

/** A tensor of shape [N, 2] that has been disposed. */
const gone = tf.zeros([N, 2]);
gone.dispose();
const goneY = tf.zeros([N, 1]);
goneY.dispose();
const QUIET = { progress: false } as const;

// ---------------------------------------------------------------------------------------------
// labels

const BINARY_LABELS = "must hold labels 0 or 1 for binaryCrossentropy";
const ONE_HOT = "must hold one-hot rows (a single 1, the rest 0) for categoricalCrossentropy";

errorTable("labels a crossentropy cannot score are rejected, naming the row", [
  [
    "fit: binary labels {0, 2}",
    () => fit(binary, { X, y: yZeroTwo }, QUIET),
    RangeError,
    `data.y ${BINARY_LABELS}, got 2 at row 1`,
  ],
  [
    "fit: binary labels {-1, 1}",
    () => fit(binary, { X, y: yMinusOne }, QUIET),
    RangeError,
    `data.y ${BINARY_LABELS}, got -1 at row 0`,
  ],
  [
    "fit: validation labels 0.5",
    () => fit(binary, { X, y }, { validationData: { X, y: yHalf }, ...QUIET }),
    RangeError,
    `validationData.y ${BINARY_LABELS}, got 0.5 at row 7`,
  ],
  [
    "fit: several sigmoid outputs name the column",
    () => fit(sigmoid3, { X, y: yThree }, { loss: "binaryCrossentropy", ...QUIET }),
    RangeError,
    `data.y ${BINARY_LABELS}, got 3 at row 4, column 2`,
  ],
  [
    "evaluate: binary labels {0, 2}",
    () => evaluate(binary, { X, y: yTwoAt3 }),
    RangeError,
    `data.y ${BINARY_LABELS}, got 2 at row 3`,
  ],
  [
    "accuracy: binary labels {0, 2}",
    () => accuracy(binary, { X, y: yTwoAt3 }),
    RangeError,
    `data.y ${BINARY_LABELS}, got 2 at row 3`,
  ],
  [
    "fit: a soft one-hot row",
    () => fit(multi, { X, y: ySoft }, QUIET),
    RangeError,
    `data.y ${ONE_HOT}, got 0.5 at row 2, column 0`,
  ],
  [
    "fit: a row without a 1",
    () => fit(multi, { X, y: yNoOne }, QUIET),
    RangeError,
    `data.y ${ONE_HOT}, got no 1 in row 5`,
  ],
  [
    "evaluate: a row with two ones",
    () => evaluate(multi, { X, y: yTwoOnes }),
    RangeError,
    `data.y ${ONE_HOT}, got 2 ones in row 6`,
  ],
  [
    "accuracy: class indices for a softmax output",
    () => accuracy(multi, { X, y: yIndex }),
    RangeError,
    `data.y ${ONE_HOT}, got 2 at row 0, column 1`,
  ],
]);

Deno.test("labels a loss can score are accepted: 0/1, one-hot, any finite regression target", async () => {
  const before = tf.memory().numTensors;
  await fit(binary, { X, y }, QUIET);
  await fit(multi, { X, y: y3 }, QUIET);
  const targets = tf.tensor2d(labels().map(([c], i) => [5 * c - i]));
  await fit(linear, { X, y: targets }, QUIET);
  assert.equal(typeof evaluate(linear, { X, y: targets }).loss, "number");
  const ints = tf.tensor1d(labels().map(([c]) => c), "int32");
  assert.ok(accuracy(binary, { X, y: ints }) >= 0);
  tf.dispose([targets, ints]);
  assert.equal(tf.memory().numTensors, before);
});

// ---------------------------------------------------------------------------------------------
// losses and outputs

errorTable("an output activation that cannot give the loss's probabilities is rejected", [
  [
    "mlp: softmax on one output unit",
    () => mlp(2, { outputActivation: "softmax" }),
    RangeError,
    'outputActivation "softmax" needs outputUnits >= 2 (its outputs sum to 1, so a single unit always outputs 1), got 1; use "sigmoid" for two classes',
  ],
  [
    "mlp: softmax on a hidden layer of one unit",
    () => mlp(2, { hidden: [3, 1], activation: "softmax" }),
    RangeError,
    'activation "softmax" needs hidden layers of at least 2 units (its outputs sum to 1, so a single unit always outputs 1), got hidden[1] = 1',
  ],
  [
    "fit: a tfjs model with softmax on one unit",
    () => fit(softmax1, { X, y }, QUIET),
    RangeError,
    "model has a softmax output of 1 unit, which always outputs 1; use a sigmoid output for two classes",
  ],
  [
    "evaluate: a tfjs model with softmax on one unit",
    () => evaluate(softmax1, { X, y }),
    RangeError,
    "model has a softmax output of 1 unit, which always outputs 1; use a sigmoid output for two classes",
  ],
  [
    "fit: categoricalCrossentropy on sigmoid outputs",
    () => fit(sigmoid3, { X, y: y3 }, { loss: "categoricalCrossentropy", ...QUIET }),
    RangeError,
    'loss "categoricalCrossentropy" needs a softmax output, got a sigmoid output; use "binaryCrossentropy" for independent sigmoid outputs',
  ],
  [
    "evaluate: categoricalCrossentropy on a linear output",
    () => evaluate(linear, { X, y }, { loss: "categoricalCrossentropy" }),
    RangeError,
    'loss "categoricalCrossentropy" needs a softmax output, got a linear output',
  ],
  [
    "fit: binaryCrossentropy on a linear output",
    () => fit(linear, { X, y }, { loss: "binaryCrossentropy", ...QUIET }),
    RangeError,
    'loss "binaryCrossentropy" needs probabilities from a sigmoid (or softmax) output, got a linear output',
  ],
]);

// ---------------------------------------------------------------------------------------------
// non-finite values

errorTable("non-finite inputs and targets are rejected, naming the argument, row and column", [
  [
    "fit: NaN in data.X",
    () => fit(binary, { X: xNaN17, y }, QUIET),
    RangeError,
    "data.X has a non-finite value NaN at row 17, column 1",
  ],
  [
    "fit: Infinity in a regression data.y",
    () => fit(linear, { X, y: yInf3 }, QUIET),
    RangeError,
    "data.y has a non-finite value Infinity at row 3, column 0",
  ],
  [
    "fit: NaN in binary labels",
    () => fit(binary, { X, y: yNaN4 }, QUIET),
    RangeError,
    "data.y has a non-finite value NaN at row 4, column 0",
  ],
  [
    "fit: -Infinity in validationData.X",
    () => fit(binary, { X, y }, { validationData: { X: xMinusInf0, y }, ...QUIET }),
    RangeError,
    "validationData.X has a non-finite value -Infinity at row 0, column 0",
  ],
  [
    "fit: NaN in validationData.y",
    () => fit(linear, { X, y }, { validationData: { X, y: yNaN19 }, ...QUIET }),
    RangeError,
    "validationData.y has a non-finite value NaN at row 19, column 0",
  ],
  [
    "evaluate: NaN in data.X",
    () => evaluate(binary, { X: xNaN2, y }),
    RangeError,
    "data.X has a non-finite value NaN at row 2, column 1",
  ],
  [
    "accuracy: NaN in data.X",
    () => accuracy(binary, { X: xNaN2First, y }),
    RangeError,
    "data.X has a non-finite value NaN at row 2, column 0",
  ],
  [
    "predictProba: NaN in rows",
    () => predictProba(binary, [[1, NaN]]),
    RangeError,
    "X has a non-finite value NaN at row 0, column 1",
  ],
  [
    "predictProba: Infinity in a tensor",
    () => predictProba(binary, xInf9),
    RangeError,
    "X has a non-finite value Infinity at row 9, column 1",
  ],
  [
    "predictProba: a string in rows",
    () => predictProba(binary, [[1, "2" as unknown as number]]),
    TypeError,
    'X[0][1] must be a number, got "2"',
  ],
  [
    "predictGrid: NaN in points",
    () => predictGrid(binary, [[0, 0], [NaN, 1]]),
    RangeError,
    "points has a non-finite value NaN at row 1, column 0",
  ],
  [
    "predictGrid: Infinity in a data set's X",
    () => predictGrid(binary, { X: [[0, 0], [1, 1], [2, Infinity]] }),
    RangeError,
    "points.X has a non-finite value Infinity at row 2, column 1",
  ],
  [
    "batchStatistics: NaN in rows",
    () => batchStatistics([[1, 2], [3, NaN]]),
    RangeError,
    "x has a non-finite value NaN at row 1, column 1",
  ],
  [
    "batchStatistics: NaN in a tensor",
    () => batchStatistics(xNaN11),
    RangeError,
    "x has a non-finite value NaN at row 11, column 0",
  ],
  [
    "batchNorm: Infinity in the batch",
    () => batchNorm([[1, Infinity], [2, 3]], initBatchNormState(2), { training: true }),
    RangeError,
    "x has a non-finite value Infinity at row 0, column 1",
  ],
  [
    "activationStats: NaN in rows",
    () => activationStats(binary, [[NaN, 1]]),
    RangeError,
    "X has a non-finite value NaN at row 0, column 0",
  ],
  [
    "activationStats: NaN in a tensor",
    () => activationStats(binary, xNaN3),
    RangeError,
    "X has a non-finite value NaN at row 3, column 1",
  ],
]);

// ---------------------------------------------------------------------------------------------
// sizes

/** Cases that must also fail at once: before any allocation the size would need. */
const sizeCases: Case[] = [
  [
    "makeMoons(1e9)",
    () => makeMoons(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeCircles(2e6)",
    () => makeCircles(2e6),
    RangeError,
    "n must be at most 1000000 examples, got 2000000",
  ],
  [
    "makeSpirals(1e9)",
    () => makeSpirals(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeXor(1e9)",
    () => makeXor(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeBlobs(1e9)",
    () => makeBlobs(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeRegression1d(1e9)",
    () => makeRegression1d(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeCorrelated(1e9)",
    () => makeCorrelated(1e9),
    RangeError,
    "n must be at most 1000000 examples, got 1000000000",
  ],
  [
    "makeBlobs: 1e9 centres",
    () => makeBlobs(100, { centers: 1e9 }),
    RangeError,
    "n must be at least the number of centres (1000000000), got 100",
  ],
  [
    "makeBlobs: 1e9 dimensions",
    () => makeBlobs(100, { dim: 1e9 }),
    RangeError,
    "dim must be at most 10000 features, got 1000000000",
  ],
  [
    "makeBlobs: 1e6 examples of 100 features",
    () => makeBlobs(1e6, { dim: 100 }),
    RangeError,
    "n × dim must be at most 10000000 values, got 1000000 × 100 = 100000000",
  ],
  [
    "makeCorrelated: 1e9 groups",
    () => makeCorrelated(100, { groups: 1e9 }),
    RangeError,
    "groups × groupSize + numIrrelevant must be at most 10000 features, got 1000000000 × 2 + 0 = 2000000000",
  ],
  [
    "makeCorrelated: 1e6 examples of 20 features",
    () => makeCorrelated(1e6, { groups: 10 }),
    RangeError,
    "n × (groups × groupSize + numIrrelevant) must be at most 10000000 values, got 1000000 × 20 = 20000000",
  ],
  [
    "mlp: a hidden layer of 1e9 units",
    () => mlp(2, { hidden: [1e9] }),
    RangeError,
    "hidden[0] must be at most 100000 units, got 1000000000",
  ],
  [
    "mlp: 1e9 inputs",
    () => mlp(1e9),
    RangeError,
    "inputDim must be at most 100000 features, got 1000000000",
  ],
  [
    "mlp: 1e9 output units",
    () => mlp(2, { outputUnits: 1e9 }),
    RangeError,
    "outputUnits must be at most 100000 units, got 1000000000",
  ],
  [
    "mlp: 5000 hidden layers",
    () => mlp(2, { hidden: Array(5000).fill(2) }),
    RangeError,
    "hidden must have at most 1000 layers, got 5000",
  ],
  [
    "mlp: two hidden layers of 1e5 units",
    () => mlp(2, { hidden: [1e5, 1e5] }),
    RangeError,
    `mlp would have ${
      (2 * 1e5 + 1e5) + (1e5 * 1e5 + 1e5) + (1e5 * 1 + 1)
    } parameters (inputDim 2, hidden [100000, 100000], outputUnits 1), more than the limit of 10000000`,
  ],
  [
    "predictGrid: resolution 1e5",
    () => predictGrid(binary, [[0, 0], [1, 1]], { resolution: 1e5 }),
    RangeError,
    "resolution must be at most 1000 points per axis, got 100000",
  ],
  [
    "initBatchNormState(1e9)",
    () => initBatchNormState(1e9),
    RangeError,
    "numFeatures must be at most 100000 features, got 1000000000",
  ],
  [
    "activationStats: 1e9 bins",
    () => activationStats(binary, X, { bins: 1e9 }),
    RangeError,
    "options.bins must be at most 10000 bins, got 1000000000",
  ],
  [
    "dropoutMask: 1e10 values",
    () => dropoutMask([1e5, 1e5], { rate: 0.5 }),
    RangeError,
    "shape must hold at most 100000000 values, got [100000, 100000] = 10000000000",
  ],
  [
    "kFold(1e9)",
    () => kFold(1e9, 5),
    RangeError,
    "n must be at most 10000000 rows, got 1000000000",
  ],
];

Deno.test("sizes too large to build are rejected at once, naming the limit", async (t) => {
  for (const [label, call, cls, message] of sizeCases) {
    await t.step(label, async () => {
      const start = performance.now();
      await expectError(call, cls, message);
      const ms = performance.now() - start;
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms: the limit must be checked before any work`);
    });
  }
});

Deno.test("sizes at the limits are accepted", () => {
  assert.equal(makeMoons(1e6, { seed: 1 }).X.length, 1e6);
  const wide = mlp(2, { hidden: [1e5], outputUnits: 2, outputActivation: "softmax", seed: 1 });
  wide.dispose();
  assert.equal(predictGrid(binary, [[0, 0], [1, 1]], { resolution: 1000 }).length, 1e6);
});

// ---------------------------------------------------------------------------------------------
// disposed tensors and models

const goneX = "is a tensor of shape [20, 2] that has already been disposed";
const deadModel = mlp(2, { seed: 1 });
deadModel.dispose();

errorTable("a disposed tensor is named by its argument", [
  ["fit: data.X", () => fit(binary, { X: gone, y }, QUIET), TypeError, `data.X ${goneX}`],
  [
    "fit: data.y",
    () => fit(binary, { X, y: goneY }, QUIET),
    TypeError,
    "data.y is a tensor of shape [20, 1] that has already been disposed",
  ],
  [
    "fit: validationData.X",
    () => fit(binary, { X, y }, { validationData: { X: gone, y }, ...QUIET }),
    TypeError,
    `validationData.X ${goneX}`,
  ],
  ["evaluate: data.X", () => evaluate(binary, { X: gone, y }), TypeError, `data.X ${goneX}`],
  ["accuracy: data.X", () => accuracy(binary, { X: gone, y }), TypeError, `data.X ${goneX}`],
  ["predictProba: X", () => predictProba(binary, gone), TypeError, `X ${goneX}`],
  [
    "invertedDropout: x",
    () => invertedDropout(gone, { rate: 0.5, training: true, seed: 1 }),
    TypeError,
    `x ${goneX}`,
  ],
  [
    "originalDropout: x",
    () => originalDropout(gone, { rate: 0.5, training: false }),
    TypeError,
    `x ${goneX}`,
  ],
  ["batchStatistics: x", () => batchStatistics(gone), TypeError, `x ${goneX}`],
  [
    "batchNorm: x",
    () => batchNorm(gone, initBatchNormState(2), { training: true }),
    TypeError,
    `x ${goneX}`,
  ],
  ["activationStats: X", () => activationStats(binary, gone), TypeError, `X ${goneX}`],
  [
    "fit: a disposed model",
    () => fit(deadModel, { X, y }, QUIET),
    TypeError,
    "model has been disposed (its weights are freed); build a new one",
  ],
  [
    "predictProba: a disposed model",
    () => predictProba(deadModel, [[0, 1]]),
    TypeError,
    "model has been disposed (its weights are freed); build a new one",
  ],
]);

// ---------------------------------------------------------------------------------------------
// seeds

const SEED = "1" as unknown as number;
const SEED_ERROR = 'seed must be an integer, got "1"';
const moons = makeMoons(20, { seed: 1 });

errorTable(
  'a string seed "1" is a TypeError everywhere a seed is taken',
  ([
    ["makeMoons", () => makeMoons(10, { seed: SEED })],
    ["makeCircles", () => makeCircles(10, { seed: SEED })],
    ["makeSpirals", () => makeSpirals(10, { seed: SEED })],
    ["makeXor", () => makeXor(10, { seed: SEED })],
    ["makeBlobs", () => makeBlobs(10, { seed: SEED })],
    ["makeRegression1d", () => makeRegression1d(10, { seed: SEED })],
    ["makeCorrelated", () => makeCorrelated(10, { seed: SEED })],
    ["mlp", () => mlp(2, { seed: SEED })],
    ["fit", () => fit(binary, { X, y }, { seed: SEED, ...QUIET })],
    ["dropoutMask", () => dropoutMask([2, 2], { rate: 0.5, seed: SEED })],
    ["invertedDropout", () => invertedDropout(X, { rate: 0.5, training: true, seed: SEED })],
    [
      "invertedDropout in inference",
      () => invertedDropout(X, { rate: 0.5, training: false, seed: SEED }),
    ],
    ["originalDropout", () => originalDropout(X, { keepProb: 0.5, training: true, seed: SEED })],
    ["activationStats", () => activationStats(binary, X, { seed: SEED })],
    ["trainTestSplit", () => trainTestSplit(moons, { seed: SEED })],
    ["trainDevTestSplit", () => trainDevTestSplit(moons, { seed: SEED })],
    ["kFold", () => kFold(10, 2, { seed: SEED })],
    ["stratifiedKFold", () => stratifiedKFold(moons.y, 2, { seed: SEED })],
    ["makeRng", () => makeRng(SEED)],
    ["setSeed", () => setSeed(SEED)],
  ] as [string, () => unknown][]).map((
    [label, call],
  ): Case => [label, call, TypeError, SEED_ERROR]),
);

Deno.test("the fixtures are freed", () => {
  tf.dispose([X, y, y3, ...made]);
  for (const model of [binary, multi, linear, sigmoid3, softmax1]) model.dispose();
});
