import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  addNoise,
  adjustBrightness,
  adjustContrast,
  augmentation,
  augmentImages,
  type AugmentStep,
  cropWithPadding,
  cutout,
  FASHION_MNIST_LABEL_PRESERVING,
  flipHorizontal,
  flipVertical,
  mixup,
  mixupPairs,
  rotate,
  translate,
  zoom,
} from "../lib/augment.ts";
import { makeRng } from "../lib/random.ts";
import { optionTableTests } from "./_options_table.ts";

await initBackend("wasm");

/** Seeded images in [0, 1] of shape [n, h, w, c], as a tensor and as plain values. */
function images(n: number, h: number, w: number, c: number, seed = 1): tf.Tensor4D {
  const rng = makeRng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rng.next()), [n, h, w, c]);
}

/** Largest |a − b| over two equally long arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths");
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs f, disposes what it returns, and checks that no tensor is left behind. */
function noLeak(what: string, f: () => tf.TensorContainer): void {
  const before = tf.memory().numTensors;
  tf.dispose(f());
  assert.equal(tf.memory().numTensors, before, `${what} leaked tensors`);
}

/** The value of image i at (row, col, channel) of a row-major [n, h, w, c] array. */
const at = (v: ArrayLike<number>, shape: number[], i: number, r: number, col: number, ch = 0) =>
  v[((i * shape[1] + r) * shape[2] + col) * shape[3] + ch];

/** Every op with parameters that push values out of [0, 1] where the op could. */
const OPS: [string, (X: tf.Tensor4D) => tf.Tensor][] = [
  ["flipHorizontal", (X) => flipHorizontal(X)],
  ["flipVertical", (X) => flipVertical(X)],
  ["rotate", (X) => rotate(X, [17, -33, 90, 200])],
  ["zoom", (X) => zoom(X, [0.7, 1.3, 2.5, 1])],
  ["translate", (X) => translate(X, [1.5, -2, 0, 30], [0.25, 3, -1, 0])],
  ["cropWithPadding", (X) => cropWithPadding(X, 3, { top: 0, left: 6 })],
  ["addNoise", (X) => addNoise(X, 0.8, 3)],
  ["adjustBrightness", (X) => adjustBrightness(X, [0.6, -0.6, 0, 0.1])],
  ["adjustContrast", (X) => adjustContrast(X, [3, 0, 0.5, 1.5])],
  ["cutout", (X) => cutout(X, 5, 4)],
  ["mixup", (X) => tf.tidy(() => mixup({ X, y: tf.eye(4, 3) }, 0.4, 2).X)],
  ["augmentImages", (X) => augmentImages(X, ALL_STEPS, 9)],
];
const ALL_STEPS: AugmentStep[] = [
  { op: "flipHorizontal" },
  { op: "flipVertical", p: 0.3 },
  { op: "rotate", maxDegrees: 40 },
  { op: "translate", maxPixels: 3 },
  { op: "zoom", min: 0.8, max: 1.3 },
  { op: "crop", padding: 2 },
  { op: "noise", std: 0.3 },
  { op: "brightness", maxDelta: 0.4 },
  { op: "contrast", min: 0.5, max: 2 },
  { op: "cutout", size: 6, p: 0.5 },
  { op: "mixup", alpha: 0.3 },
];

Deno.test("every op keeps the shape, stays in [0, 1] and leaves X untouched", () => {
  for (const [n, h, w, c] of [[4, 28, 28, 1], [4, 9, 13, 3]]) {
    const X = images(n, h, w, c, 5);
    const before = X.dataSync().slice();
    for (const [name, op] of OPS) {
      const out = op(X);
      assert.deepEqual(out.shape, X.shape, `${name} shape`);
      assert.equal(out.dtype, "float32", `${name} dtype`);
      const v = out.dataSync();
      assert.ok(v.every((x) => x >= 0 && x <= 1), `${name} left [0, 1]`);
      assert.ok(maxDiff(v, before) > 0, `${name} changed nothing`);
      assert.deepEqual(X.dataSync(), before, `${name} changed its input`);
      out.dispose();
    }
    X.dispose();
  }
});

Deno.test("flipping twice gives the images back exactly, for both flips", () => {
  const X = images(3, 7, 10, 2);
  for (const flip of [flipHorizontal, flipVertical]) {
    const once = flip(X), twice = flip(once);
    assert.notDeepEqual(once.dataSync(), X.dataSync());
    assert.deepEqual(twice.dataSync(), X.dataSync());
    tf.dispose([once, twice]);
  }
  X.dispose();
});

