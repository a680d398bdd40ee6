/**
 * Benchmark: lib's `fit` against tfjs `model.fit` on the reference workload (the L2 experiment
 * of the Keras regularization lecture): 2000 noisy moons, two hidden layers of 128 ReLU units
 * with L2(0.01) on both, sigmoid output, Adam (learning rate 1e-3), batch size 32, 20 epochs,
 * wasm backend.
 *
 * Both trainers start from the same weights (same model seed). Each is warmed up once with a
 * one-epoch run, then timed `--runs` times (default 3); the best time of each counts.
 * The last line is JSON for tooling:
 * {"fit_s": …, "model_fit_s": …, "ratio": …, "final_train_acc": …}
 * where ratio = model_fit_s / fit_s (how many times faster lib's fit is) and
 * final_train_acc is the training accuracy of lib's model after its last run.
 *
 * Run: deno task bench   (or deno run -A bench/fit_bench.ts --runs=1)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { mlp } from "../lib/model.ts";
import { evaluate } from "../lib/predict.ts";
import { fit } from "../lib/train.ts";

const EPOCHS = 20;
const BATCH_SIZE = 32;
const LEARNING_RATE = 1e-3;
const L2 = 0.01;
const MODEL_SEED = 1;

function parseRuns(args: string[]): number {
  const arg = args.find((a) => a.startsWith("--runs="));
  const runs = arg === undefined ? 3 : Number(arg.slice("--runs=".length));
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`--runs must be a positive integer, got ${arg?.slice(7)}`);
  }
  return runs;
}

function buildModel(): tf.Sequential {
  return mlp(2, {
    hidden: [128, 128],
    activation: "relu",
    outputActivation: "sigmoid",
    kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
    seed: MODEL_SEED,
  });
}

async function timeLibFit(data: { X: tf.Tensor2D; y: tf.Tensor2D }, epochs: number) {
  const model = buildModel();
  const t0 = performance.now();
  await fit(model, data, {
    epochs,
    batchSize: BATCH_SIZE,
    optimizer: "adam",
    learningRate: LEARNING_RATE,
    seed: 7,
    progress: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  const acc = evaluate(model, data).acc ?? NaN;
  model.dispose();
  return { seconds, acc };
}

async function timeModelFit(data: { X: tf.Tensor2D; y: tf.Tensor2D }, epochs: number) {
  const model = buildModel();
  const optimizer = tf.train.adam(LEARNING_RATE);
  model.compile({ optimizer, loss: "binaryCrossentropy", metrics: ["accuracy"] });
  const t0 = performance.now();
  const h = await model.fit(data.X, data.y, {
    epochs,
    batchSize: BATCH_SIZE,
    shuffle: true,
    verbose: 0,
  });
  const seconds = (performance.now() - t0) / 1000;
  const acc = Number(h.history.acc.at(-1));
  model.dispose();
  optimizer.dispose();
  return { seconds, acc };
}

const runs = parseRuns(Deno.args);
const backend = await initBackend("wasm");
const data = toTensors(makeMoons(2000, { noise: 0.2, seed: 1 }));
console.log(
  `backend ${backend}; 2000 moons, 2-128-128-1 ReLU, L2(${L2}), Adam ${LEARNING_RATE}, ` +
    `batch ${BATCH_SIZE}, ${EPOCHS} epochs; best of ${runs} run${runs === 1 ? "" : "s"}`,
);

await timeLibFit(data, 1); // warm-up
await timeModelFit(data, 1);

let fitBest = Infinity, modelFitBest = Infinity, finalAcc = NaN, modelFitAcc = NaN;
for (let r = 1; r <= runs; r++) {
  const lib = await timeLibFit(data, EPOCHS);
  const ref = await timeModelFit(data, EPOCHS);
  fitBest = Math.min(fitBest, lib.seconds);
  modelFitBest = Math.min(modelFitBest, ref.seconds);
  finalAcc = lib.acc;
  modelFitAcc = ref.acc;
  console.log(
    `run ${r}: lib fit ${lib.seconds.toFixed(2)} s (train acc ${lib.acc.toFixed(3)}), ` +
      `model.fit ${ref.seconds.toFixed(2)} s (train acc ${ref.acc.toFixed(3)})`,
  );
}
tf.dispose([data.X, data.y]);

const ratio = modelFitBest / fitBest;
console.log(`lib fit:   ${fitBest.toFixed(2)} s`);
console.log(`model.fit: ${modelFitBest.toFixed(2)} s (final train acc ${modelFitAcc.toFixed(3)})`);
console.log(`ratio:     ${ratio.toFixed(2)}x faster`);
console.log(JSON.stringify({
  fit_s: Number(fitBest.toFixed(3)),
  model_fit_s: Number(modelFitBest.toFixed(3)),
  ratio: Number(ratio.toFixed(2)),
  final_train_acc: Number(finalAcc.toFixed(4)),
}));
