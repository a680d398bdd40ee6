/**
 * Benchmark of lib's `fit` on the wasm backend, two workloads.
 *
 * Dense: lib's `fit` against tfjs `model.fit` on the reference workload (the L2 experiment
 * of the Keras regularization lecture): 2000 noisy moons, two hidden layers of 128 ReLU units
 * with L2(0.01) on both, sigmoid output, Adam (learning rate 1e-3), batch size 32, 20 epochs.
 * Both trainers start from the same weights (same model seed).
 *
 * CNN: lib's `fit` on the first 2000 images of the kit's Fashion-MNIST training subset
 * (`loadFashionMnist({ split: "train", limit: 2000 })`; the shipped subset is a
 * class-balanced cut of the full training file, the first 600 images of each class in file
 * order, so these 2000 hold 186 to 216 images of each class), pixels in [0, 1];
 * `cnn([28, 28, 1], { conv: [16, 32], dense: [64] })`: conv 3×3×16 same + ReLU + maxpool 2,
 * conv 3×3×32 same + ReLU + maxpool 2, dense 64 ReLU, dense 10 softmax; categorical
 * cross-entropy, Adam (learning rate 1e-3), batch size 64, 5 epochs. For comparison, PyTorch
 * eager on the CPU of a 2-core machine takes about 2.0 s for the same workload (best of 2).
 *
 * Grid: lib's `fit` on MLPs of several sizes, moons data (`makeMoons(n, { noise:
 * 0.2, seed: 1 })`), ReLU hidden layers, sigmoid output, binary cross-entropy, Adam
 * (learning rate 1e-3), no regularization: five workloads (n 2000
 * 2×32 batch 32 10 epochs; n 2000 2×128 batch 32 10 epochs; n 2000 2×512 batch 32 5 epochs;
 * n 20000 2×128 batch 256 5 epochs; n 2000 8×64 batch 32 5 epochs) and the variants the
 * lessons use: 8×64 with `batchNorm: true` and 2×128 with `dropout: 0.3` (same sizes,
 * batches and epochs as their plain rows). Each row is warmed up with a one-epoch run and
 * timed `--runs` times, best counts; it is printed in a table next to PyTorch eager's seconds
 * for the same workload on this 2-core machine (measured once; none for the
 * variants) and as one JSON line {"workload": …, "fit_s": …, "pytorch_s": …, "ratio": …}
 * with ratio = fit_s / pytorch_s (below 1: lib is faster; null without a PyTorch time).
 * `--grid=false` skips the grid; `--only=TEXT` runs only the grid rows whose name contains
 * TEXT (e.g. `--only=8x64`).
 *
 * Each trainer is warmed up once with a one-epoch run, then timed `--runs` times (default 3);
 * the best time of each counts. The last line is JSON for tooling (the reference dense
 * workload and the CNN; the grid's JSON lines come before it):
 * {"fit_s": …, "model_fit_s": …, "ratio": …, "final_train_acc": …, "cnn_fit_s": …,
 * "cnn_final_train_acc": …}
 * where ratio = model_fit_s / fit_s (how many times faster lib's fit is), final_train_acc is
 * the training accuracy of lib's dense model after its last run, and cnn_fit_s and
 * cnn_final_train_acc are the CNN workload's best time and its training accuracy after the
 * last run.
 *
 * Run: deno task bench   (or deno run -A bench/fit_bench.ts --runs=1 --grid=false)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { cnn } from "../lib/cnn.ts";
import { toTensors } from "../lib/datasets.ts";
import { imageTensors, loadFashionMnist } from "../lib/fashion_mnist.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { mlp } from "../lib/model.ts";
import { evaluate } from "../lib/predict.ts";
import { fit } from "../lib/train.ts";
import { GRID, type GridRow } from "./_grid.ts";

const EPOCHS = 20;
const BATCH_SIZE = 32;
const LEARNING_RATE = 1e-3;
const L2 = 0.01;
const MODEL_SEED = 1;
const CNN_IMAGES = 2000;
const CNN_EPOCHS = 5;
const CNN_BATCH_SIZE = 64;

function parseRuns(args: string[]): number {
  const arg = args.find((a) => a.startsWith("--runs="));
  const runs = arg === undefined ? 3 : Number(arg.slice("--runs=".length));
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`--runs must be a positive integer, got ${arg?.slice(7)}`);
  }
  return runs;
}

/** The value of `--name=value`, or undefined. */
function flag(args: string[], name: string): string | undefined {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}

