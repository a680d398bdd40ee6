/**
 * Faster and corrected tfjs 4.22 wasm kernels for what training a network needs besides its
 * convolutions, and the plumbing lib's wasm kernels share (`_conv_kernels.ts` registers them
 * all). Measured on a batch of 64 in the small CNN of `bench/conv_bench.ts`:
 *
 * - `BatchMatMul` with a transpose flag (the gradients of every Dense layer): tfjs-wasm
 *   leaves XNNPACK for a scalar loop there (49.7 ms against 6.5 ms for an explicit transpose
 *   then a plain product, for 57.8 M multiply-adds); here lib's SIMD kernel
 *   (`_wasm_simd.ts`), or explicit transposes and XNNPACK.
 * - `Identity`, which tfjs runs on every tensor it keeps for a gradient: tfjs-wasm copies the
 *   values (0.7 ms for [64, 28, 28, 16]); here they are shared, as on the cpu backend.
 * - `Cast` to the same dtype (in ReLU's gradient) shares too; to bool it is v ≠ 0 (tfjs-wasm
 *   wraps −2 to 254).
 * - `GatherV2` (fit's batches): whole slices copied instead of tfjs-wasm's per-element loop
 *   (1.6 ms → 0.02 ms for 64 images of 28 × 28).
 * - `Sum` and `Mean` over all axes but the last (bias gradients, batch-norm statistics), and
 *   `Add`, `Sub` and `Multiply` of a per-channel vector with every row (biases, batch norm
 *   while gradients are recorded), by SIMD kernels with the same float32 results as
 *   tfjs-wasm's (for [64, 28, 28, 16]: Sum 1.4 → 0.17 ms, Mean 2.9 → 0.2 ms, Add 0.9 → 0.25
 *   ms, Multiply 1.8 → 0.25 ms).
 * - `FusedBatchNorm` over channels (a multiple of 4): SIMD with tfjs-wasm's own mixed
 *   float32/float64 arithmetic, so the same values (2.3 → 0.3 ms for [64, 28, 28, 16]).
 * - `Tile` (batch norm's gradient tiles [1, 1, 1, C] over the batch): block copies doubled
 *   with `copyWithin` instead of tfjs-wasm's per-element loop (42 ms → 0.1 ms for
 *   [64, 28, 28, 16]).
 *
 * Each kernel falls back to tfjs's own for the cases it does not cover.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type SimdKernels, simdKernels } from "./_wasm_simd.ts";
import { type MlpSimd, mlpSimd } from "./_mlp_simd.ts";

/** A tensor as kernels see it. */
export type Info = tf.TensorInfo;
/** A kernel's attributes. */
export type Attrs = Record<string, unknown>;
/** What a wasm kernel function is called with. */
export interface KernelArgs {
  inputs: Record<string, Info>;
  backend: BackendWasm;
  attrs: Attrs;
}
/** A wasm kernel function. */
export type KernelFn = (args: KernelArgs) => Info;

/** Marks the kernel configs lib registers, holding the config each replaced. */
const OURS = Symbol("lib wasm kernels");
type Config = tf.KernelConfig & { [OURS]?: tf.KernelConfig };

const originals = new Map<string, KernelFn>();

/** tfjs-wasm's own kernel function `name` (the one lib replaced, where it did). */
export function tfjsKernel(name: string): KernelFn {
  let fn = originals.get(name);
  if (fn === undefined) {
    const config = tf.getKernel(name, "wasm") as Config | undefined;
    if (config === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
    fn = (config[OURS] ?? config).kernelFunc as unknown as KernelFn;
    originals.set(name, fn);
  }
  return fn;
}

/** Runs `f` with a list that collects intermediate results, and frees them afterwards. */
export function scoped<T>(backend: BackendWasm, f: (temp: (t: Info) => Info) => T): T {
  const temps: Info[] = [];
  try {
    return f((t) => (temps.push(t), t));
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** The wasm Transpose kernel. */
export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return tfjsKernel("Transpose")({ inputs: { x }, backend, attrs: { perm } });
}

/** lib's SIMD kernels on tfjs-wasm's heap, or undefined where they cannot run. */
export function simd(backend: BackendWasm): SimdKernels | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? simdKernels(memory) : undefined;
}

/**
 * lib's float32 matrix product (`_mlp_simd.ts`: gemm, gemmNT) on tfjs-wasm's heap, or
 * undefined where it cannot run.
 */
export function mlp(backend: BackendWasm): MlpSimd | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? mlpSimd(memory) : undefined;
}

