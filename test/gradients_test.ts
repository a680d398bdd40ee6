import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { meanLoss } from "../lib/_losses.ts";
import { initBackend } from "../lib/backend.ts";
import { gradientNormChart } from "../lib/charts/gradient_norms.ts";
import { dropoutMask } from "../lib/dropout.ts";
import { gradientStats, type KernelGradientStats } from "../lib/gradients.ts";
import { mlp, type MlpOptions } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { optionTableTests } from "./_options_table.ts";

await initBackend("wasm");

type Act = "tanh" | "sigmoid" | "relu" | "linear" | "softmax";

/** A seeded batch: X [m, n] standard normal, y one-hot of k classes (k = 1: labels 0/1). */
function batch(m: number, n: number, k: number, seed: number) {
  const rng = makeRng(seed);
  const X = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
  const y = X.map(() => {
    const c = rng.int(k === 1 ? 2 : k);
    return k === 1 ? [c] : Array.from({ length: k }, (_, j) => (j === c ? 1 : 0));
  });
  return { X, y };
}

/** A row-major matrix as rows. */
function rows(values: ArrayLike<number>, cols: number): number[][] {
  return Array.from(
    { length: values.length / cols },
    (_, i) => Array.from(values).slice(i * cols, (i + 1) * cols),
  );
}

const matMul = (a: number[][], b: number[][]) =>
  a.map((r) => b[0].map((_, j) => r.reduce((s, v, t) => s + v * b[t][j], 0)));
const transpose = (a: number[][]) => a[0].map((_, j) => a.map((r) => r[j]));
const zip = (a: number[][], b: number[][], f: (x: number, y: number) => number) =>
  a.map((r, i) => r.map((v, j) => f(v, b[i][j])));

function activate(z: number[][], act: Act): number[][] {
  if (act === "softmax") {
    return z.map((r) => {
      const top = Math.max(...r), e = r.map((v) => Math.exp(v - top));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
  }
  const f = {
    tanh: Math.tanh,
    sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
    relu: (v: number) => Math.max(0, v),
    linear: (v: number) => v,
  }[act];
  return z.map((r) => r.map(f));
}

/** g′(z) from z and a = g(z). */
function slope(z: number, a: number, act: Act): number {
  if (act === "tanh") return 1 - a * a;
  if (act === "sigmoid") return a * (1 - a);
  if (act === "relu") return z > 0 ? 1 : 0;
  return 1;
}

/**
 * Backpropagation by hand, in double precision, for Dense layers ws = [W1, b1, W2, b2, …]
 * with hidden activations `acts`, an output activation and its loss (sigmoid → binary
 * cross-entropy, softmax → categorical cross-entropy, linear → mean squared error), and
 * optional inverted-dropout masks after the hidden layers. Returns the loss, each kernel's
 * gradient and each layer's output (dropout outputs included), as the model lists them.
 */
function byHand(
  ws: number[][][],
  X: number[][],
  Y: number[][],
  acts: Act[],
  outAct: Act,
  masks: (number[][] | undefined)[] = [],
  keepProb = 1,
) {
  const m = X.length, k = Y[0].length, layers = ws.length / 2;
  const inputs: number[][][] = [], zs: number[][][] = [], acted: number[][][] = [];
  const outputs: number[][][] = [];
  let a = X;
  for (let l = 0; l < layers; l++) {
    const [W, [b]] = [ws[2 * l], ws[2 * l + 1]];
    inputs.push(a);
    const z = matMul(a, W).map((r) => r.map((v, j) => v + b[j]));
    zs.push(z);
    a = activate(z, l < layers - 1 ? acts[l] : outAct);
    acted.push(a);
    outputs.push(a);
    if (masks[l]) {
      a = zip(a, masks[l]!, (v, r) => (v * r) / keepProb);
      outputs.push(a);
    }
  }
  const p = a;
  let loss = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const [pv, yv] = [p[i][j], Y[i][j]];
      if (outAct === "sigmoid") loss -= (yv * Math.log(pv) + (1 - yv) * Math.log(1 - pv)) / k;
      else if (outAct === "softmax") loss -= yv * Math.log(pv);
      else loss += (pv - yv) ** 2 / k;
    }
  }
  loss /= m;
  // ∂L/∂z at the output: (p − y)/(m·k) for sigmoid + BCE, (p − y)/m for softmax + CE,
  // 2(p − y)/(m·k) for linear + MSE
  const scale = outAct === "sigmoid" ? 1 / (m * k) : outAct === "softmax" ? 1 / m : 2 / (m * k);
  let dz = zip(p, Y, (pv, yv) => (pv - yv) * scale);
  const grads: number[][][] = [];
  for (let l = layers - 1; l >= 0; l--) {
    grads.unshift(matMul(transpose(inputs[l]), dz));
    if (l === 0) break;
    let da = matMul(dz, transpose(ws[2 * l]));
    if (masks[l - 1]) da = zip(da, masks[l - 1]!, (v, r) => (v * r) / keepProb);
    const [z, g] = [zs[l - 1], acted[l - 1]];
    dz = da.map((r, i) => r.map((v, j) => v * slope(z[i][j], g[i][j], acts[l - 1])));
  }
  return { loss, grads, outputs };
}

