import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { activationStats } from "../lib/activations.ts";
import { initBackend } from "../lib/backend.ts";
import { batchNorm, initBatchNormState, updateRunningAverage } from "../lib/batch_norm.ts";
import { dropoutMask, invertedDropout, originalDropout } from "../lib/dropout.ts";
import { mlp } from "../lib/model.ts";
import {
  convertLambda,
  elasticNetPenalty,
  elasticNetRegularizer,
  l1Penalty,
  l1Regularizer,
  l2Penalty,
  l2Regularizer,
  penaltyFactor,
  weightDecayStep,
} from "../lib/penalties.ts";
import { logGrid, regularizationPath } from "../lib/regularization_path.ts";
import { layerStats, sparsity, weightSummary } from "../lib/weights.ts";
import { type Call, type OptionEntry, optionTableTests } from "./_options_table.ts";

await initBackend("wasm");
const before = tf.memory().numTensors;

const w = [1, -2];
const keras = { convention: "keras" };
/** What the penalty functions' not-an-object messages say of the object. */
const CONVENTION_SHAPE = ' naming the convention, e.g. { convention: "keras" }';
const STRENGTH_SHAPE = " { l1, l2 }";
const model = mlp(2, { hidden: [3], seed: 1 });
const X = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]);
const y = tf.tensor2d([[1], [0], [1], [0]]);
const MLP_OPTIONS = [
  "hidden",
  "activation",
  "outputUnits",
  "outputActivation",
  "kernelInitializer",
  "kernelRegularizer",
  "regularizeOutput",
  "dropout",
  "batchNorm",
  "leakyReluAlpha",
  "seed",
];

/** Every public function of the network modules that takes an options object. */
const entries: OptionEntry[] = [
  // penalties.ts
  {
    name: "penaltyFactor",
    call: (o) => penaltyFactor("l2", o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "convertLambda",
    call: (o) => convertLambda(0.1, o),
    valid: ["kind", "from", "to", "n"],
    base: { kind: "l2", from: "keras", to: "pytorch" },
  },
  {
    name: "l2Penalty",
    call: (o) => l2Penalty(w, 0.1, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "l1Penalty",
    call: (o) => l1Penalty(w, 0.1, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "elasticNetPenalty",
    call: (o) => elasticNetPenalty(w, { l1: 0.1, l2: 0.1 }, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "elasticNetPenalty strength",
    call: (o) => elasticNetPenalty(w, o, keras as { convention: "keras" }),
    valid: ["l1", "l2"],
    base: { l1: 0.1, l2: 0.1 },
    param: "strength",
    shape: STRENGTH_SHAPE,
  },
  {
    name: "l2Regularizer",
    call: (o) => l2Regularizer(0.1, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "l1Regularizer",
    call: (o) => l1Regularizer(0.1, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "elasticNetRegularizer",
    call: (o) => elasticNetRegularizer({ l1: 0.1, l2: 0.1 }, o),
    valid: ["convention", "n"],
    base: keras,
    shape: CONVENTION_SHAPE,
  },
  {
    name: "elasticNetRegularizer strength",
    call: (o) => elasticNetRegularizer(o, keras as { convention: "keras" }),
    valid: ["l1", "l2"],
    base: { l1: 0.1, l2: 0.1 },
    param: "strength",
    shape: STRENGTH_SHAPE,
  },
  {
    name: "weightDecayStep",
    call: (o) => weightDecayStep(w, w, o),
    valid: ["learningRate", "lambda"],
    base: { learningRate: 0.1, lambda: 0.1 },
  },
  // weights.ts
  { name: "weightSummary", call: (o) => weightSummary(w, o), valid: ["threshold"] },
  { name: "sparsity", call: (o) => sparsity(w, o), valid: ["threshold"] },
  { name: "layerStats", call: (o) => layerStats(model, o), valid: ["threshold"] },
  // regularization_path.ts
  { name: "logGrid", call: (o) => logGrid(0.01, 1, o), valid: ["count"] },
  {
    name: "regularizationPath",
    call: (o) => regularizationPath({ X, y }, o),
    valid: [
      "lambdas",
      "penalty",
      "convention",
      "n",
      "l1Ratio",
      "model",
      "fit",
      "validationData",
      "inputNames",
      "threshold",
    ],
    base: {
      lambdas: [0.01],
      penalty: "l2",
      convention: "keras",
      model: { hidden: [2], seed: 1 },
      fit: { epochs: 1, seed: 1 },
    },
  },
  // dropout.ts
  {
    name: "dropoutMask",
    call: (o) => dropoutMask([2, 3], o),
    valid: ["rate", "keepProb", "seed"],
    base: { rate: 0.5 },
  },
  {
    name: "invertedDropout",
    call: (o) => invertedDropout(X, o),
    valid: ["rate", "keepProb", "seed", "training"],
    base: { rate: 0.5, training: true },
  },
  {
    name: "originalDropout",
    call: (o) => originalDropout(X, o),
    valid: ["rate", "keepProb", "seed", "training"],
    base: { rate: 0.5, training: false },
  },
  // batch_norm.ts
  {
    name: "updateRunningAverage",
    call: (o) => updateRunningAverage([0], [1], o),
    valid: ["convention", "momentum"],
  },
  {
    name: "batchNorm",
    call: (o) => batchNorm([[1], [2]], initBatchNormState(1), o),
    valid: ["training", "convention", "momentum", "epsilon", "unbiasedRunningVariance"],
    base: { training: true },
  },
  // activations.ts
  {
    name: "activationStats",
    call: (o) => activationStats(model, X, o),
    valid: ["training", "seed", "bins", "range", "layers"],
  },
  // model.ts
  { name: "mlp", call: (o) => mlp(2, o), valid: MLP_OPTIONS },
  {
    name: "mlp kernelInitializer",
    call: (o) => mlp(2, { kernelInitializer: o, seed: 1 }),
    valid: ["name", "mean", "stddev", "minval", "maxval"],
    base: { name: "randomNormal" },
    param: "kernelInitializer",
    objectOnly: false,
  },
];

/** Frees what a call returned (a model, tensors, penalty gradients). */
function free(out: unknown): void {
  if (out instanceof tf.LayersModel) out.dispose();
  else tf.dispose(out as tf.TensorContainer);
}

/** Calls, and frees what the call returned. */
async function run(call: Call, options: unknown): Promise<void> {
  free(await call(options));
}

optionTableTests(entries, { cleanup: free });

Deno.test("options left out are defaults or a named error, never a crash", async (t) => {
  for (const { name, call, param = "options" } of entries) {
    await t.step(name, async () => {
      // Optional options default; required ones name the missing setting.
      await run(call, undefined).catch((err: unknown) => {
        assert.ok(err instanceof TypeError || err instanceof RangeError, String(err));
        assert.match((err as Error).message, new RegExp(`(^| )${param}[ .]`));
      });
    });
  }
});

Deno.test("the option checks leave no tensor behind", () => {
  model.dispose();
  tf.dispose([X, y]);
  assert.equal(tf.memory().numTensors, before);
});