Deno.test("flipHorizontal() and flipVertical() reverse columns and rows, computed in plain JS", () => {
  const shape = [2, 5, 6, 3];
  const X = images(2, 5, 6, 3, 8);
  const x = X.dataSync();
  const flippedH = flipHorizontal(X), flippedV = flipVertical(X);
  const h = flippedH.dataSync(), v = flippedV.dataSync();
  for (let i = 0; i < 2; i++) {
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 6; c++) {
        for (let ch = 0; ch < 3; ch++) {
          assert.equal(at(h, shape, i, r, c, ch), at(x, shape, i, r, 5 - c, ch));
          assert.equal(at(v, shape, i, r, c, ch), at(x, shape, i, 4 - r, c, ch));
        }
      }
    }
  }
  tf.dispose([X, flippedH, flippedV]);
});

Deno.test("zero-size settings are identities (within 1e-6)", () => {
  const X = images(3, 28, 28, 1, 2);
  const x = X.dataSync();
  const cases: [string, () => tf.Tensor][] = [
    ["rotate 0", () => rotate(X, 0)],
    ["rotate 360", () => rotate(X, 360)],
    ["translate 0", () => translate(X, 0, 0)],
    ["zoom 1", () => zoom(X, 1)],
    ["crop at the centre offset", () => cropWithPadding(X, 4, { top: 4, left: 4 })],
    ["crop with no padding", () => cropWithPadding(X, 0, { top: 0, left: 0 })],
    ["brightness 0", () => adjustBrightness(X, 0)],
    ["contrast 1", () => adjustContrast(X, 1)],
    ["noise std 0", () => addNoise(X, 0, 1)],
    [
      "mixup with itself",
      () => tf.tidy(() => mixup({ X: X.slice(0, 1), y: tf.ones([1, 1]) }, 1, 1).X),
    ],
  ];
  for (const [name, f] of cases) {
    const out = f();
    const expected = name.startsWith("mixup") ? x.slice(0, 28 * 28) : x;
    assert.ok(maxDiff(out.dataSync(), expected) <= 1e-6, name);
    out.dispose();
  }
  X.dispose();
});

Deno.test("rotate() by 90° is a transpose then a vertical flip (tfjs ops), four times the identity", () => {
  const X = images(3, 12, 12, 2, 4);
  const once = rotate(X, 90);
  const expected = tf.tidy(() => tf.reverse(tf.transpose(X, [0, 2, 1, 3]), 1));
  assert.ok(maxDiff(once.dataSync(), expected.dataSync()) <= 1e-6);
  let r: tf.Tensor4D = X.clone();
  for (let k = 0; k < 4; k++) {
    const next = rotate(r, 90);
    r.dispose();
    r = next;
  }
  // A quarter turn about the centre maps the pixel grid onto itself: exact everywhere.
  assert.ok(maxDiff(r.dataSync(), X.dataSync()) <= 1e-6);
  const minus = rotate(X, -270);
  assert.ok(maxDiff(minus.dataSync(), once.dataSync()) <= 1e-6, "−270° = 90°");
  tf.dispose([X, once, expected, r, minus]);
});

