/**
 * Benchmark: one training step of a small CNN on the wasm backend, with lib's convolution
 * kernels (`lib/_conv_kernels.ts`, registered by `initBackend`).
 *
 * The model: input [64, 28, 28, 1]; conv 3×3×16 same + ReLU + maxpool 2, conv 3×3×32 same +
 * ReLU + maxpool 2, flatten, dense 64 ReLU, dense 10 softmax; categorical cross-entropy
 * (lib's, as `fit` computes it), Adam (learning rate 1e-3). A step is what `fit`'s generic
 * path does: `tf.variableGrads` over `model.apply`, then the optimizer's update.
 *
 * Prints the best and median step time over `--steps` steps (default 40), the time of an
 * epoch of 2000 images (31 batches of 64 and one of 16, gathered by index as `fit` does;
 * best of 3), and the time per kernel (the best of 5 profiled steps, summed by kernel and
 * input shapes). The last line is JSON for tooling:
 * {"step_ms": …, "step_median_ms": …, "epoch_s": …, "kernels_ms": {…the 20 slowest…}}
 *
 * With `--batchnorm`, each convolution (without bias) is followed by batch normalization and
 * then the ReLU, as `cnn({ batchNorm: true })` builds it.
 *
 * Run: deno run -A bench/conv_bench.ts [--steps=40] [--batchnorm]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { meanLoss } from "../lib/_losses.ts";
import { makeRng } from "../lib/random.ts";

const BATCH = 64;
const EPOCH_IMAGES = 2000;

function parseSteps(args: string[]): number {
  const arg = args.find((a) => a.startsWith("--steps="));
  const steps = arg === undefined ? 40 : Number(arg.slice("--steps=".length));
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`--steps must be a positive integer, got ${arg?.slice(8)}`);
  }
  return steps;
}

/** One block: conv 3×3 same + ReLU, or conv (no bias) + batch norm + ReLU; then maxpool 2. */
function block(
  filters: number,
  seed: number,
  batchNorm: boolean,
  first: boolean,
): tf.layers.Layer[] {
  const conv = tf.layers.conv2d({
    ...(first ? { inputShape: [28, 28, 1] } : {}),
    filters,
    kernelSize: 3,
    padding: "same",
    activation: batchNorm ? "linear" : "relu",
    useBias: !batchNorm,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
  const norm = batchNorm
    ? [tf.layers.batchNormalization(), tf.layers.activation({ activation: "relu" })]
    : [];
  return [conv, ...norm, tf.layers.maxPooling2d({ poolSize: 2 })];
}

function buildModel(batchNorm: boolean): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      ...block(16, 1, batchNorm, true),
      ...block(32, 2, batchNorm, false),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(4) }),
    ],
  });
}

/** Seeded images in [0, 1) and one-hot labels of 10 classes. */
function makeData(n: number): { X: tf.Tensor4D; y: tf.Tensor2D } {
  const rng = makeRng(5);
  const X = tf.tensor4d(Float32Array.from({ length: n * 784 }, () => rng.next()), [n, 28, 28, 1]);
  const labels = Array.from({ length: n }, () => Math.floor(10 * rng.next()));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 10).toFloat() as tf.Tensor2D);
  return { X, y };
}

const backend = await initBackend("wasm");
if (backend !== "wasm") throw new Error("the wasm backend did not start");
const batchNorm = Deno.args.includes("--batchnorm");
const model = buildModel(batchNorm);
const optimizer = tf.train.adam(1e-3);
const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);

/** One training step; returns the loss. */
function trainStep(xb: tf.Tensor, yb: tf.Tensor): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () =>
        meanLoss("categoricalCrossentropy", yb, model.apply(xb, { training: true }) as tf.Tensor),
      vars,
    );
    optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    return value.dataSync()[0];
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const steps = parseSteps(Deno.args);
const { X, y } = makeData(EPOCH_IMAGES);
const xb = X.slice(0, BATCH), yb = y.slice(0, BATCH);

for (let i = 0; i < 3; i++) trainStep(xb, yb); // warm-up: Adam's slots, XNNPACK operators, JIT
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  trainStep(xb, yb);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  `step (batch ${BATCH}${batchNorm ? ", batch norm" : ""}): best ${
    times[0].toFixed(1)
  } ms, median ${quantile(times, 0.5).toFixed(1)} ms over ${steps} steps`,
);

// An epoch as fit runs it: shuffled batches gathered by index.
const rng = makeRng(9);
let epochBest = Infinity;
for (let run = 0; run < 3; run++) {
  const order = rng.shuffle([...Array(EPOCH_IMAGES).keys()]);
  const t0 = performance.now();
  for (let start = 0; start < EPOCH_IMAGES; start += BATCH) {
    const [xe, ye] = tf.tidy(() => {
      const idx = tf.tensor1d(order.slice(start, start + BATCH), "int32");
      return [tf.gather(X, idx), tf.gather(y, idx)];
    });
    trainStep(xe, ye);
    tf.dispose([xe, ye]);
  }
  epochBest = Math.min(epochBest, (performance.now() - t0) / 1000);
}
console.log(
  `epoch of ${EPOCH_IMAGES} images: best ${epochBest.toFixed(3)} s (5 epochs: ${
    (5 * epochBest).toFixed(2)
  } s)`,
);

// Per-kernel time: the best of 5 profiled steps for each kernel and input shapes.
const best = new Map<string, number>();
for (let rep = 0; rep < 5; rep++) {
  const profile = await tf.profile(() => {
    trainStep(xb, yb);
  });
  const sums = new Map<string, number>();
  for (const k of profile.kernels) {
    if (k.name.endsWith("__op")) continue; // an op's scope (fused ops), not a kernel
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    sums.set(key, (sums.get(key) ?? 0) + ms);
  }
  for (const [key, ms] of sums) best.set(key, Math.min(best.get(key) ?? Infinity, ms));
}
const rows = [...best].sort((a, b) => b[1] - a[1]);
const total = rows.reduce((s, [, ms]) => s + ms, 0);
console.log(`kernels (best of 5 profiled steps), sum ${total.toFixed(1)} ms:`);
for (const [key, ms] of rows.filter(([, ms]) => ms >= 0.1)) {
  console.log(`${ms.toFixed(2).padStart(7)} ms  ${key}`);
}
const rest = rows.filter(([, ms]) => ms < 0.1);
console.log(
  `${rest.reduce((s, [, ms]) => s + ms, 0).toFixed(2).padStart(7)} ms  ${rest.length} others`,
);

console.log(JSON.stringify({
  step_ms: +times[0].toFixed(2),
  step_median_ms: +quantile(times, 0.5).toFixed(2),
  epoch_s: +epochBest.toFixed(3),
  kernels_ms: Object.fromEntries(rows.slice(0, 20).map(([k, ms]) => [k, +ms.toFixed(3)])),
}));
tf.dispose([X, y, xb, yb]);
optimizer.dispose();
model.dispose();