/** The byte offset of a tensor's values in tfjs-wasm's heap. */
export function ptr(backend: BackendWasm, t: Info): number {
  return backend.getMemoryOffset(t.dataId);
}

/**
 * BatchMatMul, unbatched float32 with at most one transpose flag (a Dense layer's forward
 * pass and its gradients): lib's matrix product in place ({@link productGemm}; 1.9 → 0.9 ms
 * for the three products of a [64, 1568] → 64 layer). Both flags: with M a multiple of 4 and
 * N of 8, lib's SIMD kernel on aᵀ [K, M] and b [K, N] (b transposed explicitly); otherwise
 * explicit transposes and XNNPACK's plain product. Batched products stay with tfjs's kernel.
 */
function batchMatMul(
  args: KernelArgs,
): Info {
  const { inputs: { a, b }, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const batched = (t: Info) => t.shape.slice(0, -2).some((d) => d !== 1);
  if (
    !(transposeA && transposeB) && a.dtype === "float32" && b.dtype === "float32" &&
    !batched(a) && !batched(b) && a.shape.length >= 2 && b.shape.length >= 2
  ) {
    const out = productGemm(backend, a, b, transposeA, transposeB);
    if (out) return out;
  }
  if (
    (!transposeA && !transposeB) || a.dtype !== "float32" || b.dtype !== "float32" ||
    batched(a) || batched(b)
  ) {
    return tfjsKernel("BatchMatMul")(args);
  }
  const flip = (t: Info) => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return transpose(backend, t, perm);
  };
  const [a0, a1] = a.shape.slice(-2), [b0, b1] = b.shape.slice(-2);
  const m = transposeA ? a1 : a0, n = transposeB ? b0 : b1, k = transposeA ? a0 : a1;
  const kernels = m % 4 === 0 && n % 8 === 0 ? simd(backend) : undefined;
  if (kernels) {
    // The SIMD kernel takes both operands with the reduction along rows: aᵀ [K, M], b [K, N].
    return scoped(backend, (temp) =>
      productTN(
        backend,
        kernels,
        transposeA ? a : temp(flip(a)),
        transposeB ? temp(flip(b)) : b,
        k,
        m,
        n,
      ));
  }
  return scoped(backend, (temp) =>
    tfjsKernel("BatchMatMul")({
      inputs: { a: transposeA ? temp(flip(a)) : a, b: transposeB ? temp(flip(b)) : b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }));
}

/**
 * An unbatched product with at most one transpose flag by lib's matrix product
 * (`_mlp_simd.ts`), reading the operands in place: a·b by gemm, aᵀ·b by gemm with A read
 * transposed, a·bᵀ by gemmNT (rows of both contiguous). The reduction goes in chunks of
 * {@link K_CHUNK} rows so that a column panel of b stays in cache. Undefined where the
 * kernels cannot run.
 */
function productGemm(
  backend: BackendWasm,
  a: Info,
  b: Info,
  transposeA: boolean,
  transposeB: boolean,
): Info | undefined {
  const [a0, a1] = a.shape.slice(-2), [b0, b1] = b.shape.slice(-2);
  const m = transposeA ? a1 : a0, n = transposeB ? b0 : b1, k = transposeA ? a0 : a1;
  if (m === 0 || n === 0 || k === 0) return undefined;
  const kernels = mlp(backend);
  if (!kernels) return undefined;
  const rank = Math.max(a.shape.length, b.shape.length);
  const out = backend.makeOutput([...Array(rank - 2).fill(1), m, n], "float32");
  const ap = ptr(backend, a), bp = ptr(backend, b), op = ptr(backend, out);
  if (transposeB) {
    kernels.gemmNT(ap, 4 * k, bp, 4 * k, op, 4 * n, m, n, k, 0);
    return out;
  }
  for (let start = 0; start < k; start += K_CHUNK) {
    const rows = Math.min(K_CHUNK, k - start);
    const aStart = transposeA ? ap + 4 * start * m : ap + 4 * start;
    kernels.gemm(
      aStart,
      transposeA ? 4 : 4 * k,
      transposeA ? 4 * m : 4,
      bp + 4 * start * n,
      4 * n,
      op,
      4 * n,
      m,
      n,
      rows,
      start > 0 ? 1 : 0,
    );
  }
  return out;
}

/** Rows of the reduction per call of the SIMD kernel in {@link productTN}: operands stay in cache. */
const K_CHUNK = 256;

/** aᵀ·b for a [K, M] and b [K, N] (M a multiple of 4, N of 8) by the SIMD kernel. */
function productTN(
  backend: BackendWasm,
  kernels: SimdKernels,
  a: Info,
  b: Info,
  k: number,
  m: number,
  n: number,
): Info {
  const rank = Math.max(a.shape.length, b.shape.length);
  const out = backend.makeOutput([...Array(rank - 2).fill(1), m, n], "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const ap = ptr(backend, a), bp = ptr(backend, b), op = ptr(backend, out);
  for (let start = 0; start < k; start += K_CHUNK) {
    const rows = Math.min(K_CHUNK, k - start);
    kernels.gemm(
      ap + 4 * start * m,
      4 * m,
      0,
      bp + 4 * start * n,
      4 * n,
      0,
      op,
      4 * n,
      rows,
      1,
      m / 4,
      n / 8,
    );
  }
  return out;
}

/**
 * Identity (what tfjs's engine runs to keep every tensor a gradient needs): shares the
 * values, as the cpu backend does, instead of tfjs-wasm's copy (tfjs never writes into a
 * tensor's values after creating it).
 */
function identity(
  args: KernelArgs,
): Info {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string") return tfjsKernel("Identity")(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Cast: to the dtype a tensor already has (ReLU's gradient casts its float32 step) it shares
 * the values; to bool it gives v ≠ 0 (tfjs-wasm's own kernel wraps −2 to 254); otherwise
 * tfjs's kernel.
 */
function cast(args: KernelArgs): Info {
  const { inputs: { x }, attrs: { dtype }, backend } = args;
  if (dtype === x.dtype) return identity(args);
  if (dtype !== "bool" || x.dtype === "string") return tfjsKernel("Cast")(args);
  const out = backend.makeOutput(x.shape, "bool");
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  return out;
}

/**
 * GatherV2 without batch dimensions (how `fit` takes its batches): whole slices copied with
 * `TypedArray.set`; tfjs-wasm's own kernel computes every element's position on its own
 * (1.6 ms for a batch of 64 images of 28 × 28, against a few µs here). Indices outside
 * [0, N) throw, as on the cpu backend.
 */
function gather(args: KernelArgs): Info {
  const { inputs: { x, indices }, backend, attrs } = args;
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  if ((batchDims ?? 0) !== 0 || x.dtype === "string" || indices.dtype !== "int32") {
    return tfjsKernel("GatherV2")(args);
  }
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const n = x.shape[ax];
  const outer = x.shape.slice(0, ax).reduce((u, v) => u * v, 1);
  const inner = x.shape.slice(ax + 1).reduce((u, v) => u * v, 1);
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= n) {
      throw new RangeError(`GatherV2: the index value ${idx[i]} is not in [0, ${n - 1}]`);
    }
  }
  const out = backend.makeOutput(
    [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)],
    x.dtype,
  );
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out);
  const picks = backend.typedArrayFromHeap(indices) as Int32Array;
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < picks.length; i++, at += inner) {
      const from = (o * n + picks[i]) * inner;
      if (inner >= 16) dst.set(src.subarray(from, from + inner), at);
      else for (let k = 0; k < inner; k++) dst[at + k] = src[from + k];
    }
  }
  return out;
}

