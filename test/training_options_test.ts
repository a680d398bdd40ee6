import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { textProgress } from "../lib/callbacks.ts";
import { earlyStopping, replayEarlyStopping } from "../lib/early_stopping.ts";
import { bestEpoch } from "../lib/history.ts";
import { mlp } from "../lib/model.ts";
import { evaluate, predictGrid } from "../lib/predict.ts";
import { fit } from "../lib/train.ts";

await initBackend("wasm");

/** Calls a function with its options object; `any` lets a test pass a misspelt name. */
// deno-lint-ignore no-explicit-any
type Call = (options: any) => unknown;

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

/** Runs `call` and returns what it threw, also when it returns a rejected promise. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

Deno.test("a misspelt training option is a TypeError that names it and lists the valid ones", async (t) => {
  for (const [name, call, valid] of functions) {
    await t.step(name, async () => {
      // A near miss of the first valid name, and a misspelt name set to undefined.
      for (const bad of [`${valid[0]}s`, valid[0].toLowerCase() + "_"]) {
        for (const value of [2, undefined]) {
          const err = await thrown(() => call({ [bad]: value }));
          assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
          assert.ok(err.message.includes(`"${bad}"`), err.message);
          for (const v of valid) assert.ok(err.message.includes(v), `${v} missing: ${err.message}`);
        }
      }
    });
  }
});

Deno.test("training options that are not an object are a TypeError", async (t) => {
  for (const [name, call] of functions) {
    await t.step(name, async () => {
      for (const value of [5, "epochs", null, [1]]) {
        const err = await thrown(() => call(value));
        assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
        assert.match(err.message, /^options must be an object, got /);
      }
    });
  }
});

Deno.test("every valid training option name is accepted", async (t) => {
  for (const [name, call, valid] of functions) {
    await t.step(name, async () => {
      // undefined means "use the default", so each valid name alone must not throw.
      for (const v of valid) await call({ [v]: undefined });
      await call(undefined);
      await call({});
    });
  }
});

Deno.test("calls rejected for their options leave no tensors behind", () => {
  assert.equal(tf.memory().numTensors, fixtureTensors);
  tf.dispose([X, y]);
  model.dispose();
});