/** Mean and population standard deviation. */
function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(v) };
}

/** Asserts a = b within `rel` of b's size (plus a floor for values near 0). */
function close(a: number, b: number, what: string, rel = 1e-4, floor = 1e-7): void {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + floor, `${what}: ${a} vs ${b}`);
}

/** Checks one kernel's statistics and values against a gradient computed another way. */
function checkKernel(got: KernelGradientStats, want: number[][], what: string): void {
  const flat = want.flat();
  const norm = Math.sqrt(flat.reduce((s, v) => s + v * v, 0));
  close(got.norm, norm, `${what} norm`);
  close(got.meanAbs, flat.reduce((s, v) => s + Math.abs(v), 0) / flat.length, `${what} mean |g|`);
  const { mean, std } = meanStd(flat);
  close(got.mean, mean, `${what} mean`, 1e-4, 1e-6 * norm);
  close(got.std, std, `${what} std`);
  assert.equal(got.size, flat.length);
  assert.ok(got.values, `${what}: values kept`);
  got.values!.forEach((v, i) => close(v, flat[i], `${what}[${i}]`, 1e-4, 1e-5 * norm));
}

function weightsOf(model: tf.LayersModel): number[][][] {
  return model.getWeights().map((w) => rows(w.dataSync(), w.shape.at(-1)!));
}

const CASES: { hidden: number[]; acts: Act[]; out: Act; k: number }[] = [
  { hidden: [5], acts: ["tanh"], out: "sigmoid", k: 1 },
  { hidden: [6, 4], acts: ["relu", "sigmoid"], out: "softmax", k: 3 },
  { hidden: [4], acts: ["sigmoid"], out: "linear", k: 2 },
];

Deno.test("gradientStats() matches backpropagation by hand: loss, every kernel's gradient, every output", () => {
  for (const [c, { hidden, acts, out, k }] of CASES.entries()) {
    const model = mlp(3, {
      hidden,
      activation: acts as MlpOptions["activation"],
      outputActivation: out as MlpOptions["outputActivation"],
      outputUnits: k,
      kernelInitializer: "heNormal",
      seed: 10 + c,
    });
    const { X, y } = batch(16, 3, k, c);
    const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
    const stats = gradientStats(model, { X: Xt, y: yt }, { values: true });
    const hand = byHand(weightsOf(model), X, y, acts, out);
    const what = `case ${c}`;
    close(stats.loss, hand.loss, `${what} loss`);
    assert.equal(
      stats.lossName,
      { sigmoid: "binaryCrossentropy", softmax: "categoricalCrossentropy" }[
        out as string
      ] ?? "meanSquaredError",
    );
    assert.deepEqual(stats.kernels.map((s) => s.depth), hidden.concat(k).map((_, l) => l + 1));
    assert.deepEqual(
      stats.kernels.map((s) => s.shape),
      [3, ...hidden].map((n, l) => [n, [...hidden, k][l]]),
    );
    stats.kernels.forEach((s, l) => checkKernel(s, hand.grads[l], `${what} W[${l + 1}]`));
    stats.kernels.forEach((s, l) =>
      close(
        s.weightNorm,
        Math.sqrt(weightsOf(model)[2 * l].flat().reduce((a, v) => a + v * v, 0)),
        "‖W‖",
      )
    );
    assert.equal(stats.activations.length, hand.outputs.length);
    stats.activations.forEach((a, l) => {
      const want = meanStd(hand.outputs[l].flat());
      close(a.mean, want.mean, `${what} a[${l + 1}] mean`, 1e-4, 1e-6);
      close(a.std, want.std, `${what} a[${l + 1}] std`, 1e-4, 1e-6);
    });
    assert.deepEqual(stats.activations.map((a) => a.activation), [...acts, out]);
    assert.equal(stats.penalty, 0);
    assert.equal(stats.examples, 16);
    tf.dispose([Xt, yt]);
    model.dispose();
  }
});

