import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { registerConvKernels } from "../lib/_conv_kernels.ts";
import { makeRng } from "../lib/random.ts";

await initBackend("wasm");

type Pad = "same" | "valid";

/** Seeded standard-normal values. */
function normals(n: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Top and left padding and output size of one spatial dimension, as TensorFlow pads. */
function geometry(size: number, k: number, s: number, pad: Pad): [number, number] {
  if (pad === "valid") return [0, Math.ceil((size - k + 1) / s)];
  const out = Math.ceil(size / s);
  return [Math.floor(Math.max(0, (out - 1) * s + k - size) / 2), out];
}

/**
 * The filter gradient by its formula, in double precision, with Σ|terms| per entry (the
 * scale of float32 rounding): dW[i, j, c, o] = Σ_{b, p, q} x[b, p·s + i − top, q·s + j − left,
 * c] · dy[b, p, q, o].
 */
function filterGradByFormula(
  x: Float32Array,
  xShape: number[],
  dy: Float32Array,
  k: number,
  o: number,
  s: number,
  pad: Pad,
): { dw: Float64Array; scale: Float64Array } {
  const [b, h, w, c] = xShape;
  const [top, p] = geometry(h, k, s, pad);
  const [left, q] = geometry(w, k, s, pad);
  const dw = new Float64Array(k * k * c * o), scale = new Float64Array(k * k * c * o);
  for (let n = 0; n < b; n++) {
    for (let pr = 0; pr < p; pr++) {
      for (let qc = 0; qc < q; qc++) {
        const g = ((n * p + pr) * q + qc) * o;
        for (let i = 0; i < k; i++) {
          const r = pr * s + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < k; j++) {
            const col = qc * s + j - left;
            if (col < 0 || col >= w) continue;
            const xi = ((n * h + r) * w + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const xv = x[xi + ch], at = ((i * k + j) * c + ch) * o;
              for (let oc = 0; oc < o; oc++) {
                const t = xv * dy[g + oc];
                dw[at + oc] += t;
                scale[at + oc] += Math.abs(t);
              }
            }
          }
        }
      }
    }
  }
  return { dw, scale };
}

/** The input gradient by its formula: dx[b, r, col, c] = Σ dy[b, p, q, o] · w[i, j, c, o]. */
function inputGradByFormula(
  dy: Float32Array,
  filter: Float32Array,
  xShape: number[],
  k: number,
  o: number,
  s: number,
  pad: Pad,
): { dx: Float64Array; scale: Float64Array } {
  const [b, h, w, c] = xShape;
  const [top, p] = geometry(h, k, s, pad);
  const [left, q] = geometry(w, k, s, pad);
  const dx = new Float64Array(b * h * w * c), scale = new Float64Array(b * h * w * c);
  for (let n = 0; n < b; n++) {
    for (let pr = 0; pr < p; pr++) {
      for (let qc = 0; qc < q; qc++) {
        const g = ((n * p + pr) * q + qc) * o;
        for (let i = 0; i < k; i++) {
          const r = pr * s + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < k; j++) {
            const col = qc * s + j - left;
            if (col < 0 || col >= w) continue;
            const xi = ((n * h + r) * w + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const at = ((i * k + j) * c + ch) * o;
              for (let oc = 0; oc < o; oc++) {
                const t = dy[g + oc] * filter[at + oc];
                dx[xi + ch] += t;
                scale[xi + ch] += Math.abs(t);
              }
            }
          }
        }
      }
    }
  }
  return { dx, scale };
}

