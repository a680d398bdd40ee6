/**
 * Micro-benchmark of the WebAssembly SIMD kernels of `lib/_mlp_simd.ts` on the shapes of a
 * dense network's training step: for a layer of `in` inputs and `out` units on a batch of
 * `batch` rows, the forward product (m = batch, k = in, n = out), the weight gradient
 * (m = in, n = out, k = batch, A read transposed) and the input gradient with gemmNT
 * (m = batch, n = in, k = out), and the fused forms: gemmBiasAct (the forward product with bias
 * and ReLU) and gemmNTAct (the input gradient with the ReLU mask). Prints GMAC/s per shape
 * (best of 200 timed runs of about 1 ms), then ns per float for each optimizer, colSum and
 * sumSqGrad over `count` floats, and for the activation passes (biasAct, actGrad) over
 * 256 × 512 floats.
 *
 * Run: deno run bench/mlp_kernels_bench.ts [--relaxed=false]
 *
 * @module
 */
import { mlpSimd } from "../lib/_mlp_simd.ts";

const relaxed = !Deno.args.includes("--relaxed=false");
const memory = new WebAssembly.Memory({ initial: 1024 }); // 64 MiB
const heap = new Float32Array(memory.buffer);
for (let i = 0; i < heap.length; i++) heap[i] = Math.sin(i) * 0.5;
const kernels = mlpSimd(memory, { relaxed });
if (kernels === undefined) throw new Error("WebAssembly SIMD is not available");

/**
 * Best time in ns of one call of `f`, over 200 runs of about 1 ms each: on a busy machine, the
 * shortest runs are those that nothing interrupted.
 */
function best(f: () => void): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    if (performance.now() - t0 > 1) break;
    reps *= 2;
  }
  let min = Infinity;
  for (let run = 0; run < 200; run++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    min = Math.min(min, (performance.now() - t0) / reps);
  }
  return min * 1e6;
}

const MB = 1 << 20;
const [A, B, C] = [0, 16 * MB, 32 * MB]; // byte offsets: 16 MiB apart
const shapes: [number, number, number][] = [
  [32, 64, 64],
  [32, 128, 128],
  [32, 512, 512],
  [256, 128, 128],
  [32, 784, 128],
  [32, 128, 10],
  [32, 2, 256],
  [32, 256, 1],
];
// Warm-up: V8 first runs a function's baseline code and compiles the optimized code in the
// background after enough calls.
const [w, g, s1, s2] = [40 * MB, 44 * MB, 48 * MB, 52 * MB];
for (const t0 = performance.now(); performance.now() - t0 < 300;) {
  kernels.gemm(A, 4 * 128, 4, B, 4 * 128, C, 4 * 128, 32, 128, 128, 0);
  kernels.gemmNT(A, 4 * 128, B, 4 * 128, C, 4 * 128, 32, 128, 128, 0);
  kernels.colSum(A, 4 * 128, C, 32, 128);
  kernels.sgd(w, g, 1024, 1e-3, 1, 0, 0, 1, 1);
  kernels.momentum(w, g, s1, 1024, 1e-3, 1, 0, 0, 1, 1, 0.9, 0, 1);
  kernels.rmsprop(w, g, s1, s2, 1024, 1e-3, 1, 0, 0, 1, 1, 0.9, 1e-7, 0);
  kernels.adam(w, g, s1, s2, 1024, 1e-3, 1, 0, 0, 1, 1, 0.9, 0.999, 1e-7, 0.1, 1e-3);
  kernels.sumSqGrad(w, g, 1024, 0, 0, 1);
}
console.log(`relaxed SIMD: ${relaxed}`);
console.log(
  "batch × in × out     forward GMAC/s   dW GMAC/s   dA (gemmNT) GMAC/s   +bias+ReLU   +ReLU mask",
);
for (const [batch, inp, out] of shapes) {
  const macs = batch * inp * out;
  const fwd = best(() => kernels.gemm(A, 4 * inp, 4, B, 4 * out, C, 4 * out, batch, out, inp, 0));
  const dw = best(() => kernels.gemm(A, 4, 4 * inp, B, 4 * out, C, 4 * out, inp, out, batch, 0));
  const da = inp === 2
    ? NaN
    : best(() => kernels.gemmNT(A, 4 * out, B, 4 * out, C, 4 * inp, batch, inp, out, 0));
  const fwdAct = best(() =>
    kernels.gemmBiasAct(A, 4 * inp, 4, B, 4 * out, C, 4 * out, batch, out, inp, 0, w, 1, 0)
  );
  const daAct = inp === 2
    ? NaN
    : best(() =>
      kernels.gemmNTAct(A, 4 * out, B, 4 * out, C, 4 * inp, batch, inp, out, 0, s1, 1, 0)
    );
  const g = (ns: number) => (macs / ns).toFixed(2).padStart(8);
  console.log(
    `${`${batch} × ${inp} × ${out}`.padEnd(20)} ${g(fwd)}         ${g(dw)}    ${g(da)}` +
      `             ${g(fwdAct)}     ${g(daAct)}`,
  );
}

for (const count of [64 * 64 + 64, 512 * 512 + 512]) {
  const ns = (f: () => void) => (best(f) / count).toFixed(3).padStart(6);
  console.log(`\nns per float over ${count} floats:`);
  console.log(
    `sgd                    ${ns(() => kernels.sgd(w, g, count, 1e-3, 1, 0, 0, Infinity, 1))}`,
  );
  console.log(
    `momentum               ${
      ns(() => kernels.momentum(w, g, s1, count, 1e-3, 1, 0, 0, Infinity, 1, 0.9, 0, 1))
    }`,
  );
  console.log(
    `rmsprop                ${
      ns(() => kernels.rmsprop(w, g, s1, s2, count, 1e-3, 1, 0, 0, Infinity, 1, 0.9, 1e-7, 0))
    }`,
  );
  console.log(
    `adam                   ${
      ns(() =>
        kernels.adam(w, g, s1, s2, count, 1e-3, 1, 0, 0, Infinity, 1, 0.9, 0.999, 1e-7, 0.1, 1e-3)
      )
    }`,
  );
  console.log(
    `adam, l1/l2/clip/decay ${
      ns(() =>
        kernels.adam(
          w,
          g,
          s1,
          s2,
          count,
          1e-3,
          0.999,
          1e-4,
          2e-4,
          1,
          0.5,
          0.9,
          0.999,
          1e-7,
          0.1,
          1e-3,
        )
      )
    }`,
  );
  console.log(`sumSqGrad              ${ns(() => kernels.sumSqGrad(w, g, count, 1e-4, 2e-4, 1))}`);
}
const rows = 256, cols = 512;
const colSum = best(() => kernels.colSum(A, 4 * cols, C, rows, cols)) / (rows * cols);
console.log(`\ncolSum ${rows} × ${cols}: ${colSum.toFixed(3)} ns per float`);
const n = rows * cols, perFloat = (f: () => void) => (best(f) / n).toFixed(3).padStart(6);
console.log(`ns per float over ${rows} × ${cols}:`);
console.log(`biasAct (ReLU)         ${perFloat(() => kernels.biasAct(A, w, rows, cols, 1, 0))}`);
console.log(`actGrad (ReLU)         ${perFloat(() => kernels.actGrad(C, A, n, 1, 0))}`);
