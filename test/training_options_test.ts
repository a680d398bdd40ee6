import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { textProgress } from "../lib/callbacks.ts";
import { earlyStopping, replayEarlyStopping } from "../lib/early_stopping.ts";
import { bestEpoch } from "../lib/history.ts";
import { mlp } from "../lib/model.ts";
import { evaluate, predictGrid } from "../lib/predict.ts";
import { fit } from "../lib/train.ts";
import { type Call, optionTableTests } from "./_options_table.ts";

await initBackend("wasm");

const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tf.tensor2d([[0], [1], [1], [0]]);
const model = mlp(2, { hidden: [3], seed: 1 });
const EPOCHS = [{ epoch: 1, loss: 0.5, valLoss: 0.6, seconds: 0 }];
const fixtureTensors = tf.memory().numTensors;

/** Every public function of the training modules that takes options, with its valid names. */
const functions: [string, Call, string[]][] = [
  [
    "fit",
    (o) => fit(model, { X, y }, o),
    [
      "epochs",
      "batchSize",
      "optimizer",
      "learningRate",
      "loss",
      "validationData",
      "callbacks",
      "shuffle",
      "seed",
      "progress",
      "recordBatches",
      "path",
      "weightDecay",
      "augment",
      "clipValue",
      "clipNorm",
    ],
  ],
  ["evaluate", (o) => evaluate(model, { X, y }, o), ["loss"]],
  ["predictGrid", (o) => predictGrid(model, [[0, 0], [1, 1]], o), ["resolution", "padding"]],
  ["textProgress", (o) => textProgress(o), ["write", "lines"]],
  [
    "earlyStopping",
    (o) => earlyStopping(o),
    ["monitor", "patience", "minDelta", "mode", "restoreBestWeights", "baseline", "startFromEpoch"],
  ],
  [
    "replayEarlyStopping",
    (o) => replayEarlyStopping([0.5, 0.4], o),
    ["monitor", "patience", "minDelta", "mode", "restoreBestWeights", "baseline", "startFromEpoch"],
  ],
  ["bestEpoch", (o) => bestEpoch(EPOCHS, "valLoss", o), ["mode"]],
];

optionTableTests(functions.map(([name, call, valid]) => ({ name, call, valid })), {
  label: "training",
});

Deno.test("calls rejected for their options leave no tensors behind", () => {
  assert.equal(tf.memory().numTensors, fixtureTensors);
  tf.dispose([X, y]);
  model.dispose();
});