Deno.test("gradientStats() applies the dropout masks drawn from its seed, and none in inference", () => {
  const rate = 0.5, seed = 21;
  const model = mlp(3, { hidden: [8, 6], activation: "tanh", dropout: rate, seed: 4 });
  const { X, y } = batch(12, 3, 1, 5);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const stats = gradientStats(model, { X: Xt, y: yt }, { seed, values: true });
  // one mask per Dropout layer, from the generator started at the seed, as invertedDropout draws
  const rng = makeRng(seed);
  const masks = [8, 6].map((units) => {
    const t = dropoutMask([12, units], { keepProb: 1 - rate, seed: rng.int(2147483647) });
    const r = rows(t.dataSync(), units);
    t.dispose();
    return r;
  });
  const hand = byHand(weightsOf(model), X, y, ["tanh", "tanh"], "sigmoid", masks, 1 - rate);
  close(stats.loss, hand.loss, "loss");
  stats.kernels.forEach((s, l) => checkKernel(s, hand.grads[l], `W[${l + 1}]`));
  stats.activations.forEach((a, l) =>
    close(a.std, meanStd(hand.outputs[l].flat()).std, `output ${l} std`, 1e-4, 1e-6)
  );
  assert.deepEqual(stats.activations.map((a) => a.className), [
    "Dense",
    "Dropout",
    "Dense",
    "Dropout",
    "Dense",
  ]);
  // the same seed repeats the measurement, another seed draws other masks
  assert.deepEqual(gradientStats(model, { X: Xt, y: yt }, { seed, values: true }), stats);
  const other = gradientStats(model, { X: Xt, y: yt }, { seed: seed + 1 });
  assert.notEqual(other.kernels[0].norm, stats.kernels[0].norm);
  // inference: dropout is the identity
  const inference = gradientStats(model, { X: Xt, y: yt }, { training: false, values: true });
  const plain = byHand(weightsOf(model), X, y, ["tanh", "tanh"], "sigmoid");
  inference.kernels.forEach((s, l) => checkKernel(s, plain.grads[l], `inference W[${l + 1}]`));
  tf.dispose([Xt, yt]);
  model.dispose();
});

Deno.test("gradientStats() agrees with tfjs autodiff over model.apply in training mode, batch norm included", () => {
  const model = mlp(4, { hidden: [6, 5], activation: "relu", batchNorm: true, seed: 2 });
  const { X, y } = batch(20, 4, 1, 3);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const stats = gradientStats(model, { X: Xt, y: yt }, { values: true });
  // measuring changed nothing: weights and batch norm's moving statistics are as they were
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);
  const kernels = model.layers.flatMap((l) =>
    l.trainableWeights.filter((w) => w.originalName.endsWith("/kernel"))
  ).map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => meanLoss("binaryCrossentropy", yt, model.apply(Xt, { training: true }) as tf.Tensor),
    kernels,
  );
  close(stats.loss, value.dataSync()[0], "loss");
  kernels.forEach((v, l) => {
    const want = rows(grads[v.name].dataSync(), v.shape[1]!);
    checkKernel(stats.kernels[l], want, `W[${l + 1}]`);
  });
  // batch norm in training mode normalizes with the batch's statistics: mean 0, std ≈ 1
  const bn = stats.activations.filter((a) => a.className === "BatchNormalization");
  assert.equal(bn.length, 2);
  for (const a of bn) {
    assert.ok(
      Math.abs(a.mean) < 1e-5 && Math.abs(a.std - 1) < 0.01,
      `${a.layer}: ${a.mean}, ${a.std}`,
    );
  }
  tf.dispose([value, grads, Xt, yt]);
  model.dispose();
});

Deno.test("gradientStats() adds the weight penalty's gradient 2λW on the penalized kernels, as fit does", () => {
  const lambda = 0.01;
  const model = mlp(3, {
    hidden: [5],
    kernelRegularizer: tf.regularizers.l2({ l2: lambda }),
    seed: 6,
  });
  const { X, y } = batch(10, 3, 1, 7);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const withPenalty = gradientStats(model, { X: Xt, y: yt }, { values: true });
  const without = gradientStats(model, { X: Xt, y: yt }, { values: true, penalty: false });
  const W1 = weightsOf(model)[0].flat();
  close(withPenalty.penalty, lambda * W1.reduce((s, w) => s + w * w, 0), "penalty");
  assert.equal(without.penalty, 0);
  assert.equal(withPenalty.loss, without.loss);
  withPenalty.kernels[0].values!.forEach((g, i) =>
    close(g - without.kernels[0].values![i], 2 * lambda * W1[i], `W1[${i}]`, 1e-3, 1e-7)
  );
  assert.deepEqual(withPenalty.kernels[1].values, without.kernels[1].values);
  tf.dispose([Xt, yt]);
  model.dispose();
});