/**
 * The column sums of float32 x [..., C] (C a multiple of 4) when `axis` is every axis but the
 * last, by the SIMD kernel; undefined otherwise. Rows are added in order: the order, and so
 * the result, of tfjs-wasm's Sum and Mean after their transpose.
 */
function columnSums(backend: BackendWasm, x: Info, axis: number | number[], keepDims: boolean) {
  const rank = x.shape.length, c = x.shape[rank - 1];
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((u, v) => u - v);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((d, i) => d === i);
  const rows = x.shape.slice(0, -1).reduce((u, v) => u * v, 1);
  const kernels = leading && x.dtype === "float32" && c % 4 === 0 && c > 0 && rows > 0
    ? simd(backend)
    : undefined;
  if (!kernels) return undefined;
  const out = backend.makeOutput(keepDims ? [...Array(rank - 1).fill(1), c] : [c], "float32");
  kernels.colSum(ptr(backend, x), ptr(backend, out), rows, c / 4);
  return { out, rows };
}

/** Sum over every axis but the last (bias gradients): {@link columnSums}; else tfjs's kernel. */
function sum(args: KernelArgs): Info {
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  return columnSums(args.backend, args.inputs.x, axis, keepDims)?.out ??
    tfjsKernel("Sum")(args);
}

/**
 * Mean over every axis but the last (batch-norm statistics): {@link columnSums} divided by
 * the row count in float32, as tfjs-wasm's Mean; else tfjs's kernel.
 */
