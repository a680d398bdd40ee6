import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { dispose } from "../lib/memory.ts";
import { mlp } from "../lib/model.ts";

await initBackend("cpu");

Deno.test("dispose() frees tensors, {X, y} pairs and models", () => {
  const before = tf.memory().numTensors;
  const model = mlp(2, { hidden: [3], seed: 1 });
  const pair = { X: tf.zeros([2, 2]), y: tf.zeros([2, 1]) };
  const t = tf.scalar(3);
  assert.ok(tf.memory().numTensors > before);
  dispose(model, pair, t, undefined);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("dispose() names the item it cannot free", () => {
  assert.throws(() => dispose(tf.tidy(() => tf.scalar(1)), 5 as unknown as tf.Tensor), {
    name: "TypeError",
    message: "items[1] must be a tensor, a model or an {X, y} pair of tensors, got 5",
  });
});