Deno.test("rotate(), zoom() and translate() match tf.image.transform on a non-square batch", () => {
  // A second implementation of the same maps: tfjs's Transform kernel (bilinear, fill 0).
  const [n, h, w] = [4, 20, 28];
  const X = images(n, h, w, 2, 6);
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  const degrees = [7, -23, 135, 0.5];
  const factors = [0.6, 1.25, 2, 1.1];
  const dxs = [1.5, -2.25, 0, 7], dys = [-0.5, 3, 1, -6];
  // Each row: [a0, a1, a2, b0, b1, b2, 0, 0] with input = (a0·x + a1·y + a2, b0·x + b1·y + b2).
  const rotations = degrees.map((d) => {
    const t = (d * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
    // (x_in − cx, y_in − cy) = R(θ)·(x − cx, y − cy), R = [[c, −s], [s, c]].
    return [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0];
  });
  const zooms = factors.map((f) => [1 / f, 0, cx * (1 - 1 / f), 0, 1 / f, cy * (1 - 1 / f), 0, 0]);
  const shifts = dxs.map((dx, i) => [1, 0, -dx, 0, 1, -dys[i], 0, 0]);
  const cases: [string, tf.Tensor, number[][]][] = [
    ["rotate", rotate(X, degrees), rotations],
    ["zoom", zoom(X, factors), zooms],
    ["translate", translate(X, dxs, dys), shifts],
  ];
  for (const [name, out, rows] of cases) {
    const ref = tf.tidy(() => tf.image.transform(X, tf.tensor2d(rows), "bilinear", "constant", 0));
    assert.ok(maxDiff(out.dataSync(), ref.dataSync()) < 1e-5, name);
    tf.dispose([out, ref]);
  }
  X.dispose();
});

Deno.test("translate() by (1, 0) moves a pixel one column right, (0, 1) one row down", () => {
  const shape = [1, 5, 5, 1];
  const values = new Float32Array(25);
  values[2 * 5 + 2] = 0.75;
  const X = tf.tensor4d(values, [1, 5, 5, 1]);
  const cases: [number, number, number, number][] = [[1, 0, 2, 3], [0, 1, 3, 2], [-2, -1, 1, 0]];
  for (const [dx, dy, row, col] of cases) {
    const out = translate(X, dx, dy);
    const v = Array.from(out.dataSync());
    assert.equal(at(v, shape, 0, row, col), 0.75, `(${dx}, ${dy})`);
    assert.equal(v.reduce((a, b) => a + b, 0), 0.75, `(${dx}, ${dy}) moved the pixel only`);
    out.dispose();
  }
  // Extreme zooms stay in range: out to a point (no pixel centre reads the image: 5 × 5 has its
  // centre on pixel (2, 2), which keeps its value) and in to one pixel's value everywhere.
  const point = zoom(X, 1e-20), one = zoom(X, 1e300);
  assert.deepEqual(Array.from(point.dataSync()), Array.from(X.dataSync()));
  assert.ok(one.dataSync().every((v) => v === 0.75));
  point.dispose();
  one.dispose();
  // A shift of the full width leaves nothing.
  const gone = translate(X, 5, 0);
  assert.ok(gone.dataSync().every((v) => v === 0));
  tf.dispose([X, gone]);
});

Deno.test("cropWithPadding() equals the padded image cut at the offsets, computed in plain JS", () => {
  const [n, h, w, c, p] = [3, 6, 7, 2, 2];
  const X = images(n, h, w, c, 10);
  const x = X.dataSync(), shape = [n, h, w, c];
  const offsets = [{ top: 0, left: 4 }, { top: 3, left: 1 }, { top: 4, left: 0 }];
  const out = cropWithPadding(X, p, offsets);
  const v = out.dataSync();
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        for (let ch = 0; ch < c; ch++) {
          const sr = r + offsets[i].top - p, sc = col + offsets[i].left - p;
          const inside = sr >= 0 && sr < h && sc >= 0 && sc < w;
          const expected = inside ? at(x, shape, i, sr, sc, ch) : 0;
          assert.equal(at(v, shape, i, r, col, ch), expected);
        }
      }
    }
  }
  tf.dispose([X, out]);
});

Deno.test("addNoise(), adjustBrightness() and adjustContrast() follow their formulas by hand", () => {
  const [n, h, w, c] = [2, 4, 5, 2];
  const X = images(n, h, w, c, 12);
  const x = X.dataSync(), size = h * w * c;
  const clip = (v: number) => Math.min(1, Math.max(0, v));

  const outs = [addNoise(X, [0.2, 0.05], 17), adjustBrightness(X, [0.3, -0.2])];
  const noisy = outs[0].dataSync();
  const rng = makeRng(17);
  x.forEach((v, k) => {
    const expected = clip(v + [0.2, 0.05][Math.floor(k / size)] * rng.normal());
    assert.ok(Math.abs(noisy[k] - expected) < 1e-6, `noise at ${k}`);
  });

  const bright = outs[1].dataSync();
  x.forEach((v, k) => {
    assert.ok(Math.abs(bright[k] - clip(v + [0.3, -0.2][Math.floor(k / size)])) < 1e-6);
  });

  const factors = [0.4, 1.7];
  outs.push(adjustContrast(X, factors));
  const contrast = outs[2].dataSync();
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const pixels = Array.from({ length: h * w }, (_, q) => x[i * size + q * c + ch]);
      const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
      pixels.forEach((v, q) => {
        const expected = clip(mean + factors[i] * (v - mean));
        assert.ok(Math.abs(contrast[i * size + q * c + ch] - expected) < 1e-6);
      });
    }
  }
  tf.dispose([X, ...outs]);
});