async function timeGridFit(
  row: GridRow,
  data: { X: tf.Tensor2D; y: tf.Tensor2D },
  epochs: number,
): Promise<number> {
  const model = mlp(2, {
    hidden: row.hidden,
    activation: "relu",
    outputActivation: "sigmoid",
    batchNorm: row.batchNorm ?? false,
    dropout: row.dropout ?? 0,
    seed: MODEL_SEED,
  });
  const t0 = performance.now();
  const history = await fit(model, data, {
    epochs,
    batchSize: row.batchSize,
    optimizer: "adam",
    learningRate: LEARNING_RATE,
    seed: 7,
    progress: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (history.path !== "fast") throw new Error(`${row.workload} did not take the fast path`);
  model.dispose();
  return seconds;
}

/** Times the grid rows whose name contains `only`; prints a table and one JSON line per row. */
async function runGrid(runs: number, only: string | undefined) {
  const rows = GRID.filter((r) => only === undefined || r.workload.includes(only));
  if (rows.length === 0) throw new RangeError(`--only=${only} matches no grid row`);
  console.log(
    `grid: moons (noise 0.2), ReLU MLPs, sigmoid output, Adam ${LEARNING_RATE}, ` +
      `no regularization; best of ${runs} run${runs === 1 ? "" : "s"}`,
  );
  const results: { row: GridRow; fitS: number }[] = [];
  for (const row of rows) {
    const data = toTensors(makeMoons(row.n, { noise: 0.2, seed: 1 }));
    await timeGridFit(row, data, 1); // warm-up
    let best = Infinity;
    for (let r = 0; r < runs; r++) best = Math.min(best, await timeGridFit(row, data, row.epochs));
    tf.dispose([data.X, data.y]);
    results.push({ row, fitS: best });
  }
  const pad = Math.max(...rows.map((r) => r.workload.length));
  console.log(`${"workload".padEnd(pad)}  lib fit  PyTorch  lib/PyTorch`);
  for (const { row, fitS } of results) {
    const ratio = row.pytorchS === null ? "-" : (fitS / row.pytorchS).toFixed(2);
    const torch = row.pytorchS === null ? "-" : `${row.pytorchS.toFixed(2)} s`;
    console.log(
      `${row.workload.padEnd(pad)}  ${`${fitS.toFixed(2)} s`.padStart(7)}  ` +
        `${torch.padStart(7)}  ${ratio.padStart(11)}`,
    );
  }
  for (const { row, fitS } of results) {
    console.log(JSON.stringify({
      workload: row.workload,
      fit_s: Number(fitS.toFixed(3)),
      pytorch_s: row.pytorchS,
      ratio: row.pytorchS === null ? null : Number((fitS / row.pytorchS).toFixed(2)),
    }));
  }
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

async function timeCnnFit(data: { X: tf.Tensor4D; y: tf.Tensor2D }, epochs: number) {
  const model = cnn([28, 28, 1], { conv: [16, 32], dense: [64], seed: MODEL_SEED });
  const t0 = performance.now();
  await fit(model, data, {
    epochs,
    batchSize: CNN_BATCH_SIZE,
    optimizer: "adam",
    learningRate: LEARNING_RATE,
    loss: "categoricalCrossentropy",
    seed: 7,
    progress: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  const acc = evaluate(model, data).acc ?? NaN;
  model.dispose();
  return { seconds, acc };
}

const runs = parseRuns(Deno.args);
const gridArg = flag(Deno.args, "grid") ?? "true";
if (gridArg !== "true" && gridArg !== "false") {
  throw new RangeError(`--grid must be true or false, got ${gridArg}`);
}
const only = flag(Deno.args, "only");
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

const images = imageTensors(await loadFashionMnist({ split: "train", limit: CNN_IMAGES }));
console.log(
  `${CNN_IMAGES} Fashion-MNIST images, conv 16-32 + dense 64 + 10, Adam ${LEARNING_RATE}, ` +
    `batch ${CNN_BATCH_SIZE}, ${CNN_EPOCHS} epochs; best of ${runs} run${runs === 1 ? "" : "s"}`,
);
await timeCnnFit(images, 1); // warm-up
let cnnBest = Infinity, cnnAcc = NaN;
for (let r = 1; r <= runs; r++) {
  const run = await timeCnnFit(images, CNN_EPOCHS);
  cnnBest = Math.min(cnnBest, run.seconds);
  cnnAcc = run.acc;
  console.log(`run ${r}: cnn fit ${run.seconds.toFixed(2)} s (train acc ${run.acc.toFixed(3)})`);
}
tf.dispose([images.X, images.y]);

if (gridArg === "true") await runGrid(runs, only);

const ratio = modelFitBest / fitBest;
console.log(`lib fit:   ${fitBest.toFixed(2)} s`);
console.log(`model.fit: ${modelFitBest.toFixed(2)} s (final train acc ${modelFitAcc.toFixed(3)})`);
console.log(`ratio:     ${ratio.toFixed(2)}x faster`);
console.log(`cnn fit:   ${cnnBest.toFixed(2)} s (final train acc ${cnnAcc.toFixed(3)})`);
console.log(JSON.stringify({
  fit_s: Number(fitBest.toFixed(3)),
  model_fit_s: Number(modelFitBest.toFixed(3)),
  ratio: Number(ratio.toFixed(2)),
  final_train_acc: Number(finalAcc.toFixed(4)),
  cnn_fit_s: Number(cnnBest.toFixed(3)),
  cnn_final_train_acc: Number(cnnAcc.toFixed(4)),
}));
