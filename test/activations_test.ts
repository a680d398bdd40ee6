import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { activationStats } from "../lib/activations.ts";
import { initBackend } from "../lib/backend.ts";
import { activationHistograms } from "../lib/charts.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { renderClean } from "./_chart_helpers.ts";

await initBackend("wasm");

function inputs(m: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: m }, () => [2 * rng.normal() + 1, rng.normal() - 3]);
}

/** Mean and variance of all values, by E[x²] − E[x]². */
function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0, s2 = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const mean = s / values.length;
  return { mean, variance: s2 / values.length - mean * mean };
}

Deno.test("activationStats() in inference mode", async (t) => {
  const model = mlp(2, { hidden: [6, 4], activation: "tanh", seed: 3 });
  const rows = inputs(50, 1);
  await t.step("the first layer's statistics equal tanh(XW + b) computed by hand", () => {
    const stats = activationStats(model, rows);
    assert.deepEqual(stats.map((s) => s.layer), ["hidden1", "hidden2", "output"]);
    const [W, b] = model.layers[0].getWeights().map((w) => w.arraySync()) as [
      number[][],
      number[],
    ];
    const a = rows.map((x) => b.map((bj, j) => Math.tanh(x[0] * W[0][j] + x[1] * W[1][j] + bj)));
    const flat = a.flat();
    const { mean, variance } = moments(flat);
    const first = stats[0];
    assert.equal(first.examples, 50);
    assert.equal(first.units, 6);
    assert.equal(first.activation, "tanh");
    assert.ok(Math.abs(first.mean - mean) < 1e-5);
    assert.ok(Math.abs(first.variance - variance) < 1e-5);
    assert.ok(Math.abs(first.std - Math.sqrt(variance)) < 1e-5);
    assert.ok(Math.abs(first.min - Math.min(...flat)) < 1e-5);
    first.unitMeans.forEach((u, j) => {
      const col = moments(a.map((r) => r[j]));
      assert.ok(Math.abs(u - col.mean) < 1e-5);
      assert.ok(Math.abs(first.unitVariances[j] - col.variance) < 1e-5);
    });
  });
  await t.step("histograms count every value once between min and max", () => {
    for (const s of activationStats(model, rows, { bins: 12 })) {
      assert.equal(s.histogram.length, 12);
      assert.equal(s.histogram.reduce((n, b) => n + b.count, 0), s.examples * s.units);
      assert.equal(s.outside, 0);
      assert.ok(Math.abs(s.histogram[0].start - s.min) < 1e-9);
      assert.ok(Math.abs(s.histogram.at(-1)!.end - s.max) < 1e-9);
    }
  });
  await t.step("a fixed range counts values outside it separately", () => {
    const [first] = activationStats(model, rows, { bins: 4, range: [0, 0.5] });
    const values = first.histogram.reduce((n, b) => n + b.count, 0) + first.outside;
    assert.equal(values, 300);
    assert.ok(first.outside > 0);
    assert.deepEqual(first.histogram.map((b) => b.start), [0, 0.125, 0.25, 0.375]);
  });
  model.dispose();
});

Deno.test("activationStats() in training mode", async (t) => {
  await t.step(
    "batch norm's output has per-unit mean β = 0 and variance σ²/(σ² + ε); the model is unchanged",
    () => {
      const model = mlp(2, { hidden: [8, 8], activation: "sigmoid", batchNorm: true, seed: 4 });
      const before = model.getWeights().map((w) => Array.from(w.dataSync()));
      const stats = activationStats(model, inputs(64, 2), { training: true });
      const bn = stats.filter((s) => s.className === "BatchNormalization");
      assert.equal(bn.length, 2);
      for (const s of bn) {
        // the layer before is the Dense layer whose output it normalizes: variance σ²/(σ² + ε)
        const input = stats[stats.indexOf(s) - 1];
        assert.equal(input.className, "Dense");
        s.unitMeans.forEach((m) => assert.ok(Math.abs(m) < 1e-5));
        s.unitVariances.forEach((v, j) => {
          const expected = input.unitVariances[j] / (input.unitVariances[j] + 1e-3);
          assert.ok(Math.abs(v - expected) < 1e-4, `variance ${v} vs ${expected}`);
        });
      }
      const after = model.getWeights().map((w) => Array.from(w.dataSync()));
      assert.deepEqual(after, before, "moving statistics restored");
      // in inference mode the fresh moving statistics (0, 1) leave the Dense output as it is
      const infer = activationStats(model, inputs(64, 2));
      const dense = infer.find((s) => s.layer === "hidden1")!;
      const norm = infer.find((s) => s.layer === "hidden1_batch_norm")!;
      assert.ok(Math.abs(norm.mean - dense.mean / Math.sqrt(1 + 1e-3)) < 1e-5);
      model.dispose();
    },
  );
  await t.step("dropout layers draw seeded inverted-dropout masks", () => {
    const model = mlp(2, { hidden: [200], dropout: 0.25, seed: 5 });
    const X = inputs(100, 3);
    const a = activationStats(model, X, { training: true, seed: 7 });
    const b = activationStats(model, X, { training: true, seed: 7 });
    const c = activationStats(model, X, { training: false });
    assert.deepEqual(a, b);
    const dense = c.find((s) => s.layer === "hidden1")!;
    const dropped = a.find((s) => s.className === "Dropout")!;
    const inferDrop = c.find((s) => s.className === "Dropout")!;
    assert.equal(inferDrop.mean, dense.mean, "identity at inference");
    // inverted dropout keeps the mean: within 5 % over 20 000 values
    assert.ok(Math.abs(dropped.mean - dense.mean) < 0.05 * dense.mean);
    model.dispose();
  });
});