Deno.test("cutout() zeroes exactly size² pixels inside the image, fewer at the border", () => {
  const X = tf.ones([1, 28, 28, 3]) as tf.Tensor4D;
  const zeros = (t: tf.Tensor) => t.dataSync().filter((v) => v === 0).length / 3;
  for (const size of [1, 4, 7, 8]) {
    const out = cutout(X, size, { row: 13, col: 14 });
    assert.equal(zeros(out), size * size, `size ${size}`);
    out.dispose();
  }
  // Of an 8 × 8 square centred at (0, 27), rows −4…3 and columns 23…30, rows 0…3 and columns
  // 23…27 fall inside: 4 × 5 pixels.
  const corner = cutout(X, 8, { row: 0, col: 27 });
  assert.equal(zeros(corner), 4 * 5);
  // Which pixels: rows r − ⌊size/2⌋ … r − ⌊size/2⌋ + size − 1, likewise columns.
  for (const [size, rows, cols] of [[8, [6, 13], [16, 23]], [5, [8, 12], [18, 22]]] as const) {
    const v = cutout(X, size, { row: 10, col: 20 });
    const data = v.dataSync();
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const inside = r >= rows[0] && r <= rows[1] && c >= cols[0] && c <= cols[1];
        assert.equal(data[(r * 28 + c) * 3], inside ? 0 : 1, `size ${size}: (${r}, ${c})`);
      }
    }
    v.dispose();
  }
  // Seeded centres: the same seed the same squares, rng.int(h) then rng.int(w) per image.
  const batch = tf.ones([5, 28, 28, 1]) as tf.Tensor4D;
  const a = cutout(batch, 3, 21), b = cutout(batch, 3, 21);
  assert.deepEqual(a.dataSync(), b.dataSync());
  const rng = makeRng(21);
  const centres = Array.from({ length: 5 }, () => ({ row: rng.int(28), col: rng.int(28) }));
  const byHand = cutout(batch, 3, centres);
  assert.deepEqual(a.dataSync(), byHand.dataSync());
  tf.dispose([X, corner, batch, a, b, byHand]);
});

