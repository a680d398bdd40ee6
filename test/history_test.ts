import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import type { EpochLog } from "../lib/callbacks.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { replayEarlyStopping } from "../lib/early_stopping.ts";
import { bestEpoch, History, metricColumn } from "../lib/history.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { fit } from "../lib/train.ts";

await initBackend("wasm");

/** Epoch records with the given validation losses and accuracies (training metrics fixed). */
function records(valLoss: number[], valAcc?: number[]): EpochLog[] {
  return valLoss.map((v, i) => ({
    epoch: i + 1,
    loss: 1 / (i + 1),
    acc: 0.5 + i / 100,
    valLoss: v,
    ...(valAcc ? { valAcc: valAcc[i] } : {}),
    seconds: i / 10,
  }));
}

Deno.test("metricColumn() lists a metric of every epoch in order", () => {
  const epochs = records([0.9, 0.7, 0.8], [0.6, 0.7, 0.65]);
  assert.deepEqual(metricColumn(epochs, "valLoss"), [0.9, 0.7, 0.8]);
  assert.deepEqual(metricColumn(epochs, "valAcc"), [0.6, 0.7, 0.65]);
  assert.deepEqual(metricColumn(epochs, "loss"), [1, 1 / 2, 1 / 3]);
  assert.deepEqual(metricColumn(epochs, "acc"), [0.5, 0.51, 0.52]);
  // a History object reads the same as its records
  const history = new History();
  history.epochs.push(...epochs);
  assert.deepEqual(metricColumn(history, "valLoss"), [0.9, 0.7, 0.8]);
  assert.deepEqual(metricColumn(new History(), "valLoss"), []);
});

Deno.test("metricColumn() names the missing metric and the ones the history has", () => {
  const epochs = records([0.9, 0.7]);
  assert.throws(
    () => metricColumn(epochs, "valAcc"),
    /^RangeError: history has no valAcc in epoch 1; its metrics are loss, acc, valLoss \(valLoss and valAcc need fit's validationData\)$/,
  );
  // a metric missing from a later epoch only
  const partial: EpochLog[] = [{ epoch: 1, loss: 1, valLoss: 0.5, seconds: 0 }, {
    epoch: 2,
    loss: 0.5,
    seconds: 0,
  }];
  assert.throws(
    () => metricColumn(partial, "valLoss"),
    /^RangeError: history has no valLoss in epoch 2; its metrics are loss/,
  );
  assert.throws(
    () => metricColumn(epochs, "val_loss" as "valLoss"),
    /^RangeError: metric must be one of "loss", "acc", "valLoss", "valAcc", got "val_loss"$/,
  );
  assert.throws(
    () => metricColumn({ epoch: 3 } as unknown as EpochLog[], "loss"),
    /^TypeError: history must be a History or an array of epoch records, got \{"epoch":3\}$/,
  );
});

/** The epoch and value of a best-epoch result, without its record. */
function brief(best: { epoch: number; value: number }) {
  return { epoch: best.epoch, value: best.value };
}

Deno.test("bestEpoch() finds the lowest loss and the highest accuracy, first on ties", () => {
  // valLoss: lowest 0.6 at epochs 2 and 4 → epoch 2; valAcc: highest 0.8 at epoch 3
  const epochs = records([0.8, 0.6, 0.65, 0.6, 0.7], [0.5, 0.7, 0.8, 0.75, 0.8]);
  assert.deepEqual(brief(bestEpoch(epochs, "valLoss")), { epoch: 2, value: 0.6 });
  assert.deepEqual(brief(bestEpoch(epochs, "valAcc")), { epoch: 3, value: 0.8 });
  assert.deepEqual(brief(bestEpoch(epochs, "acc")), { epoch: 5, value: 0.54 });
  assert.deepEqual(brief(bestEpoch(epochs, "loss")), { epoch: 5, value: 1 / 5 });
  // the mode can be turned around
  assert.deepEqual(brief(bestEpoch(epochs, "valLoss", { mode: "max" })), { epoch: 1, value: 0.8 });
  assert.deepEqual(brief(bestEpoch(epochs, "valAcc", { mode: "min" })), { epoch: 1, value: 0.5 });
  // NaN never wins; the epoch number comes from the record, not the position
  const shifted = records([NaN, 0.9, NaN, 0.95]).map((e) => ({ ...e, epoch: e.epoch + 10 }));
  assert.deepEqual(brief(bestEpoch(shifted, "valLoss")), { epoch: 12, value: 0.9 });
  // the record is that epoch's own object, with every metric
  assert.equal(bestEpoch(epochs, "valAcc").record, epochs[2]);
  assert.equal(bestEpoch(shifted, "valLoss").record, shifted[1]);
});

Deno.test("bestEpoch() rejects an empty history, only NaN, and bad arguments", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => bestEpoch([], "valLoss"), /^RangeError: history must have at least one epoch/],
    [
      () => bestEpoch(records([NaN, NaN]), "valLoss"),
      /^RangeError: history has no epoch with a valLoss that is a number, only NaN$/,
    ],
    [() => bestEpoch(records([1]), "valAcc"), /^RangeError: history has no valAcc in epoch 1/],
    [
      () => bestEpoch(records([1]), "valLoss", { mode: "lowest" as "min" }),
      /^RangeError: mode must be one of "min", "max", got "lowest"$/,
    ],
  ];
  for (const [call, message] of cases) assert.throws(call, message);
});

Deno.test("bestEpoch() agrees with early stopping that runs to the epoch limit", () => {
  const rng = makeRng(7);
  for (let trial = 0; trial < 500; trial++) {
    const n = 1 + rng.int(30);
    // coarse values give ties; early stopping keeps the first of equal values, too
    const values = Array.from({ length: n }, () => Math.round(rng.next() * 10) / 10);
    const max = rng.next() < 0.5;
    const stopper = replayEarlyStopping(values, { patience: n, mode: max ? "max" : "min" });
    const r = stopper.result();
    assert.equal(r.cause, "epochLimit");
    const best = bestEpoch(records(values), "valLoss", { mode: max ? "max" : "min" });
    assert.deepEqual(
      { epoch: r.bestEpoch, value: r.bestValue },
      brief(best),
      JSON.stringify(values),
    );
  }
});

Deno.test("bestEpoch() and metricColumn() read a History from fit", async () => {
  const train = toTensors(makeMoons(32, { noise: 0.2, seed: 1 }));
  const dev = toTensors(makeMoons(32, { noise: 0.2, seed: 2 }));
  const model = mlp(2, { hidden: [8], seed: 1 });
  const history = await fit(model, train, {
    epochs: 6,
    validationData: dev,
    learningRate: 0.05,
    seed: 1,
    progress: false,
  });
  const column = metricColumn(history, "valLoss");
  assert.equal(column.length, 6);
  column.forEach((v, i) => assert.equal(v, history.epochs[i].valLoss));
  const { epoch, value } = bestEpoch(history, "valLoss");
  assert.equal(value, Math.min(...column));
  assert.equal(epoch, column.indexOf(value) + 1);
  tf.dispose([train.X, train.y, dev.X, dev.y]);
  model.dispose();
});