Deno.test("gradientStats() shows vanishing gradients with sigmoid and Glorot, steady ones with ReLU and He", () => {
  const { X, y } = batch(128, 10, 1, 8);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const norms = (
    activation: "sigmoid" | "relu",
    kernelInitializer: "glorotNormal" | "heNormal",
  ) => {
    const model = mlp(10, { hidden: Array(8).fill(32), activation, kernelInitializer, seed: 9 });
    const out = gradientStats(model, { X: Xt, y: yt }).kernels.map((k) => k.norm);
    model.dispose();
    return out;
  };
  const sigmoid = norms("sigmoid", "glorotNormal"), relu = norms("relu", "heNormal");
  // each sigmoid layer multiplies the backward signal by σ′ ≤ 1/4
  assert.ok(sigmoid[0] < 1e-3 * sigmoid.at(-1)!, `sigmoid: ${sigmoid}`);
  assert.ok(relu[0] > 0.05 * relu.at(-1)!, `relu: ${relu}`);
  tf.dispose([Xt, yt]);
});

Deno.test("gradientStats() keeps values only when asked, and leaves no tensors behind", () => {
  const model = mlp(3, { hidden: [4], dropout: 0.3, batchNorm: true, seed: 1 });
  const { X, y } = batch(8, 3, 1, 2);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const before = tf.memory().numTensors;
  const stats = gradientStats(model, { X: Xt, y: yt }, { seed: 1 });
  assert.ok(stats.kernels.every((k) => !("values" in k)));
  gradientStats(model, { X: Xt, y: yt }, { training: false, values: true });
  assert.throws(() => gradientStats(model, { X: Xt, y: tf.tensor1d([2, 0, 0, 0, 0, 0, 0, 0]) }));
  assert.equal(tf.memory().numTensors, before + 1); // the tensor1d made just above
  tf.dispose([Xt, yt]);
  model.dispose();
});

Deno.test("gradientStats() rejects bad arguments with a clear message", () => {
  const model = mlp(3, { hidden: [4], seed: 1 });
  const X = tf.zeros([4, 3]), y = tf.zeros([4, 1]);
  const input = tf.input({ shape: [3] });
  const functional = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor,
  });
  const cases: [() => unknown, RegExp][] = [
    [
      () => gradientStats(functional, { X, y }),
      /model must be a tf.Sequential .*got a functional LayersModel/,
    ],
    [() => gradientStats(model, { X, y }, { seeds: 1 } as never), /options has no setting "seeds"/],
    [
      () => gradientStats(model, { X, y }, { training: "yes" as never }),
      /options.training must be true or false, got "yes"/,
    ],
    [
      () => gradientStats(model, { X, y }, { seed: 0.5 }),
      /options.seed must be an integer, got 0.5/,
    ],
    [
      () => gradientStats(model, { X, y }, { loss: "hinge" as never }),
      /loss must be one of .*got "hinge"/,
    ],
    [() => gradientStats(model, { X: tf.zeros([4, 2]), y }), /data.X must have 3 columns/],
    [() => gradientStats(model, { X } as never), /data.y must be a tensor, got undefined/],
    [() => gradientStats(model, { X, y: tf.fill([4, 1], 2) }), /data.y must hold labels 0 or 1/],
  ];
  const before = tf.memory().numTensors;
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
      String(message),
    );
  }
  // the two tensors made inside the cases' arguments above are the only new ones
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose([X, y]);
  model.dispose();
  functional.dispose();
});

/** Two runs of gradientStats on the same batch, as a lesson would draw them. */
function twoRuns() {
  const { X, y } = batch(64, 6, 1, 11);
  const [Xt, yt] = [tf.tensor2d(X), tf.tensor2d(y)];
  const runs = (
    [["sigmoid, Glorot", "sigmoid", "glorotNormal"], ["ReLU, He", "relu", "heNormal"]] as const
  ).map(([name, activation, kernelInitializer]) => {
    const model = mlp(6, { hidden: [16, 16, 16], activation, kernelInitializer, seed: 12 });
    const { kernels } = gradientStats(model, { X: Xt, y: yt });
    model.dispose();
    return { name, layers: kernels };
  });
  tf.dispose([Xt, yt]);
  return runs;
}