Deno.test("mixup() mixes X and y with mixupPairs' λ and partners, computed by hand", () => {
  const n = 16, k = 10;
  const X = images(n, 6, 6, 1, 13);
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % k);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), k).toFloat());
  const out = mixup({ X, y }, 0.4, 99);
  const { lambda, partner } = mixupPairs(n, 0.4, 99);
  assert.deepEqual([...partner].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  const x = X.dataSync(), size = 36, mixed = out.X.dataSync(), my = out.y.dataSync();
  for (let i = 0; i < n; i++) {
    const l = lambda[i], j = partner[i];
    assert.ok(l >= 0 && l <= 1);
    for (let q = 0; q < size; q++) {
      const expected = l * x[i * size + q] + (1 - l) * x[j * size + q];
      assert.ok(Math.abs(mixed[i * size + q] - expected) < 1e-6);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const expected = l * (labels[i] === c ? 1 : 0) + (1 - l) * (labels[j] === c ? 1 : 0);
      assert.ok(Math.abs(my[i * k + c] - expected) < 1e-6);
      sum += my[i * k + c];
    }
    assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} sums to ${sum}`);
  }
  // Binary labels [n, 1] mix the same way.
  const yb = tf.tensor2d(labels.map((l) => [l % 2]));
  const outB = mixup({ X, y: yb }, 0.4, 99);
  outB.y.dataSync().forEach((v, i) => {
    const expected = lambda[i] * (labels[i] % 2) + (1 - lambda[i]) * (labels[partner[i]] % 2);
    assert.ok(Math.abs(v - expected) < 1e-6);
  });
  tf.dispose([X, y, out.X, out.y, yb, outB.X, outB.y]);
});

Deno.test("mixupPairs() draws λ from Beta(α, α): exact CDFs and the variance 1/(4(2α + 1))", () => {
  const draws = 20000;
  // Kolmogorov–Smirnov distance against CDFs known in closed form.
  const cdfs: [number, (x: number) => number][] = [
    [0.5, (x) => (2 / Math.PI) * Math.asin(Math.sqrt(x))], // arcsine
    [1, (x) => x], // uniform
    [2, (x) => 3 * x * x - 2 * x * x * x],
  ];
  for (const [alpha, cdf] of cdfs) {
    const l = mixupPairs(draws, alpha, 5).lambda.sort((a, b) => a - b);
    let d = 0;
    l.forEach((v, i) =>
      d = Math.max(d, Math.abs(cdf(v) - i / draws), Math.abs(cdf(v) - (i + 1) / draws))
    );
    // The 0.1 % critical value is 1.95/√n ≈ 0.0138.
    assert.ok(d < 1.95 / Math.sqrt(draws), `alpha ${alpha}: KS distance ${d}`);
  }
  for (const alpha of [0.05, 0.2, 4]) {
    const l = mixupPairs(draws, alpha, 6).lambda;
    assert.ok(l.every((v) => v >= 0 && v <= 1 && Number.isFinite(v)), `alpha ${alpha}`);
    const mean = l.reduce((a, b) => a + b, 0) / draws;
    const variance = l.reduce((a, b) => a + (b - mean) ** 2, 0) / draws;
    const expected = 1 / (4 * (2 * alpha + 1));
    assert.ok(Math.abs(mean - 0.5) < 0.01, `alpha ${alpha}: mean ${mean}`);
    assert.ok(
      Math.abs(variance / expected - 1) < 0.05,
      `alpha ${alpha}: ${variance} vs ${expected}`,
    );
  }
});

Deno.test("augmentation(): the same seed gives the same batch, another seed another", () => {
  const X = images(8, 28, 28, 1, 3);
  const y = tf.eye(8, 10);
  const augment = augmentation(ALL_STEPS);
  const a = augment({ X, y }, 42), b = augment({ X, y }, 42), c = augment({ X, y }, 43);
  assert.deepEqual(a.X.dataSync(), b.X.dataSync());
  assert.deepEqual(a.y.dataSync(), b.y.dataSync());
  assert.notDeepEqual(a.X.dataSync(), c.X.dataSync());
  assert.notDeepEqual(a.y.dataSync(), c.y.dataSync());
  assert.ok(a.X.dataSync().every((v) => v >= 0 && v <= 1));
  const sums = a.y.sum(1);
  assert.ok(sums.dataSync().every((s) => Math.abs(s - 1) < 1e-6));
  // augmentImages is the pipeline's X.
  const images2 = augmentImages(X, ALL_STEPS, 42);
  assert.deepEqual(images2.dataSync(), a.X.dataSync());
  tf.dispose([X, y, a.X, a.y, b.X, b.y, c.X, c.y, sums, images2]);
});

Deno.test("augmentation(): each image draws its own parameters", () => {
  const one = images(1, 28, 28, 1, 4);
  const X = tf.tile(one, [8, 1, 1, 1]);
  const out = augmentImages(X, [{ op: "rotate", maxDegrees: 30 }], 7);
  const v = out.dataSync(), size = 28 * 28;
  for (let i = 0; i < 8; i++) {
    for (let j = i + 1; j < 8; j++) {
      const d = maxDiff(v.subarray(i * size, (i + 1) * size), v.subarray(j * size, (j + 1) * size));
      assert.ok(d > 0, `images ${i} and ${j} got the same rotation`);
    }
  }
  tf.dispose([one, X, out]);
});

Deno.test("augmentation(): steps with fixed parameters and p = 1 equal the pure ops", () => {
  const X = images(4, 28, 28, 1, 14);
  const cases: [AugmentStep, tf.Tensor][] = [
    [{ op: "flipHorizontal", p: 1 }, flipHorizontal(X)],
    [{ op: "flipVertical", p: 1 }, flipVertical(X)],
    [{ op: "zoom", min: 1.2, max: 1.2 }, zoom(X, 1.2)],
    [{ op: "contrast", min: 0.5, max: 0.5 }, adjustContrast(X, 0.5)],
    [{ op: "rotate", maxDegrees: 0 }, X.clone()],
    [{ op: "translate", maxPixels: 0 }, X.clone()],
    [{ op: "crop", padding: 0 }, X.clone()],
    [{ op: "noise", std: 0 }, X.clone()],
    [{ op: "brightness", maxDelta: 0 }, X.clone()],
    [{ op: "rotate", maxDegrees: 45, p: 0 }, X.clone()],
    [{ op: "cutout", size: 5, p: 0 }, X.clone()],
  ];
  for (const [step, expected] of cases) {
    const out = augmentImages(X, [step], 3);
    assert.ok(maxDiff(out.dataSync(), expected.dataSync()) <= 1e-6, JSON.stringify(step));
    tf.dispose([out, expected]);
  }
  // An empty pipeline copies the batch.
  const copy = augmentImages(X, [], 1);
  assert.deepEqual(copy.dataSync(), X.dataSync());
  tf.dispose([X, copy]);
});

Deno.test("augmentation(): crop then flip is flip(crop(X)) with the documented draws", () => {
  const n = 6, padding = 2;
  const X = images(n, 9, 9, 2, 20);
  const out = augmentImages(X, [{ op: "crop", padding }, { op: "flipHorizontal", p: 1 }], 31);
  // Draws: crop step, image by image: u for p, top, left; then the flip step's u per image.
  const rng = makeRng(31);
  const offsets = Array.from({ length: n }, () => {
    rng.next();
    const top = rng.int(2 * padding + 1);
    return { top, left: rng.int(2 * padding + 1) };
  });
  const cropped = cropWithPadding(X, padding, offsets), expected = flipHorizontal(cropped);
  assert.deepEqual(out.dataSync(), expected.dataSync());
  // The other order differs: geometric steps compose in the order given.
  const reversed = cropWithPadding(flipHorizontal(X), padding, offsets);
  assert.notDeepEqual(out.dataSync(), reversed.dataSync());
  tf.dispose([X, out, cropped, expected, reversed]);
});

Deno.test("augmentation(): flips with p = 0.5 flip about half the images, each fully or not", () => {
  const n = 400;
  const X = images(n, 5, 5, 1, 15);
  const flipped = flipHorizontal(X);
  const out = augmentImages(X, [{ op: "flipHorizontal" }], 8);
  const x = X.dataSync(), f = flipped.dataSync(), v = out.dataSync();
  let count = 0;
  for (let i = 0; i < n; i++) {
    const img = v.subarray(i * 25, (i + 1) * 25);
    const same = maxDiff(img, x.subarray(i * 25, (i + 1) * 25)) === 0;
    const flip = maxDiff(img, f.subarray(i * 25, (i + 1) * 25)) === 0;
    assert.ok(same || flip, `image ${i} is neither the original nor its mirror`);
    if (flip && !same) count++;
  }
  // Binomial(400, 0.5): mean 200, standard deviation 10.
  assert.ok(Math.abs(count - 200) < 40, `${count} flipped`);
  tf.dispose([X, flipped, out]);
});

Deno.test("augmentation(): consecutive geometric steps are interpolated once", () => {
  const X = images(3, 28, 28, 1, 16);
  // Each step alone would blur; fused, zooming in by 1.5 and out again is the identity map.
  const steps: AugmentStep[] = [
    { op: "zoom", min: 1.5, max: 1.5 },
    { op: "zoom", min: 1 / 1.5, max: 1 / 1.5 },
  ];
  const fused = augmentImages(X, steps, 1);
  assert.ok(maxDiff(fused.dataSync(), X.dataSync()) < 1e-6);
  const separate = zoom(X, 1.5), back = zoom(separate, 1 / 1.5);
  assert.ok(maxDiff(back.dataSync(), X.dataSync()) > 0.01, "two interpolations differ");
  tf.dispose([X, fused, separate, back]);
});

Deno.test("augmentation(): y is a new tensor, unchanged without mixup; flat rows with imageShape", () => {
  const X = images(6, 28, 28, 1, 17);
  const flat = X.reshape([6, 784]);
  const y = tf.eye(6, 10);
  const steps: AugmentStep[] = [{ op: "rotate", maxDegrees: 10 }, { op: "cutout", size: 4 }];
  const out = augmentation(steps)({ X, y }, 5);
  assert.notEqual(out.y, y);
  assert.deepEqual(out.y.dataSync(), y.dataSync());
  out.y.dispose();
  assert.equal(y.isDisposed, false);
  const outFlat = augmentation(steps, { imageShape: [28, 28, 1] })({ X: flat, y }, 5);
  assert.deepEqual(outFlat.X.shape, [6, 784]);
  assert.deepEqual(outFlat.X.dataSync(), out.X.dataSync());
  tf.dispose([X, flat, y, out.X, outFlat.X, outFlat.y]);
});

Deno.test("bad inputs are errors that name the parameter, the value and what is allowed", () => {
  const X = images(2, 6, 6, 1, 18);
  const y = tf.eye(2, 3);
  const rank3 = tf.zeros([2, 6, 6]);
  const ints = tf.zeros([2, 6, 6, 1], "int32");
  const bytes = tf.fill([2, 6, 6, 1], 255);
  const nan = tf.tensor4d([0, NaN, 0, 0], [1, 2, 2, 1]);
  const classIndices = tf.tensor1d([3, 1]);
  const rows = tf.zeros([2, 36]);
  const eye3 = tf.eye(3);
  const cases: [string, () => unknown, RegExp][] = [
    [
      "rank 3",
      () => flipHorizontal(rank3),
      /X must be a batch of images of shape \[n, height, width, channels\], got shape \[2, 6, 6\]/,
    ],
    ["int32", () => rotate(ints, 3), /X must be a float32 tensor of images, got dtype int32/],
    [
      "0–255 values",
      () => zoom(bytes, 1),
      /X must hold pixel values in \[0, 1\] \(intensities ÷ 255\), got 255 at image 0, row 0, column 0, channel 0/,
    ],
    ["NaN", () => translate(nan, 1, 0), /got NaN at image 0, row 0, column 1, channel 0/],
    ["not a tensor", () => flipVertical([[1]] as unknown as tf.Tensor), /X must be a tensor, got/],
    ["negative std", () => addNoise(X, -0.1, 1), /std must be a finite number >= 0, got -0.1/],
    [
      "per-image length",
      () => rotate(X, [1, 2, 3]),
      /degrees must be one number or an array of one per image \(2\), got an array of length 3/,
    ],
    ["per-image value", () => zoom(X, [1, 0]), /factor\[1\] must be a positive number, got 0/],
    ["NaN angle", () => rotate(X, NaN), /degrees must be a finite number, got NaN/],
    [
      "crop offset",
      () => cropWithPadding(X, 2, { top: 5, left: 0 }),
      /offsets.top must be an integer in \[0, 4\] \(0 to 2·padding\), got 5/,
    ],
    [
      "crop offset key",
      () => cropWithPadding(X, 2, { top: 1, lft: 0 } as never),
      /offsets has no setting "lft"; the settings are top, left/,
    ],
    [
      "crop padding",
      () => cropWithPadding(X, -1, { top: 0, left: 0 }),
      /padding must be an integer >= 0, got -1/,
    ],
    [
      "cutout centre",
      () => cutout(X, 2, [{ row: 0, col: 0 }, { row: 6, col: 0 }]),
      /centres\[1\].row must be an integer in \[0, 5\], got 6/,
    ],
    ["cutout size", () => cutout(X, 0, 1), /size must be a positive integer, got 0/],
    ["cutout seed", () => cutout(X, 2, 1.5), /centres \(a seed\) must be an integer, got 1.5/],
    ["contrast", () => adjustContrast(X, -1), /factor must be a finite number >= 0, got -1/],
    ["mixup alpha", () => mixup({ X, y }, 0, 1), /alpha must be a positive number, got 0/],
    [
      "mixup class indices",
      () => mixup({ X, y: classIndices }, 0.2, 1),
      /y must hold one-hot or soft labels in \[0, 1\] to be mixed, got 3 at row 0, column 0/,
    ],
    [
      "mixup int labels",
      () => mixup({ X, y: ints }, 0.2, 1),
      /y must be float32 one-hot or soft labels to mix, got dtype int32/,
    ],
    [
      "mixup rows",
      () => mixup({ X, y: eye3 }, 0.2, 1),
      /y must have one row per image, shape \[2, classes\] \(or \[2\]\), got \[3, 3\]/,
    ],
    [
      "steps not an array",
      () => augmentation({ op: "rotate" } as never),
      /steps must be an array of steps/,
    ],
    [
      "unknown op",
      () => augmentation([{ op: "rotat" } as never]),
      /steps\[0\].op must be one of "flipHorizontal", "flipVertical", "rotate", "translate", "zoom", "crop", "noise", "brightness", "contrast", "cutout", "mixup", got "rotat"/,
    ],
    [
      "misspelt field",
      () => augmentation([{ op: "flipHorizontal" }, { op: "rotate", maxDegree: 10 } as never]),
      /steps\[1\] \(rotate\) has no setting "maxDegree"; the settings are op, maxDegrees, p/,
    ],
    [
      "missing field",
      () => augmentation([{ op: "noise" } as never]),
      /steps\[0\].std must be a finite number >= 0, got undefined/,
    ],
    [
      "p above 1",
      () => augmentation([{ op: "flipHorizontal", p: 1.5 }]),
      /steps\[0\].p must be a number in \[0, 1\], got 1.5/,
    ],
    [
      "p below 0",
      () => augmentation([{ op: "cutout", size: 2, p: -0.1 }]),
      /steps\[0\].p must be a number in \[0, 1\], got -0.1/,
    ],
    [
      "large rotation",
      () => augmentation([{ op: "rotate", maxDegrees: 270 }]),
      /steps\[0\].maxDegrees must be a number in \[0, 180\], got 270/,
    ],
    [
      "zoom range",
      () => augmentation([{ op: "zoom", min: 1.2, max: 0.9 }]),
      /steps\[0\].max must be >= min \(1.2\), got 0.9/,
    ],
    [
      "mixup p",
      () => augmentation([{ op: "mixup", alpha: 0.2, p: 1 } as never]),
      /steps\[0\] \(mixup\) has no setting "p"; the settings are op, alpha/,
    ],
    [
      "options",
      () => augmentation([], { imageshape: [28, 28, 1] } as never),
      /options has no setting "imageshape"; the settings are imageShape/,
    ],
    [
      "imageShape",
      () => augmentation([], { imageShape: [28, 28] as never }),
      /options.imageShape must be \[height, width, channels\], got \[28, 28\]/,
    ],
    [
      "flat rows",
      () => augmentation([])({ X: rows, y }, 1),
      /batch.X must be a batch of images of shape \[n, height, width, channels\], got shape \[2, 36\]/,
    ],
    [
      "imageShape mismatch",
      () => augmentation([], { imageShape: [28, 28, 1] })({ X: rows, y }, 1),
      /batch.X must have shape \[n, 28, 28, 1\] or \[n, 784\] \(options.imageShape \[28, 28, 1\]\), got \[2, 36\]/,
    ],
    [
      "batch.y rows",
      () => augmentation([])({ X, y: eye3 }, 1),
      /batch.y must have one row per image \(2\), got shape \[3, 3\]/,
    ],
    ["seed", () => augmentation([])({ X, y }, 0.5), /seed must be an integer, got 0.5/],
    [
      "augmentImages seed",
      () => augmentImages(X, [], "1" as never),
      /seed must be an integer, got "1"/,
    ],
  ];
  for (const [what, f, message] of cases) {
    const before = tf.memory().numTensors;
    assert.throws(f, message, what);
    assert.equal(tf.memory().numTensors, before, `${what} left tensors behind`);
  }
  tf.dispose([X, y, rank3, ints, bytes, nan, classIndices, rows, eye3]);
});

Deno.test("no op and no pipeline leaks a tensor", () => {
  const X = images(4, 28, 28, 1, 19);
  const y = tf.eye(4, 10);
  for (const [name, op] of OPS) noLeak(name, () => op(X));
  const augment = augmentation(ALL_STEPS);
  noLeak("augmentation", () => augment({ X, y }, 1));
  noLeak("augmentation without mixup", () => augmentation([{ op: "flipVertical" }])({ X, y }, 1));
  noLeak("mixup", () => mixup({ X, y }, 0.2, 1));
  tf.dispose([X, y]);
});

Deno.test("FASHION_MNIST_LABEL_PRESERVING names real ops and rules out vertical flips and mixup", () => {
  const kept = new Set<string>();
  for (const row of FASHION_MNIST_LABEL_PRESERVING) {
    // Every op of the table is a step augmentation() knows (its settings aside).
    try {
      augmentation([{ op: row.op } as AugmentStep]);
    } catch (e) {
      assert.doesNotMatch((e as Error).message, /op must be one of/, row.op);
    }
    if (row.preserving) kept.add(row.op);
    assert.ok(row.why.length > 20 && row.setting.length > 0);
  }
  assert.ok(kept.has("flipHorizontal") && kept.has("translate") && kept.has("zoom"));
  assert.ok(!kept.has("flipVertical") && !kept.has("mixup"));
  const rotations = FASHION_MNIST_LABEL_PRESERVING.filter((r) => r.op === "rotate");
  assert.deepEqual(rotations.map((r) => r.preserving), [true, false]);
  assert.ok(Object.isFrozen(FASHION_MNIST_LABEL_PRESERVING));
});

/** One entry per step type: its required settings and its valid names, for the option table. */
const STEP_SETTINGS: [Record<string, unknown>, string[]][] = [
  [{ op: "flipHorizontal" }, ["p"]],
  [{ op: "flipVertical" }, ["p"]],
  [{ op: "rotate", maxDegrees: 10 }, ["maxDegrees", "p"]],
  [{ op: "translate", maxPixels: 2 }, ["maxPixels", "p"]],
  [{ op: "zoom", min: 0.9, max: 1.1 }, ["min", "max", "p"]],
  [{ op: "crop", padding: 4 }, ["padding", "p"]],
  [{ op: "noise", std: 0.1 }, ["std", "p"]],
  [{ op: "brightness", maxDelta: 0.1 }, ["maxDelta", "p"]],
  [{ op: "contrast", min: 0.8, max: 1.2 }, ["min", "max", "p"]],
  [{ op: "cutout", size: 8 }, ["size", "p"]],
  [{ op: "mixup", alpha: 0.2 }, ["alpha"]],
];

optionTableTests(
  [
    {
      name: "augmentation options",
      call: (o) => augmentation([], o),
      valid: ["imageShape"],
      example: [28, 28, 1],
    },
    ...STEP_SETTINGS.map(([base, names]) => ({
      name: `augmentation step ${base.op}`,
      call: (o: unknown) => augmentation([o as AugmentStep]),
      valid: [...names, "op"],
      base,
      param: "steps[0]",
    })),
  ],
  { label: "augmentation", sync: true },
);
