import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeBlobs, makeMoons, makeRegression1d } from "../lib/synthetic.ts";
import { mlp } from "../lib/model.ts";
import { fit } from "../lib/train.ts";
import { accuracy, evaluate, predictProba } from "../lib/predict.ts";

await initBackend();

/** The fraction of rows whose arg-max (or p ≥ 0.5 for one column) is the label, by hand. */
function accuracyByHand(probs: number[][], labels: number[][]): number {
  let right = 0;
  for (const [i, row] of probs.entries()) {
    const predicted = row.length === 1 ? (row[0] >= 0.5 ? 1 : 0) : row.indexOf(Math.max(...row));
    const label = labels[i].length === 1 ? labels[i][0] : labels[i].indexOf(1);
    if (predicted === label) right += 1;
  }
  return right / probs.length;
}

Deno.test("accuracy() of a binary and a softmax classifier matches a count by hand", async () => {
  const moons = toTensors(makeMoons(120, { noise: 0.2, seed: 3 }));
  const blobs = toTensors(makeBlobs(120, { centers: 3, seed: 3 }));
  const binary = mlp(2, { hidden: [8], seed: 3 });
  const softmax = mlp(2, { hidden: [8], outputUnits: 3, outputActivation: "softmax", seed: 3 });
  await fit(binary, moons, { epochs: 5, seed: 3, progress: false });
  await fit(softmax, blobs, { epochs: 5, seed: 3, progress: false });
  for (const [model, data] of [[binary, moons], [softmax, blobs]] as const) {
    const acc = accuracy(model, data);
    const byHand = accuracyByHand(predictProba(model, data.X), data.y.arraySync() as number[][]);
    assert.ok(Math.abs(acc - byHand) < 1e-6, `accuracy ${acc}, by hand ${byHand}`);
    assert.equal(acc, evaluate(model, data).acc);
  }
  tf.dispose([moons.X, moons.y, blobs.X, blobs.y]);
  binary.dispose();
  softmax.dispose();
});

Deno.test("accuracy() of a regression model is an error that says why", () => {
  const line = toTensors(makeRegression1d(20, { seed: 4 }));
  const model = mlp(1, { hidden: [4], outputActivation: "linear", seed: 4 });
  const before = tf.memory().numTensors;
  assert.throws(
    () => accuracy(model, line),
    /^RangeError: accuracy needs a classifier \(a sigmoid or softmax output with a crossentropy loss\); this model's loss is "meanSquaredError"$/,
  );
  assert.throws(() => accuracy(model, line, { los: "x" } as never), /has no setting "los"/);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([line.X, line.y]);
  model.dispose();
});