Deno.test("gradientNormChart() draws one line per run of norm against layer number, log scale", async () => {
  const runs = twoRuns();
  const spec = gradientNormChart(runs, { subtitle: "one batch" });
  assert.equal(spec.$schema, SCHEMA_V5);
  const rows =
    (spec.data as { values: { run: string; depth: number; layer: string; norm: number }[] })
      .values;
  assert.deepEqual(
    rows.map((r) => [r.run, r.depth, r.layer]),
    runs.flatMap((r) => r.layers.map((l) => [r.name, l.depth, l.layer])),
  );
  rows.forEach((r, i) => {
    const want = runs.flatMap((run) => run.layers)[i].norm;
    assert.ok(Math.abs(r.norm - want) <= 5e-6 * want, `${r.run} ${r.depth}`); // 6 digits kept
  });
  const enc = spec.encoding as Record<string, { field: string; scale?: Record<string, unknown> }>;
  assert.deepEqual([enc.x.field, enc.y.field, enc.y.scale?.type], ["depth", "norm", "log"]);
  assert.deepEqual(enc.x.scale?.domain, [1, 4]);
  const svg = await renderClean(spec);
  assert.equal(markGroups(svg, "line", "norms").length, 2);
  assert.ok(svg.includes(">sigmoid, Glorot</text>") && svg.includes(">ReLU, He</text>"));
  assert.ok(svg.includes(">Gradient norm per layer</text>") && svg.includes(">one batch</text>"));
  assertFreshAndPure(() => gradientNormChart(runs), runs.map((r) => r.name));
});

Deno.test("gradientNormChart() takes one run as a plain array of layers, and zeros on a linear scale", async () => {
  const layers = [{ depth: 1, norm: 0 }, { depth: 2, norm: 0.5, layer: "output" }];
  const spec = gradientNormChart(layers, { logY: false, title: "Zeros" });
  const rows = (spec.data as { values: Record<string, unknown>[] }).values;
  assert.deepEqual(rows, [
    { run: "gradient", depth: 1, layer: "layer 1", norm: 0 },
    { run: "gradient", depth: 2, layer: "output", norm: 0.5 },
  ]);
  assert.equal((spec.encoding as { y: { scale?: unknown } }).y.scale, undefined);
  await renderClean(spec);
  await renderClean(gradientNormChart([{ depth: 1, norm: 2 }])); // a single layer
});

Deno.test("gradientNormChart() rejects bad runs with the name and the value", () => {
  const ok = { depth: 1, norm: 0.1 };
  const cases: [() => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [
      () => gradientNormChart([]),
      /^runs must be a non-empty array of layers or \{ name, layers \} runs, got an empty array$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ depth: 0, norm: 1 }]),
      /^runs\[0\].depth must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ depth: 1, norm: NaN }]),
      /^runs\[0\].norm must be a finite number, got NaN$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ depth: 1, norm: -1 }]),
      /^runs\[0\].norm must be >= 0, got -1$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ depth: 1, norm: 0 }]),
      /^runs\[0\].norm must be > 0 on a log scale, got 0; pass options.logY: false to draw it$/,
      RangeError,
    ],
    [
      () => gradientNormChart([ok, ok]),
      /^runs\[1\].depth must be unique within its run, got 1 twice$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ name: "a", layers: [ok] }, { name: "a", layers: [ok] }]),
      /^runs\[1\].name must be unique, got "a" twice$/,
      RangeError,
    ],
    [
      () => gradientNormChart([{ name: "a", layers: [{ depth: 1, norm: "big" }] }] as never),
      /^runs\[0\].layers\[0\].norm must be a finite number, got "big"$/,
      TypeError,
    ],
    [
      () => gradientNormChart([ok], { logY: 1 } as never),
      /^options.logY must be true or false, got 1$/,
      TypeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: Error) => e instanceof kind && message.test(e.message),
      String(message),
    );
  }
});

optionTableTests([
  {
    name: "gradientStats",
    call: (o) => {
      const model = mlp(2, { hidden: [3], seed: 1 });
      const [X, y] = [tf.zeros([2, 2]), tf.zeros([2, 1])];
      try {
        return gradientStats(model, { X, y }, o);
      } finally {
        tf.dispose([X, y]);
        model.dispose();
      }
    },
    valid: ["training", "seed", "loss", "penalty", "values"],
    example: true,
  },
  {
    name: "gradientNormChart",
    call: (o) => gradientNormChart([{ depth: 1, norm: 1 }], o),
    valid: ["logY", "title", "subtitle", "xTitle", "yTitle", "width", "height"],
    example: false,
  },
], { label: "gradient" });