function mean(args: KernelArgs): Info {
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const sums = columnSums(args.backend, args.inputs.x, axis, keepDims);
  if (!sums) return tfjsKernel("Mean")(args);
  const values = args.backend.typedArrayFromHeap(sums.out) as Float32Array;
  for (let i = 0; i < values.length; i++) values[i] /= sums.rows; // float32 a / n, n < 2²⁴
  return sums.out;
}

/**
 * Tile: the input block copied once, then doubled with `copyWithin` along each axis from the
 * last (batch norm's gradient tiles [1, 1, 1, C] to the whole batch: tfjs-wasm's kernel takes
 * 42 ms for [64, 28, 28, 16], this 0.1 ms).
 */
function tile(args: KernelArgs): Info {
  const { inputs: { x }, backend, attrs } = args;
  const reps = attrs.reps as number[];
  if (x.dtype === "string" || x.shape.length === 0) return tfjsKernel("Tile")(args);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out);
  const xStrides = tf.util.computeStrides(x.shape), outStrides = tf.util.computeStrides(outShape);
  const stride = (s: number[], d: number) => (d < rank - 1 ? s[d] : 1);
  /** Writes x's block at axis d (from src offset `from`) into out at `to`, tiled. */
  const fill = (d: number, from: number, to: number) => {
    const block = x.shape[d] * stride(outStrides, d);
    if (d === rank - 1) dst.set(src.subarray(from, from + x.shape[d]), to);
    else {
      for (let i = 0; i < x.shape[d]; i++) {
        fill(d + 1, from + i * stride(xStrides, d), to + i * stride(outStrides, d));
      }
    }
    const total = block * reps[d];
    for (let done = block; done < total;) {
      const n = Math.min(done, total - done);
      dst.copyWithin(to + done, to, to + n);
      done += n;
    }
  };
  fill(0, 0, 0);
  return out;
}

/**
 * FusedBatchNorm of float32 x [..., C] (C a multiple of 4) with per-channel mean, variance
 * and optional offset and scale of C values each: the SIMD kernel with tfjs-wasm's own
 * arithmetic, offset + (x − mean)·scale / √(variance + ε) with √ in float32 and the division
 * and sum in float64 (the same values, 2.3 → 0.3 ms for [64, 28, 28, 16]). Otherwise tfjs's
 * kernel.
 */