/** Asserts |actual − expected| ≤ tol · (Σ|terms| + 1e-30) entry by entry. */
function assertWithinRounding(
  actual: ArrayLike<number>,
  expected: Float64Array,
  scale: Float64Array,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= tol * scale[i] + 1e-30,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (Σ|terms| ${scale[i]})`,
    );
  }
}

/** Float32 rounding of a sum of n terms stays well under n·2⁻²⁴ of Σ|terms|; 1e-5 is ample. */
const TOL = 1e-5;

const CASES: { batch: number; x: number[]; o: number }[] = [];
for (const batch of [1, 64]) {
  CASES.push({ batch, x: [28, 28, 1], o: 16 }, { batch, x: [14, 14, 16], o: 32 });
}

Deno.test("Conv2DBackpropFilter on wasm equals its formula for batch 1 and 64, kernel 3 and 5, stride 1 and 2, same and valid", () => {
  let seed = 1;
  for (const { batch, x: [h, w, c], o } of CASES) {
    for (const k of [3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ["same", "valid"] as const) {
          const what = `x [${batch}, ${h}, ${w}, ${c}], ${k}×${k}×${o}, stride ${s}, ${pad}`;
          const xShape = [batch, h, w, c];
          const [, p] = geometry(h, k, s, pad), [, q] = geometry(w, k, s, pad);
          const xv = normals(batch * h * w * c, seed++);
          const dyv = normals(batch * p * q * o, seed++);
          // The gradient of Σ conv2d(x, w) ⊙ dy with respect to w is the filter gradient for dy.
          const got = tf.tidy(() => {
            const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
            const dy = tf.tensor4d(dyv, [batch, p, q, o]);
            const grad = tf.grad((w: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, s, pad), dy))
            );
            return grad(tf.zeros([k, k, c, o])).dataSync();
          });
          const { dw, scale } = filterGradByFormula(xv, xShape, dyv, k, o, s, pad);
          assertWithinRounding(got, dw, scale, TOL, what);
        }
      }
    }
  }
});

Deno.test("Conv2DBackpropInput on wasm equals its formula for the same shapes", () => {
  let seed = 1000;
  for (const { batch, x: [h, w, c], o } of CASES) {
    for (const k of [3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ["same", "valid"] as const) {
          const what = `x [${batch}, ${h}, ${w}, ${c}], ${k}×${k}×${o}, stride ${s}, ${pad}`;
          const xShape = [batch, h, w, c] as [number, number, number, number];
          const [, p] = geometry(h, k, s, pad), [, q] = geometry(w, k, s, pad);
          const wv = normals(k * k * c * o, seed++);
          const dyv = normals(batch * p * q * o, seed++);
          const got = tf.tidy(() =>
            tf.conv2dTranspose(
              tf.tensor4d(dyv, [batch, p, q, o]),
              tf.tensor4d(wv, [k, k, c, o]),
              xShape,
              s,
              pad,
            ).dataSync()
          );
          const { dx, scale } = inputGradByFormula(dyv, wv, xShape, k, o, s, pad);
          assertWithinRounding(got, dx, scale, TOL, what);
        }
      }
    }
  }
});

/** Runs `f` on the cpu backend and returns to wasm. */
async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend("cpu");
  try {
    return f();
  } finally {
    await tf.setBackend("wasm");
  }
}

Deno.test("conv2d gradients on wasm equal the cpu backend's for rectangular inputs and explicit padding", async () => {
  const cases: [
    number[],
    number[],
    number | [number, number],
    tf.backend_util.ExplicitPadding | number,
  ][] = [
    [[2, 9, 7, 3], [5, 3, 3, 4], [2, 1], [[0, 0], [2, 1], [0, 1], [0, 0]]],
    [[3, 8, 11, 2], [3, 3, 2, 5], 2, 1], // numeric padding: tfjs sizes both axes by the first stride
    [[1, 6, 6, 2], [3, 3, 2, 2], 1, 3], // padding above the filter size: tfjs's own kernel
    [[2, 9, 8, 3], [3, 2, 3, 8], [2, 1], [[0, 0], [1, 0], [1, 1], [0, 0]]], // SIMD, C = 3
    [[2, 9, 8, 4], [2, 3, 4, 16], [1, 2], [[0, 0], [0, 1], [2, 0], [0, 0]]], // SIMD, C = 4
  ];
  let seed = 2000;
  for (const [xShape, fShape, strides, pad] of cases) {
    const xv = normals(xShape.reduce((a, b) => a * b), seed++);
    const fv = normals(fShape.reduce((a, b) => a * b), seed++);
    const grads = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
        const f = tf.tensor4d(fv, fShape as [number, number, number, number]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)))
        );
        return g([x, f]).map((t) => Array.from(t.dataSync()));
      });
    const wasmGrads = grads();
    const cpuGrads = await onCpu(grads);
    for (const [i, name] of ["dx", "dW"].entries()) {
      const ref = cpuGrads[i], got = wasmGrads[i];
      const top = Math.max(...ref.map(Math.abs));
      ref.forEach((v, j) =>
        assert.ok(
          Math.abs(got[j] - v) <= 1e-5 * top,
          `${name} of ${JSON.stringify([xShape, fShape, strides, pad])}[${j}]: ${got[j]} vs ${v}`,
        )
      );
    }
  }
});

Deno.test("stride-1 conv2d, its gradients and fused conv2d on wasm (lib's matrix product) equal the cpu backend's", async () => {
  const cases: [number[], number[], Pad | number | tf.backend_util.ExplicitPadding][] = [
    [[1, 7, 9, 16], [3, 3, 16, 5], "same"],
    [[3, 11, 6, 3], [3, 3, 3, 8], "same"],
    [[3, 9, 13, 16], [3, 3, 16, 13], "valid"],
    [[1, 8, 7, 1], [3, 3, 1, 8], "same"], // kW·C = 3: the other kernels
    [[3, 10, 10, 1], [5, 5, 1, 7], "valid"], // kW·C = 5 forward; dx with kW·O = 35
    [[3, 6, 9, 3], [2, 3, 3, 4], "same"], // even filter height: padding 0 above, 1 below
    [[1, 12, 10, 16], [5, 5, 16, 32], 2],
    [[3, 7, 8, 4], [3, 2, 4, 16], [[0, 0], [2, 0], [1, 1], [0, 0]]],
    [[3, 5, 5, 16], [1, 1, 16, 8], "valid"],
    [[1, 14, 14, 16], [3, 3, 16, 32], "same"], // the CNN's second layer
  ];
  let seed = 5000;
  for (const [xShape, fShape, pad] of cases) {
    const xv = normals(xShape.reduce((a, b) => a * b), seed++);
    const fv = normals(fShape.reduce((a, b) => a * b), seed++);
    const bv = normals(fShape[3], seed++);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
        const f = tf.tensor4d(fv, fShape as [number, number, number, number]);
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a, b))));
        const fused = tf.fused.conv2d({
          x,
          filter: f,
          strides: 1,
          pad,
          bias: tf.tensor1d(bv),
          activation: "relu",
        });
        return [conv(x, f), ...g([x, f]), fused].map((t) => Array.from(t.dataSync()));
      });
    const got = run(), want = await onCpu(run);
    for (const [i, name] of ["y", "dx", "dW", "fused"].entries()) {
      const top = Math.max(...want[i].map(Math.abs));
      assert.equal(got[i].length, want[i].length);
      want[i].forEach((v, j) =>
        assert.ok(
          Math.abs(got[i][j] - v) <= 1e-5 * top,
          `${name} of ${JSON.stringify([xShape, fShape, pad])}[${j}]: ${got[i][j]} vs ${v}`,
        )
      );
    }
  }
});

Deno.test("conv2d of single-channel images on wasm equals the cpu backend's", async () => {
  const cases: [number[], number[], number | [number, number], Pad | number][] = [
    [[64, 28, 28, 1], [3, 3, 1, 16], 1, "same"], // the SIMD kernel
    [[2, 28, 20, 1], [5, 5, 1, 8], 1, "valid"],
    [[2, 28, 16, 1], [3, 3, 1, 8], [2, 1], "same"],
    [[2, 12, 12, 1], [3, 2, 1, 16], 1, "same"],
    [[2, 27, 16, 1], [3, 3, 1, 8], 2, "same"], // stride 2 across: XNNPACK
    [[2, 10, 10, 1], [3, 3, 1, 12], 1, 1], // 12 filters: XNNPACK
  ];
  let seed = 6000;
  for (const [xShape, fShape, strides, pad] of cases) {
    const xv = normals(xShape.reduce((a, b) => a * b), seed++);
    const fv = normals(fShape.reduce((a, b) => a * b), seed++);
    const conv = () =>
      tf.tidy(() =>
        Array.from(
          tf.conv2d(
            tf.tensor4d(xv, xShape as [number, number, number, number]),
            tf.tensor4d(fv, fShape as [number, number, number, number]),
            strides,
            pad,
          ).dataSync(),
        )
      );
    const got = conv(), want = await onCpu(conv);
    assert.equal(got.length, want.length);
    got.forEach((v, j) =>
      assert.ok(
        Math.abs(v - want[j]) <= 1e-5 * (1 + Math.abs(want[j])),
        `${JSON.stringify([xShape, fShape, strides, pad])}[${j}]: ${v} vs ${want[j]}`,
      )
    );
  }
});

Deno.test("fused conv2d (bias, activation) of single-channel images on wasm equals the cpu backend's", async () => {
  const xv = normals(4 * 16 * 16, 6100), fv = normals(3 * 3 * 16, 6101), bv = normals(16, 6102);
  const convs = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(xv, [4, 16, 16, 1]), filter = tf.tensor4d(fv, [3, 3, 1, 16]);
      const activations = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"] as const;
      return activations.flatMap((activation) =>
        [undefined, tf.tensor1d(bv)].map((bias) =>
          Array.from(
            tf.fused.conv2d({
              x,
              filter,
              strides: 1,
              pad: "same",
              bias,
              activation,
              leakyreluAlpha: 0.2, // without it, cpu gives NaN and wasm 0 for negative values
            }).dataSync(),
          )
        )
      );
    });
  const got = convs(), want = await onCpu(convs);
  got.forEach((g, i) =>
    g.forEach((v, j) =>
      assert.ok(Math.abs(v - want[i][j]) <= 1e-5 * (1 + Math.abs(want[i][j])), `${i}[${j}]`)
    )
  );
});

Deno.test("MaxPoolGrad on wasm equals the cpu backend's, also for windows of negative values and ties", async () => {
  const cases: [number[], number, number, Pad][] = [
    [[2, 6, 6, 3], 2, 2, "valid"],
    [[2, 7, 7, 3], 3, 2, "same"],
    [[2, 7, 5, 3], 3, 1, "same"],
    [[1, 5, 5, 2], 2, 1, "valid"],
    [[2, 7, 9, 4], 2, 2, "valid"], // odd sizes: the last row and column belong to no window
    [[2, 8, 6, 3], 2, 2, "valid"], // 2×2 windows, C not a multiple of 4: the JavaScript loop
  ];
  let seed = 3000;
  for (const [shape, size, stride, pad] of cases) {
    // Negative values (tfjs-wasm's own kernel passes no gradient for windows ≤ 0) and ties.
    const xv = normals(shape.reduce((a, b) => a * b), seed++).map((v) =>
      v > 1 ? 1 : Math.round(v * 4) / 4 - 1
    );
    const grad = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const g = tf.grad((a: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, size, stride, pad);
          return tf.sum(tf.mul(y, tf.range(1, y.size + 1).reshape(y.shape)));
        });
        return Array.from(g(x).dataSync());
      });
    assert.deepEqual(grad(), await onCpu(grad), JSON.stringify([shape, size, stride, pad]));
  }
});

Deno.test("matMul gradients (transpose flags) on wasm equal the cpu backend's", async () => {
  const av = normals(7 * 300, 4000), bv = normals(300 * 5, 4001);
  const grads = () =>
    tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))
      );
      const out = g([tf.tensor2d(av, [7, 300]), tf.tensor2d(bv, [300, 5])]);
      const flags = [[false, true], [true, false], [true, true]] as const;
      const direct = flags.map(([ta, tb]) =>
        tf.matMul(
          ta ? tf.tensor2d(av, [300, 7]) : tf.tensor2d(av, [7, 300]),
          tb ? tf.tensor2d(bv, [5, 300]) : tf.tensor2d(bv, [300, 5]),
          ta,
          tb,
        )
      );
      return [...out, ...direct].map((t) => Array.from(t.dataSync()));
    });
  const got = grads(), want = await onCpu(grads);
  got.forEach((g, i) => {
    const top = Math.max(...want[i].map(Math.abs));
    g.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) <= 1e-5 * top, `${i}[${j}]`));
  });
});

Deno.test("matMul with transpose flags and multiples of 4 and 8 columns (the SIMD kernel) equals the cpu backend's", async () => {
  const flags = [[true, false], [false, true], [true, true]] as const;
  for (const [k, m, n] of [[300, 8, 16], [700, 12, 8], [64, 32, 64]]) {
    const av = normals(k * m, 4100 + k), bv = normals(k * n, 4200 + k);
    const products = () =>
      tf.tidy(() =>
        flags.map(([ta, tb]) =>
          Array.from(
            tf.matMul(
              tf.tensor2d(av, ta ? [k, m] : [m, k]),
              tf.tensor2d(bv, tb ? [n, k] : [k, n]),
              ta,
              tb,
            ).dataSync(),
          )
        )
      );
    const got = products(), want = await onCpu(products);
    got.forEach((g, f) => {
      const top = Math.max(...want[f].map(Math.abs));
      g.forEach((v, j) =>
        assert.ok(Math.abs(v - want[f][j]) <= 1e-5 * top, `[${k}, ${m}, ${n}] ${flags[f]} [${j}]`)
      );
    });
  }
});

Deno.test("matMul with and without one transpose flag (lib's matrix product) equals the cpu backend's for odd shapes", async () => {
  const flags = [[false, false], [true, false], [false, true]] as const;
  const shapes = [[600, 7, 5], [1, 1, 1], [3, 1, 9], [257, 13, 1], [1568, 64, 64]];
  for (const [k, m, n] of shapes) {
    const av = normals(k * m, 4300 + k), bv = normals(k * n, 4400 + k);
    const products = () =>
      tf.tidy(() =>
        flags.map(([ta, tb]) =>
          Array.from(
            tf.matMul(
              tf.tensor3d(av, ta ? [1, k, m] : [1, m, k]),
              tf.tensor2d(bv, tb ? [n, k] : [k, n]),
              ta,
              tb,
            ).dataSync(),
          )
        )
      );
    const got = products(), want = await onCpu(products);
    got.forEach((g, f) => {
      const top = Math.max(...want[f].map(Math.abs));
      assert.equal(g.length, m * n);
      g.forEach((v, j) =>
        assert.ok(Math.abs(v - want[f][j]) <= 1e-5 * top, `[${k}, ${m}, ${n}] ${flags[f]} [${j}]`)
      );
    });
  }
});

/** Row-by-row float32 sums of the columns of [rows, c] values. */
function float32ColumnSums(values: Float32Array, c: number): Float32Array {
  const sums = new Float32Array(c);
  for (let i = 0; i < values.length; i++) sums[i % c] = Math.fround(sums[i % c] + values[i]);
  return sums;
}

Deno.test("sums over all axes but the last are the row-by-row float32 sums; other sums are unchanged", async () => {
  const v = normals(6 * 5 * 4 * 8, 4300).map((x) => x * 1000);
  const x = tf.tensor4d(v, [6, 5, 4, 8]);
  const want = Array.from(float32ColumnSums(v, 8));
  for (const axis of [[0, 1, 2], [2, 0, 1], [-4, -3, -2]]) {
    assert.deepEqual(Array.from(tf.tidy(() => tf.sum(x, axis).dataSync())), want);
  }
  const kept = tf.sum(x, [0, 1, 2], true);
  assert.deepEqual(kept.shape, [1, 1, 1, 8]);
  assert.deepEqual(Array.from(kept.dataSync()), want);
  kept.dispose();
  // Other reductions and channel counts go to tfjs's kernel: compare with the cpu backend.
  const others = () =>
    tf.tidy(() => {
      const t = tf.tensor4d(v, [6, 5, 4, 8]);
      return [tf.sum(t, 3), tf.sum(t, [0, 1]), tf.sum(t), tf.sum(t.reshape([40, 6, 4]), [0, 1])]
        .map((r) => Array.from(r.dataSync()));
    });
  const got = others(), cpu = await onCpu(others);
  got.forEach((g, i) =>
    g.forEach((u, j) => assert.ok(Math.abs(u - cpu[i][j]) <= 1e-4 * Math.abs(cpu[i][j]) + 1e-3))
  );
  x.dispose();
});

Deno.test("adding a bias to every row gives the float32 sums; other adds are unchanged", () => {
  const v = normals(3 * 5 * 12, 4400), bv = normals(12, 4401);
  const want = v.map((u, i) => Math.fround(u + bv[i % 12]));
  tf.tidy(() => {
    const x = tf.tensor3d(v, [3, 5, 12]);
    for (const bias of [tf.tensor1d(bv), tf.tensor3d(bv, [1, 1, 12]), tf.tensor2d(bv, [1, 12])]) {
      assert.deepEqual(Array.from(tf.add(x, bias).dataSync()), Array.from(want));
      assert.deepEqual(Array.from(tf.add(bias, x).dataSync()), Array.from(want));
      assert.deepEqual(tf.add(x, bias).shape, [3, 5, 12]);
    }
    // A bias of higher rank broadcasts the result up: tfjs's kernel.
    const up = tf.add(tf.tensor2d(v.slice(0, 24), [2, 12]), tf.tensor3d(bv, [1, 1, 12]));
    assert.deepEqual(up.shape, [1, 2, 12]);
    assert.deepEqual(Array.from(up.dataSync()), Array.from(want.slice(0, 24)));
    const same = tf.add(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([10, 20, 30, 40]));
    assert.deepEqual(Array.from(same.dataSync()), [11, 22, 33, 44]);
  });
});

Deno.test("sub and multiply with a per-channel vector give the float32 results in both orders", () => {
  const v = normals(4 * 3 * 8, 4450), cv = normals(8, 4451);
  const f = Math.fround;
  tf.tidy(() => {
    const x = tf.tensor3d(v, [4, 3, 8]), c = tf.tensor3d(cv, [1, 1, 8]);
    const cases: [tf.Tensor, (u: number, w: number) => number][] = [
      [tf.sub(x, c), (u, w) => f(u - w)],
      [tf.sub(c, x), (u, w) => f(w - u)],
      [tf.mul(x, c), (u, w) => f(u * w)],
      [tf.mul(c.reshape([8]), x), (u, w) => f(u * w)],
    ];
    for (const [got, op] of cases) {
      assert.deepEqual(got.shape, [4, 3, 8]);
      assert.deepEqual(Array.from(got.dataSync()), Array.from(v, (u, i) => op(u, cv[i % 8])));
    }
  });
});

Deno.test("means over all axes but the last are float32 sums over the row count; tile equals cpu", async () => {
  const v = normals(5 * 7 * 12, 4460).map((x) => 100 * x);
  const m = tf.tidy(() => Array.from(tf.mean(tf.tensor3d(v, [5, 7, 12]), [0, 1]).dataSync()));
  assert.deepEqual(m, Array.from(float32ColumnSums(v, 12).map((s) => Math.fround(s / 35))));
  const tiles = () =>
    tf.tidy(() => {
      const t = tf.tensor3d(v.slice(0, 2 * 3 * 4), [2, 3, 4]);
      return [
        tf.tile(tf.tensor4d(v.slice(0, 12), [1, 1, 1, 12]), [3, 4, 5, 1]),
        tf.tile(t, [2, 1, 3]),
        tf.tile(t, [1, 2, 1]),
        tf.tile(tf.tensor1d([1, 2, 3], "int32"), [4]),
        tf.tile(tf.tensor2d([[1, 0]], [1, 2], "bool"), [2, 2]),
      ].map((r) => [r.shape, r.dtype, Array.from(r.dataSync())]);
    });
  assert.deepEqual(tiles(), await onCpu(tiles));
});

Deno.test("a cast to the same dtype shares its values; a cast to bool is v ≠ 0", () => {
  tf.tidy(() => {
    const x = tf.tensor1d([1.5, -2, 0, NaN]);
    const buffers = tf.engine().backend.numDataIds();
    const y = tf.cast(x, "float32");
    assert.equal(tf.engine().backend.numDataIds(), buffers);
    assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 0, NaN]);
    assert.deepEqual(Array.from(tf.cast(x.slice(0, 3), "int32").dataSync()), [1, -2, 0]);
    assert.deepEqual(Array.from(tf.cast(x, "bool").dataSync()), [1, 1, 0, 1]); // as cpu: v ≠ 0
  });
});

Deno.test("gather on wasm picks the same slices as the cpu backend along any axis, and rejects bad indices", async () => {
  const v = normals(7 * 5 * 20, 4500);
  const picks = () =>
    tf.tidy(() => {
      const x = tf.tensor3d(v, [7, 5, 20]);
      const i = tf.tensor1d([3, 0, 6, 3], "int32");
      const i2 = tf.tensor2d([[4, 1], [0, 0]], [2, 2], "int32");
      return [
        tf.gather(x, i),
        tf.gather(x, i2, 1),
        tf.gather(x, tf.tensor1d([19, 2], "int32"), -1),
        tf.gather(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), tf.tensor1d([1], "int32")),
      ].map((t) => [t.shape, t.dtype, Array.from(t.dataSync())]);
    });
  assert.deepEqual(picks(), await onCpu(picks));
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    assert.throws(
      () => tf.gather(x, tf.tensor1d([2], "int32")),
      /GatherV2: the index value 2 is not in \[0, 1\]/,
    );
  });
});

Deno.test("batch norm on wasm keeps tfjs-wasm's arithmetic: offset + (x − mean)·scale / √(variance + ε)", () => {
  for (
    const [shape, withOffset, withScale] of [
      [[6, 5, 8], true, true],
      [[40, 12], false, true],
      [[3, 4, 4, 16], true, false],
      [[7, 6], true, true], // 6 channels: tfjs's kernel, the same arithmetic
    ] as const
  ) {
    const c = shape[shape.length - 1], n = shape.reduce((a: number, b: number) => a * b, 1);
    const xv = normals(n, 4600 + n).map((v) => 3 * v + 1);
    const mv = normals(c, 4601), vv = normals(c, 4602).map((v) => v * v + 0.1);
    const ov = normals(c, 4603), sv = normals(c, 4604);
    const eps = 1e-3;
    const got = tf.tidy(() =>
      tf.batchNorm(
        tf.tensor(xv, [...shape]),
        tf.tensor1d(mv),
        tf.tensor1d(vv),
        withOffset ? tf.tensor1d(ov) : undefined,
        withScale ? tf.tensor1d(sv) : undefined,
        eps,
      ).dataSync()
    );
    // tfjs-wasm: (x − mean)·scale in float32, √ in float32, the division and sum in float64.
    const f = Math.fround;
    const want = xv.map((x, i) => {
      const k = i % c;
      const nf = f(Math.sqrt(f(vv[k] + f(eps))));
      return f((withOffset ? ov[k] : 0) + f(f(x - mv[k]) * (withScale ? sv[k] : 1)) / nf);
    });
    assert.deepEqual(Array.from(got), Array.from(want), JSON.stringify(shape));
  }
});

Deno.test("a clone on wasm shares its values and outlives the original", () => {
  const buffers = tf.engine().backend.numDataIds();
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const y = tf.clone(x);
  assert.equal(tf.engine().backend.numDataIds(), buffers + 1);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  y.dispose();
  assert.equal(tf.engine().backend.numDataIds(), buffers);
});

/** conv → relu → maxpool → conv → relu → maxpool → flatten → dense relu → dense softmax. */
function smallCnn(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 1],
        filters: 4,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        strides: 1,
        padding: "valid",
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 8,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
      }),
      tf.layers.dense({
        units: 3,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }),
      }),
    ],
  });
}

Deno.test("a small CNN's gradients (tf.variableGrads) agree between wasm and cpu", async () => {
  const xv = normals(8 * 12 * 12, 5000);
  const labels = Array.from({ length: 8 }, (_, i) => i % 3);
  const grads = () => {
    const model = smallCnn(7);
    try {
      return tf.tidy(() => {
        const x = tf.tensor4d(xv, [8, 12, 12, 1]);
        const y = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
        const { grads } = tf.variableGrads(() =>
          tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor)
        );
        return Object.values(grads).map((g) => Array.from(g.dataSync()));
      });
    } finally {
      model.dispose();
    }
  };
  const got = grads(), want = await onCpu(grads);
  assert.equal(got.length, 8);
  got.forEach((g, i) => {
    const top = Math.max(...want[i].map(Math.abs));
    assert.ok(top > 0, `gradient ${i} is not all zero`);
    g.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) <= 1e-4 * top, `${i}[${j}]`));
  });
});

Deno.test("a CNN with batch norm, average pooling, ELU, a strided conv and global pooling has the cpu backend's gradients on wasm", async () => {
  const xv = normals(4 * 12 * 12 * 3, 5100);
  const grads = () => {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 8,
          kernelSize: 3,
          padding: "same",
          useBias: false,
          kernelInitializer: init(1),
        }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: "relu" }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.conv2d({
          filters: 8,
          kernelSize: 3,
          strides: 2,
          activation: "elu",
          kernelInitializer: init(2),
        }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: init(3) }),
      ],
    });
    try {
      return tf.tidy(() => {
        const x = tf.tensor4d(xv, [4, 12, 12, 3]);
        const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], "int32"), 3);
        const { grads } = tf.variableGrads(() =>
          tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor)
        );
        return Object.values(grads).map((g) => Array.from(g.dataSync()));
      });
    } finally {
      model.dispose();
    }
  };
  const got = grads(), want = await onCpu(grads);
  assert.equal(got.length, 7);
  got.forEach((g, i) => {
    const top = Math.max(...want[i].map(Math.abs));
    g.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) <= 1e-4 * top, `${i}[${j}]`));
  });
});

Deno.test("training a CNN on wasm leaks no tensors and no backend buffers", () => {
  const model = smallCnn(11);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(normals(16 * 12 * 12, 6000), [16, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32"), 3);
  const step = () =>
    tf.tidy(() => {
      optimizer.minimize(() =>
        tf.losses.softmaxCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar
      );
    });
  step(); // creates the optimizer's slots
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.engine().backend.numDataIds(), buffers);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});

Deno.test("the conv kernels reject what they do not support with a clear error", () => {
  tf.tidy(() => {
    const x = tf.zeros([1, 5, 5, 2]), dy = tf.zeros([1, 5, 5, 3]);
    assert.throws(
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          strides: 1,
          pad: "same",
          dataFormat: "NCHW",
          filterShape: [3, 3, 2, 3],
        }),
      (e: Error) =>
        e instanceof RangeError &&
        e.message ===
          'Conv2DBackpropFilter on the wasm backend supports dataFormat "NHWC" only, got "NCHW"',
    );
    assert.throws(
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: tf.zeros([1, 4, 4, 3]) }, {
          strides: 1,
          pad: "same",
          dataFormat: "NHWC",
          filterShape: [3, 3, 2, 3],
        }),
      /Conv2DBackpropFilter: dy must have shape \[1, 5, 5, 3\] for these strides and padding, got \[1, 4, 4, 3\]/,
    );
    assert.throws(
      () =>
        tf.engine().runKernel("Conv2DBackpropInput", {
          dy,
          filter: tf.zeros([3, 3, 2, 3], "int32"),
        }, {
          strides: 1,
          pad: "same",
          dataFormat: "NHWC",
          inputShape: [1, 5, 5, 2],
        }),
      /Conv2DBackpropInput on the wasm backend needs float32 filter, got int32/,
    );
  });
});

Deno.test("registerConvKernels() is idempotent and initBackend() registers the filter gradient", () => {
  const names = [
    "Conv2D",
    "FusedConv2D",
    "Conv2DBackpropFilter",
    "Conv2DBackpropInput",
    "BatchMatMul",
    "MaxPoolGrad",
    "Identity",
    "Cast",
    "GatherV2",
    "Sum",
    "Mean",
    "Tile",
    "FusedBatchNorm",
    "Add",
    "Sub",
    "Multiply",
  ];
  const before = names.map((n) => tf.getKernel(n, "wasm"));
  assert.ok(before.every((k) => k !== undefined));
  registerConvKernels();
  registerConvKernels();
  assert.deepEqual(names.map((n) => tf.getKernel(n, "wasm")), before);
});