Deno.test('activationStats() picks the nonlinearities\' outputs with layers: "activations"', () => {
  const model = mlp(2, { hidden: [4, 4], activation: "tanh", batchNorm: true, dropout: 0.1 });
  const names = activationStats(model, inputs(5, 1), { layers: "activations" }).map((s) => s.layer);
  assert.deepEqual(names, ["hidden1_tanh", "hidden2_tanh", "output"]);
  model.dispose();
});

Deno.test("activationStats() gives clear errors and leaves no tensors behind", () => {
  const model = mlp(2, { hidden: [3], batchNorm: true, dropout: 0.5, seed: 1 });
  const X = tf.tensor2d(inputs(10, 1));
  const before = tf.memory().numTensors;
  activationStats(model, X, { training: true, seed: 1 });
  activationStats(model, X);
  const cases: [() => unknown, RegExp][] = [
    [
      () => activationStats(model, [[1, 2, 3]]),
      /X must have 2 columns \(the model's input size\), got 3/,
    ],
    [
      () => activationStats(model, X, { bins: 0 }),
      /options.bins must be a positive integer, got 0/,
    ],
    [
      () => activationStats(model, X, { range: [1, 0] }),
      /options.range must satisfy lo < hi, got \[1, 0\]/,
    ],
    [
      () => activationStats(model, X, { layers: "dense" as never }),
      /options.layers must be one of "all", "activations", got "dense"/,
    ],
    [() => activationStats(model, X, { train: true } as never), /no setting "train"/],
    [() => activationStats({} as never, X), /model must be a tf.Sequential/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
  assert.equal(tf.memory().numTensors, before);
  X.dispose();
  model.dispose();
});

Deno.test("activationHistograms()", async (t) => {
  const bins = (counts: number[], lo = -1) =>
    counts.map((count, i) => ({ start: lo + i / 2, end: lo + (i + 1) / 2, count }));
  const run = (name: string, scale: number) => ({
    name,
    layers: [
      { layer: `${name}_1`, histogram: bins([1 * scale, 2, 5, 2]) },
      { layer: `${name}_2`, histogram: bins([0, 9, 1 * scale, 0]) },
      { layer: `${name}_3`, histogram: bins([3, 3, 3, 3]) },
    ],
  });
  await t.step(
    "one bar per bin, shares summing to 1 per run and layer, panels in order",
    async () => {
      const spec = activationHistograms([run("plain", 1), run("bn", 3)], {
        panelTitles: ["layer 1", "layer 2", "layer 3"],
        columns: 2,
      });
      const rows =
        (spec.data as { values: { run: string; panel: string; share: number }[] }).values;
      assert.equal(rows.length, 2 * 3 * 4);
      for (const r of ["plain", "bn"]) {
        for (const p of ["layer 1", "layer 2", "layer 3"]) {
          const total = rows.filter((x) => x.run === r && x.panel === p).reduce(
            (s, x) => s + x.share,
            0,
          );
          assert.ok(Math.abs(total - 1) < 1e-5, `${r} ${p}: ${total}`);
        }
      }
      assert.deepEqual((spec.facet as { sort: string[] }).sort, ["layer 1", "layer 2", "layer 3"]);
      assert.equal(spec.columns, 2);
      const svg = await renderClean(spec);
      assert.equal((svg.match(/<path[^>]*aria-roledescription="rect mark"/g) ?? []).length, 24);
      for (const title of ["layer 1", "layer 2", "layer 3", "plain", "bn"]) {
        assert.ok(svg.includes(`>${title}</text>`), title);
      }
    },
  );
  await t.step("a single run needs no names; titles default to layer names", () => {
    const spec = activationHistograms(run("x", 1).layers);
    assert.deepEqual((spec.facet as { sort: string[] }).sort, ["x_1", "x_2", "x_3"]);
    assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  });
  await t.step("bad input gives clear errors", () => {
    assert.throws(() => activationHistograms([]), /runs must be a non-empty array/);
    assert.throws(
      () => activationHistograms([run("a", 1), run("a", 2)]),
      /runs\[1\].name must be unique, got "a" twice/,
    );
    assert.throws(
      () => activationHistograms([{ layer: "l", histogram: [{ start: 1, end: 0, count: 1 }] }]),
      /runs\[0\].histogram\[0\] must have end > start/,
    );
    assert.throws(
      () => activationHistograms(run("x", 1).layers, { panelTitles: ["a"] }),
      /panelTitles must have one title per layer position \(3\), got 1/,
    );
  });
});
