import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  dropoutMask,
  invertedDropout,
  keepProbFromRate,
  originalDropout,
  rateFromKeepProb,
} from "../lib/dropout.ts";
import { makeRng } from "../lib/random.ts";

await initBackend("wasm");

const UNITS = 40;
const DRAWS = 5000;
/** A fixed activation vector with positive, negative and zero entries. */
const H = Array.from(
  { length: UNITS },
  (_, j) => (j % 7 === 0 ? 0 : Math.sin(j + 1) * (1 + j / 10)),
);

/** DRAWS copies of H, one per row: each row gets its own mask. */
function tiled(): tf.Tensor2D {
  return tf.tidy(() => tf.tile(tf.tensor2d([H]), [DRAWS, 1]) as tf.Tensor2D);
}

/** Column means of a [rows, units] tensor, in JavaScript. */
function columnMeans(t: tf.Tensor): number[] {
  const [m, n] = t.shape;
  const data = t.dataSync();
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] += data[i * n + j];
  return out.map((s) => s / m);
}

Deno.test("keepProbFromRate() and rateFromKeepProb() are 1 − each other and inverses", () => {
  for (const rate of [0, 0.1, 0.25, 0.5, 0.9]) {
    assert.ok(Math.abs(keepProbFromRate(rate) - (1 - rate)) < 1e-15);
    assert.ok(Math.abs(rateFromKeepProb(keepProbFromRate(rate)) - rate) < 1e-15);
  }
  assert.equal(rateFromKeepProb(1), 0);
});

Deno.test("dropoutMask() draws Bernoulli(keepProb) from lib's seeded generator", async (t) => {
  await t.step("the mask is the generator's draws u < keepProb, computed by hand", () => {
    const mask = dropoutMask([30, 7], { rate: 0.3, seed: 11 });
    const rng = makeRng(11);
    const expected = Array.from({ length: 30 * 7 }, () => (rng.next() < 0.7 ? 1 : 0));
    assert.deepEqual(Array.from(mask.dataSync()), expected);
    assert.deepEqual(mask.shape, [30, 7]);
    mask.dispose();
  });
  await t.step("the same seed gives the same mask, another seed another", () => {
    const a = dropoutMask([50, 20], { keepProb: 0.5, seed: 1 });
    const b = dropoutMask([50, 20], { keepProb: 0.5, seed: 1 });
    const c = dropoutMask([50, 20], { keepProb: 0.5, seed: 2 });
    assert.deepEqual(a.dataSync(), b.dataSync());
    assert.notDeepEqual(a.dataSync(), c.dataSync());
    tf.dispose([a, b, c]);
  });
  await t.step("the share of kept units is keepProb within 4 standard errors", () => {
    for (const keepProb of [0.2, 0.5, 0.9]) {
      const mask = dropoutMask([200, 100], { keepProb, seed: 5 });
      const kept = mask.mean().dataSync()[0];
      const se = Math.sqrt((keepProb * (1 - keepProb)) / 20000);
      assert.ok(Math.abs(kept - keepProb) < 4 * se, `keepProb ${keepProb}: kept ${kept}`);
      tf.dispose(mask);
    }
  });
  await t.step("keepProb 1 (rate 0) keeps everything", () => {
    const mask = dropoutMask([10, 10], { rate: 0, seed: 3 });
    assert.ok(mask.dataSync().every((v) => v === 1));
    mask.dispose();
  });
});

Deno.test("invertedDropout()", async (t) => {
  await t.step("training scales kept units by 1 / keepProb and zeroes the others", () => {
    const x = tf.tensor2d([H]);
    const out = invertedDropout(x, { rate: 0.25, training: true, seed: 4 });
    const mask = dropoutMask([1, UNITS], { rate: 0.25, seed: 4 });
    const o = out.dataSync(), m = mask.dataSync();
    H.forEach((h, j) => assert.ok(Math.abs(o[j] - (m[j] * h) / 0.75) < 1e-6));
    tf.dispose([x, out, mask]);
  });
  await t.step("training preserves the mean of every unit over many draws", () => {
    for (const keepProb of [0.5, 0.8]) {
      const x = tiled();
      const out = invertedDropout(x, { keepProb, training: true, seed: 9 });
      const means = columnMeans(out);
      // Each output is h/p with probability p, else 0: its standard deviation is
      // |h|·√((1 − p)/p); the mean of DRAWS of them has that over √DRAWS.
      H.forEach((h, j) => {
        const se = Math.abs(h) * Math.sqrt((1 - keepProb) / keepProb / DRAWS);
        assert.ok(
          Math.abs(means[j] - h) <= 4 * se + 1e-6,
          `unit ${j}: mean ${means[j]} vs ${h} (se ${se})`,
        );
      });
      tf.dispose([x, out]);
    }
  });
  await t.step("inference is the identity, the same on every call", () => {
    const x = tiled();
    const a = invertedDropout(x, { rate: 0.5, training: false, seed: 1 });
    const b = invertedDropout(x, { rate: 0.5, training: false, seed: 2 });
    assert.deepEqual(a.dataSync(), x.dataSync());
    assert.deepEqual(b.dataSync(), x.dataSync());
    assert.notEqual(a, x, "returns a new tensor the caller owns");
    tf.dispose([x, a, b]);
  });
  await t.step("rate and keepProb name the same layer the two ways", () => {
    const x = tiled();
    const a = invertedDropout(x, { rate: 0.3, training: true, seed: 6 });
    const b = invertedDropout(x, { keepProb: 0.7, training: true, seed: 6 });
    assert.deepEqual(a.dataSync(), b.dataSync());
    tf.dispose([x, a, b]);
  });
});