function fusedBatchNorm(args: KernelArgs): Info {
  const { inputs: { x, mean, variance, offset, scale }, backend, attrs } = args;
  const c = x.shape[x.shape.length - 1];
  const perChannel = (t: Info | null | undefined) =>
    t == null || (t.dtype === "float32" && t.shape.reduce((u, v) => u * v, 1) === c);
  const rows = x.shape.slice(0, -1).reduce((u, v) => u * v, 1);
  const kernels = x.dtype === "float32" && x.shape.length >= 2 && c % 4 === 0 && c > 0 &&
      rows > 0 && mean != null && variance != null &&
      [mean, variance, offset, scale].every(perChannel)
    ? simd(backend)
    : undefined;
  if (!kernels) return tfjsKernel("FusedBatchNorm")(args);
  const eps = Math.fround(attrs.varianceEpsilon as number);
  return scoped(backend, (temp) => {
    // Channel vectors: mean and scale (float32), then √(variance + ε) and offset (float64).
    const vectors = temp(backend.makeOutput([6 * c], "float32"));
    const out = backend.makeOutput(x.shape, "float32");
    const f32 = backend.typedArrayFromHeap(vectors) as Float32Array;
    const base = ptr(backend, vectors);
    const f64 = new Float64Array(f32.buffer, base + 8 * c, 2 * c);
    const m = backend.typedArrayFromHeap(mean) as Float32Array;
    const v = backend.typedArrayFromHeap(variance) as Float32Array;
    const o = offset == null ? undefined : backend.typedArrayFromHeap(offset) as Float32Array;
    const g = scale == null ? undefined : backend.typedArrayFromHeap(scale) as Float32Array;
    for (let i = 0; i < c; i++) {
      f32[i] = m[i];
      f32[c + i] = g ? g[i] : 1;
      f64[i] = Math.fround(Math.sqrt(Math.fround(v[i] + eps)));
      f64[c + i] = o ? o[i] : 0;
    }
    kernels.batchNorm(
      ptr(backend, x),
      ptr(backend, out),
      rows,
      c / 4,
      base,
      base + 4 * c,
      base + 8 * c,
      base + 16 * c,
    );
    return out;
  });
}

/**
 * Add, Sub and Mul of float32 x [..., C] and a vector v of shape [C] or [1, …, 1, C] (C a
 * multiple of 4): biases, and batch norm's statistics and scales while gradients are recorded.
 * The SIMD row kernels instead of tfjs-wasm's broadcasting loop (the same float32 operation
 * per value). Other operands: tfjs's kernel.
 */
function rowBinary(name: "Add" | "Sub" | "Multiply"): KernelFn {
  return (args) => {
    const { inputs: { a, b }, backend } = args;
    const isRowVector = (v: Info, x: Info) => {
      const c = x.shape[x.shape.length - 1];
      return v.shape.length <= x.shape.length && v.shape.length >= 1 &&
        v.shape[v.shape.length - 1] === c && v.shape.slice(0, -1).every((d) => d === 1) &&
        x.shape.length >= 2 && c % 4 === 0 && c > 0;
    };
    const vecB = isRowVector(b, a), vecA = !vecB && isRowVector(a, b);
    const kernels = (vecA || vecB) && a.dtype === "float32" && b.dtype === "float32"
      ? simd(backend)
      : undefined;
    if (!kernels) return tfjsKernel(name)(args);
    const [x, v] = vecB ? [a, b] : [b, a];
    const c = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((u, w) => u * w, 1);
    const out = backend.makeOutput(x.shape, "float32");
    const op = name === "Add"
      ? kernels.rowAdd
      : name === "Multiply"
      ? kernels.rowMul
      : vecB
      ? kernels.rowSub
      : kernels.rowRsub;
    if (rows > 0) op(ptr(backend, x), ptr(backend, v), ptr(backend, out), rows, c / 4);
    return out;
  };
}

/** The kernels of this module, by tfjs kernel name. */
export const WASM_KERNELS: Record<string, KernelFn> = {
  BatchMatMul: batchMatMul,
  Identity: identity,
  Cast: cast,
  GatherV2: gather,
  Sum: sum,
  Mean: mean,
  Tile: tile,
  FusedBatchNorm: fusedBatchNorm,
  Add: rowBinary("Add"),
  Sub: rowBinary("Sub"),
  Multiply: rowBinary("Multiply"),
};

/**
 * Registers `kernels` on the wasm backend in place of tfjs's (idempotent: a kernel lib
 * registered already stays). A kernel tfjs-wasm lacks is added; one in `onlyIfMissing` is
 * registered only where tfjs-wasm has none.
 */
export function registerWasmKernels(
  kernels: Record<string, KernelFn>,
  onlyIfMissing: readonly string[] = [],
): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const current = tf.getKernel(kernelName, "wasm") as Config | undefined;
    if (current?.[OURS]) continue;
    if (current !== undefined && onlyIfMissing.includes(kernelName)) continue;
    if (current !== undefined) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      setupFunc: current?.setupFunc,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      [OURS]: current ?? { kernelName, backendName: "wasm", kernelFunc: missing(kernelName) },
    } as Config);
  }
}

function missing(name: string): tf.KernelFunc {
  return () => {
    throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  };
}