Deno.test("originalDropout()", async (t) => {
  await t.step("training keeps units unscaled: keepProb × the inverted output, same mask", () => {
    const x = tiled();
    const inv = invertedDropout(x, { keepProb: 0.6, training: true, seed: 8 });
    const orig = originalDropout(x, { keepProb: 0.6, training: true, seed: 8 });
    const a = inv.dataSync(), b = orig.dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i] - 0.6 * a[i]) < 1e-5);
    tf.dispose([x, inv, orig]);
  });
  await t.step("inference multiplies by keepProb, deterministically", () => {
    const x = tf.tensor2d([H]);
    const a = originalDropout(x, { rate: 0.2, training: false });
    const b = originalDropout(x, { rate: 0.2, training: false });
    H.forEach((h, j) => assert.ok(Math.abs(a.dataSync()[j] - 0.8 * h) < 1e-6));
    assert.deepEqual(a.dataSync(), b.dataSync());
    tf.dispose([x, a, b]);
  });
  await t.step("its training mean over many draws matches its inference output", () => {
    const keepProb = 0.5;
    const x = tiled();
    const train = originalDropout(x, { keepProb, training: true, seed: 12 });
    const h = tf.tensor2d([H]);
    const infer = originalDropout(h, { keepProb, training: false });
    const means = columnMeans(train), target = infer.dataSync();
    H.forEach((h, j) => {
      // h with probability p, else 0: standard deviation |h|·√(p(1 − p))
      const se = Math.abs(h) * Math.sqrt((keepProb * (1 - keepProb)) / DRAWS);
      assert.ok(Math.abs(means[j] - target[j]) <= 4 * se + 1e-6, `unit ${j}`);
    });
    tf.dispose([x, h, train, infer]);
  });
});

Deno.test("tfjs's Dropout layer is inverted dropout with rate = drop probability", () => {
  const rate = 0.4;
  const layer = tf.layers.dropout({ rate, seed: 3 });
  const x = tf.tidy(() => tf.add(tf.abs(tiled()), 0.5) as tf.Tensor2D); // no zeros in x
  const train = layer.apply(x, { training: true }) as tf.Tensor;
  const infer = layer.apply(x, { training: false }) as tf.Tensor;
  const xs = x.dataSync(), ts = train.dataSync();
  let dropped = 0;
  for (let i = 0; i < xs.length; i++) {
    if (ts[i] === 0) dropped++;
    else {assert.ok(
        Math.abs(ts[i] - xs[i] / (1 - rate)) < 1e-5,
        "kept units scaled by 1/(1 − rate)",
      );}
  }
  const share = dropped / xs.length;
  const se = Math.sqrt((rate * (1 - rate)) / xs.length);
  assert.ok(Math.abs(share - rate) < 4 * se, `dropped share ${share}`);
  assert.deepEqual(infer.dataSync(), x.dataSync(), "the identity at inference");
  tf.dispose([x, train, infer]);
  layer.dispose();
});

Deno.test("bad rates, keep probabilities and options give clear errors", () => {
  const x = tf.ones([2, 3]);
  const cases: [() => unknown, RegExp][] = [
    [
      () => keepProbFromRate(1),
      /rate \(the probability of dropping a unit\) must be a number in \[0, 1\), got 1/,
    ],
    [() => keepProbFromRate(-0.1), /must be a number in \[0, 1\), got -0.1/],
    [
      () => rateFromKeepProb(0),
      /keepProb \(the probability of keeping a unit\) must be a number in \(0, 1\], got 0/,
    ],
    [() => rateFromKeepProb(1.5), /got 1.5/],
    [
      () => invertedDropout(x, { rate: 1.2, training: true }),
      /rate .* must be a number in \[0, 1\), got 1.2/,
    ],
    [() => invertedDropout(x, { rate: Number.NaN, training: true }), /got NaN/],
    [() => invertedDropout(x, { keepProb: 0, training: true }), /keepProb .* got 0/],
    [
      () => invertedDropout(x, { rate: 0.2, keepProb: 0.8, training: true }),
      /either rate \(drop probability\) or keepProb \(keep probability\), not both/,
    ],
    [() => originalDropout(x, { training: true }), /must give rate .* or keepProb/],
    [
      () => invertedDropout(x, { rate: 0.5 } as never),
      /options.training must be true \(draw a mask\) or false \(inference\), got undefined/,
    ],
    [() => invertedDropout(x, { p: 0.5, training: true } as never), /no setting "p"/],
    [() => invertedDropout([1, 2] as never, { rate: 0.5, training: true }), /x must be a tensor/],
    [() => dropoutMask([0, 2], { rate: 0.5 }), /shape\[0\] must be a positive integer, got 0/],
    [() => dropoutMask([], { rate: 0.5 }), /shape must be a non-empty array of positive integers/],
    [() => invertedDropout(tf.ones([2], "int32"), { rate: 0.5, training: true }), /float32/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
  x.dispose();
});

Deno.test("dropout functions leave no tensors behind", () => {
  const x = tf.ones([8, 5]);
  const before = tf.memory().numTensors;
  for (const training of [true, false]) {
    tf.dispose(invertedDropout(x, { rate: 0.5, training, seed: 1 }));
    tf.dispose(originalDropout(x, { keepProb: 0.5, training, seed: 1 }));
  }
  tf.dispose(dropoutMask([3, 3], { rate: 0.1, seed: 1 }));
  assert.throws(() => invertedDropout(x, { rate: 2, training: true }));
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
