/**
 * Convolution and pooling gradient kernels for tfjs 4.22's wasm backend, so that Conv2D
 * layers train there, and fast; `registerConvKernels` (called by `initBackend`) registers
 * them with the other kernels of `_wasm_kernels.ts`.
 *
 * Why it exists: tfjs-backend-wasm 4.22 registers no `Conv2DBackpropFilter` kernel (training a
 * Conv2D fails with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"); its
 * `Conv2DBackpropInput` is a scalar C++ loop, about ten times slower than the XNNPACK
 * convolution behind the forward `Conv2D` (45.7 ms against 4.9 ms for the same 57.8 M
 * multiply-adds, batch 64 of 14×14×16 → 32, 3×3); and its `MaxPoolGrad` is slow (14.5 ms for
 * [64, 28, 28, 16]) and wrong: it starts the search for a window's maximum at the smallest
 * positive float instead of −∞, so windows whose values are all ≤ 0 pass no gradient.
 *
 * The kernels call the wasm kernel functions directly (no engine, no tape), or lib's SIMD
 * kernels (`_wasm_simd.ts`, `_mlp_simd.ts`) in place on the wasm heap:
 *
 * - stride 1 (dilation 1, kW·C ≥ 8 values per filter row): Conv2D, FusedConv2D (O a multiple
 *   of 4), the input gradient (as a convolution of dy with the flipped filter, kW·O ≥ 8) and
 *   the filter gradient run on lib's matrix product (`_mlp_simd.ts` gemm) over a zero-padded
 *   copy of the input: one product per image and filter row, the kW·C values of a filter row
 *   adjacent in memory (2.8, 2.7 and 2.9 ms for batch 64 of 14×14×16 → 32, 3×3, against 3.9,
 *   3.7 and 3.6 ms by XNNPACK and the kernels below). The other cases:
 * - filter gradient, dW[i, j, c, o] = Σ_{b, p, q} x[b, p·s + i − top, q·s + j − left, c] ·
 *   dy[b, p, q, o]: with O a multiple of 8, the SIMD kernel accumulates x-rowᵀ ⊗ dy-row
 *   products straight from x (C a multiple of 4) or from a zero-padded copy of x (other C),
 *   with no im2col matrix and none of XNNPACK's weight packing (3.7 ms for the shapes above,
 *   0.75 ms for 28×28×1 → 16); otherwise an im2col matrix (JavaScript) and XNNPACK's matMul.
 * - input gradient, dx = conv(dy, w rotated 180° with C and O swapped), padding k − 1 − top,
 *   by XNNPACK (3.7 ms); for strides above 1, dy first gets s − 1 zeros between its rows and
 *   columns. Explicit padding wider than the filter keeps tfjs's kernel. For C < 4 (a first
 *   layer: tfjs computes its input gradient too when the convolution is fused, e.g. before
 *   batch norm), dy · wᵀ by XNNPACK then col2im in JavaScript (3.9 → 1.7 ms for 28×28×1 → 16).
 * - forward Conv2D of single-channel images (grey pictures into a first layer): the SIMD
 *   kernel over a zero-padded copy of x (1.2 → 0.9 ms for [64, 28, 28, 1] → 16), where XNNPACK
 *   runs at a third of its speed; also FusedConv2D, with its bias and activation after it.
 *   Other convolutions stay with tfjs's XNNPACK kernel.
 * - max-pool gradient: each dy value goes to the first largest x of its window, as on the cpu
 *   backend; 2×2 windows with stride 2 by the SIMD kernel (0.2 ms), others in JavaScript.
 *
 * Supported: dataFormat "NHWC", float32, any strides, "same", "valid", numeric or explicit
 * padding (tfjs itself sizes numeric padding by the first stride and filter side only), and
 * dilation 1 (tfjs's conv2d gradient allows no other). Anything else throws a RangeError or
 * TypeError that names the kernel and the value.
 *
 * Everything else a small CNN needs to train is on wasm (Conv2D, FusedConv2D, MaxPool, AvgPool,
 * AvgPoolGrad, FusedBatchNorm, Relu, Elu, Step, Transform, ResizeBilinear(Grad),
 * ResizeNearestNeighbor(Grad)); still missing there: `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput` (DepthwiseConv2D and SeparableConv2D layers cannot
 * train), `UnsortedSegmentSum` (the gradient of gather, e.g. embeddings) and `Einsum`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { SimdKernels } from "./_wasm_simd.ts";
import type { MlpSimd } from "./_mlp_simd.ts";
import {
  type Info,
  type KernelArgs,
  type KernelFn,
  mlp,
  ptr,
  registerWasmKernels,
  scoped,
  simd,
  tfjsKernel,
  transpose,
  WASM_KERNELS,
} from "./_wasm_kernels.ts";

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Throws unless the gradient kernel `name` can compute these attributes and inputs. */
function checkSupported(name: string, attrs: ConvAttrs, tensors: Record<string, Info>): void {
  const format = attrs.dataFormat ?? "NHWC";
  if (format !== "NHWC") {
    throw new RangeError(
      `${name} on the wasm backend supports dataFormat "NHWC" only, got ${JSON.stringify(format)}`,
    );
  }
  for (const [key, t] of Object.entries(tensors)) {
    if (t.dtype !== "float32") {
      throw new TypeError(`${name} on the wasm backend needs float32 ${key}, got ${t.dtype}`);
    }
    if (t.shape.length !== 4) {
      throw new RangeError(
        `${name} on the wasm backend needs a 4-D ${key}, got shape [${t.shape.join(", ")}]`,
      );
    }
  }
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

function checkDyShape(name: string, dy: Info, info: tf.backend_util.Conv2DInfo): void {
  const want = info.outShape;
  if (dy.shape.some((d, i) => d !== want[i])) {
    throw new RangeError(
      `${name}: dy must have shape [${want.join(", ")}] for these strides and padding, got [${
        dy.shape.join(", ")
      }]`,
    );
  }
}

/**
 * The transposed im2col matrix of x for a convolution: row (i·kW + j)·C + c, column
 * (b·P + p)·Q + q holds x[b, p·sH + i − top, q·sW + j − left, c] (0 outside x). Written by a
 * JavaScript loop from xᵀ [C, B, H, W], so that both reads and writes run along rows.
 */
function im2colT(backend: BackendWasm, x: Info, info: tf.backend_util.Conv2DInfo): Info {
  const [b, h, w, c] = x.shape;
  const { outHeight: p, outWidth: q, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const n = b * p * q;
  return scoped(backend, (temp) => {
    const xT = c === 1 ? x : temp(transpose(backend, x, [3, 0, 1, 2]));
    const out = backend.makeOutput([kh * kw * c, n], "float32");
    const src = backend.typedArrayFromHeap(xT) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // Output columns q in [qLo, qHi) read inside x; the others read padding.
        const qLo = Math.min(q, Math.max(0, Math.ceil((left - j) / sw)));
        const qHi = Math.max(qLo, Math.min(q, Math.floor((w - 1 + left - j) / sw) + 1));
        for (let ch = 0; ch < c; ch++) {
          let o = ((i * kw + j) * c + ch) * n;
          for (let img = 0; img < b; img++) {
            const plane = (ch * b + img) * h * w;
            for (let row = 0; row < p; row++, o += q) {
              const r = row * sh + i - top;
              if (r < 0 || r >= h) {
                dst.fill(0, o, o + q);
                continue;
              }
              const from = plane + r * w + j - left;
              for (let col = 0; col < qLo; col++) dst[o + col] = 0;
              for (let col = qLo; col < qHi; col++) dst[o + col] = src[from + col * sw];
              for (let col = qHi; col < q; col++) dst[o + col] = 0;
            }
          }
        }
      }
    }
    return out;
  });
}

/** Output rows (or columns) p in [lo, hi) whose filter row i reads inside x (not padding). */
function validRange(i: number, out: number, size: number, stride: number, pad: number) {
  const lo = Math.min(out, Math.max(0, Math.ceil((pad - i) / stride)));
  const hi = Math.max(lo, Math.min(out, Math.floor((size - 1 + pad - i) / stride) + 1));
  return [lo, hi];
}

/**
 * dW by the SIMD kernel straight from x and dy (C a multiple of 4, O of 8): for every image
 * and filter tap (i, j), dW[i, j] += Σ_{p, q} x[b, p·s + i − top, q·s + j − left, :]ᵀ ⊗
 * dy[b, p, q, :] over the output positions whose tap reads inside x.
 */
function filterGradDirect(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const [b, h, w, c] = x.shape;
  const [, p, q, o] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput(info.filterShape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const xp = ptr(backend, x), dyp = ptr(backend, dy), dwp = ptr(backend, out);
  for (let img = 0; img < b; img++) {
    for (let i = 0; i < kh; i++) {
      const [pLo, pHi] = validRange(i, p, h, sh, top);
      for (let j = 0; j < kw; j++) {
        const [qLo, qHi] = validRange(j, q, w, sw, left);
        if (pHi <= pLo || qHi <= qLo) continue;
        kernels.gemm(
          xp + 4 * (((img * h + pLo * sh + i - top) * w + qLo * sw + j - left) * c),
          4 * sw * c,
          4 * sh * w * c,
          dyp + 4 * (((img * p + pLo) * q + qLo) * o),
          4 * o,
          4 * q * o,
          dwp + 4 * ((i * kw + j) * c * o),
          4 * o,
          qHi - qLo,
          pHi - pLo,
          c / 4,
          o / 8,
        );
      }
    }
  }
  return out;
}

/**
 * dW by the SIMD kernel for any C (O a multiple of 8), from a zero-padded copy of x: for
 * every image and filter row i, the kW·C values x[b, p·s + i, q·s : q·s + kW, :] of output
 * position (p, q) lie side by side, and serve as one row of length kW·C (rounded up to a
 * multiple of 4; the extra columns are computed and dropped): acc[i] += Σ_{p, q} rowᵀ ⊗
 * dy[b, p, q, :].
 */
function filterGradRows(
  backend: BackendWasm,
  kernels: SimdKernels,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const [b, h, w, c] = x.shape;
  const [, p, q, o] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const hp = Math.max(h + top, (p - 1) * sh + kh), wp = Math.max(w + left, (q - 1) * sw + kw);
  const rowLen = kw * c, m = Math.ceil(rowLen / 4) * 4;
  return scoped(backend, (temp) => {
    // The kernel reads up to m − rowLen floats past the last row: 4 spare floats.
    const xPad = temp(backend.makeOutput([b * hp * wp * c + 4], "float32"));
    const acc = temp(backend.makeOutput([kh, m, o], "float32"));
    const out = backend.makeOutput(info.filterShape, "float32");
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(xPad) as Float32Array;
    dst.fill(0);
    for (let img = 0; img < b; img++) {
      for (let r = 0; r < h; r++) {
        const from = (img * h + r) * w * c;
        dst.set(src.subarray(from, from + w * c), ((img * hp + r + top) * wp + left) * c);
      }
    }
    (backend.typedArrayFromHeap(acc) as Float32Array).fill(0);
    const xpp = ptr(backend, xPad), dyp = ptr(backend, dy), accp = ptr(backend, acc);
    for (let img = 0; img < b; img++) {
      for (let i = 0; i < kh; i++) {
        kernels.gemm(
          xpp + 4 * ((img * hp + i) * wp * c),
          4 * sw * c,
          4 * sh * wp * c,
          dyp + 4 * (img * p * q * o),
          4 * o,
          4 * q * o,
          accp + 4 * (i * m * o),
          4 * o,
          q,
          p,
          m / 4,
          o / 8,
        );
      }
    }
    const sums = backend.typedArrayFromHeap(acc) as Float32Array;
    const dw = backend.typedArrayFromHeap(out) as Float32Array;
    for (let i = 0; i < kh; i++) {
      dw.set(sums.subarray(i * m * o, (i * m + rowLen) * o), i * rowLen * o);
    }
    return out;
  });
}

/**
 * Each image of x [B, H, W, C] laid out with `top` zero rows above and `left` zero columns
 * to the left, in a grid of hp × wp positions per image (zeros elsewhere): x itself when no
 * padding is needed and it already has that grid. The second value says whether it is a copy
 * (to be freed).
 */
function paddedGrid(
  backend: BackendWasm,
  x: Info,
  top: number,
  left: number,
  hp: number,
  wp: number,
): [Info, boolean] {
  const [b, h, w, c] = x.shape;
  if (top === 0 && left === 0 && h === hp && w === wp) return [x, false];
  const out = backend.makeOutput([b, hp, wp, c], "float32");
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  const rows = Math.min(h, hp - top), cols = Math.min(w, wp - left) * c;
  for (let img = 0; img < b; img++) {
    for (let r = 0; r < rows; r++) {
      const from = (img * h + r) * w * c;
      dst.set(src.subarray(from, from + cols), ((img * hp + r + top) * wp + left) * c);
    }
  }
  return [out, true];
}

/**
 * A stride-1 convolution by lib's matrix product (`_mlp_simd.ts`), out[b, p, q, :] =
 * Σ_{i, j, c} x[b, p + i − top, q + j − left, c] · w[i, j, c, :] for p < P, q < Q (x is 0
 * outside), with w [kH, kW, C, O] at byte offset `wp0` of the heap. In a zero-padded copy of
 * x with rows of wp positions, output position (p, q) of an image is grid row r = p·wp + q,
 * and the kW·C inputs of filter row i for it are kW·C adjacent floats from ((r + i·wp)·C): so
 * one gemm per image and filter row (A rows C floats apart, k = kW·C) accumulates the whole
 * image, at grid width (the wp − Q extra columns per row are computed and dropped).
 */
function convGemm(
  backend: BackendWasm,
  kernels: MlpSimd,
  x: Info,
  wp0: number,
  kh: number,
  kw: number,
  o: number,
  top: number,
  left: number,
  p: number,
  q: number,
): Info {
  const [b, h, w, c] = x.shape;
  const hp = Math.max(h + top, p + kh - 1), wp = Math.max(w + left, q + kw - 1);
  return scoped(backend, (temp) => {
    const [xg, copied] = paddedGrid(backend, x, top, left, hp, wp);
    if (copied) temp(xg);
    const rows = (p - 1) * wp + q;
    const grid = wp === q ? undefined : temp(backend.makeOutput([rows, o], "float32"));
    const out = backend.makeOutput([b, p, q, o], "float32");
    const xp = ptr(backend, xg), op = ptr(backend, out);
    const gp = grid ? ptr(backend, grid) : 0;
    for (let img = 0; img < b; img++) {
      const dst = grid ? gp : op + 4 * img * p * q * o;
      for (let i = 0; i < kh; i++) {
        kernels.gemm(
          xp + 4 * (img * hp + i) * wp * c,
          4 * c,
          4,
          wp0 + 4 * i * kw * c * o,
          4 * o,
          dst,
          4 * o,
          rows,
          o,
          kw * c,
          i > 0 ? 1 : 0,
        );
      }
      if (grid) {
        // The heap view after every allocation (memory may have grown).
        const heap = backend.typedArrayFromHeap(out) as Float32Array;
        const base = heap.byteOffset;
        const all = new Float32Array(heap.buffer);
        for (let row = 0; row < p; row++) {
          const from = gp / 4 + row * wp * o;
          all.copyWithin(base / 4 + ((img * p + row) * q) * o, from, from + q * o);
        }
      }
    }
    return out;
  });
}

/**
 * dW by lib's matrix product for stride 1: with x zero-padded to rows of wp positions and dy
 * laid out on the same grid (zero at the wp − Q extra columns), dW[i, (j, c), :] =
 * Σ_b Σ_r xgrid[b, r + i·wp, (j, c)] · dygrid[b, r, :], one gemm per image and filter row with
 * A read transposed (its kW·C rows adjacent floats, the reduction C floats apart).
 */
function filterGradGemm(
  backend: BackendWasm,
  kernels: MlpSimd,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const [b, h, w, c] = x.shape;
  const [, p, q, o] = dy.shape;
  const { filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const hp = Math.max(h + top, p + kh - 1), wp = Math.max(w + left, q + kw - 1);
  return scoped(backend, (temp) => {
    const [xg, xCopied] = paddedGrid(backend, x, top, left, hp, wp);
    if (xCopied) temp(xg);
    const [dg, dCopied] = paddedGrid(backend, dy, 0, 0, p, wp);
    if (dCopied) temp(dg);
    const out = backend.makeOutput(info.filterShape, "float32");
    const xp = ptr(backend, xg), dp = ptr(backend, dg), op = ptr(backend, out);
    const rows = (p - 1) * wp + q;
    for (let img = 0; img < b; img++) {
      for (let i = 0; i < kh; i++) {
        kernels.gemm(
          xp + 4 * (img * hp + i) * wp * c,
          4,
          4 * c,
          dp + 4 * img * p * wp * o,
          4 * o,
          op + 4 * i * kw * c * o,
          4 * o,
          kw * c,
          o,
          rows,
          img > 0 ? 1 : 0,
        );
      }
    }
    return out;
  });
}

/** Whether the matrix-product paths take a convolution: stride 1, and kW·C ≥ 8 inputs per row. */
function gemmApplies(info: tf.backend_util.Conv2DInfo): boolean {
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  return sh === 1 && sw === 1 && dh === 1 && dw === 1 && info.filterWidth * info.inChannels >= 8 &&
    info.outHeight > 0 && info.outWidth > 0 && info.padInfo.top >= 0 && info.padInfo.left >= 0;
}

/**
 * Conv2DBackpropFilter: dW[i, j, c, o] = Σ_{b, p, q} x[b, p·s + i − top, q·s + j − left, c] ·
 * dy[b, p, q, o]. With O a multiple of 8, lib's SIMD kernel computes it in place (straight
 * from x when C is a multiple of 4, else from a zero-padded copy of x); otherwise one XNNPACK matMul of
 * the transposed im2col matrix of x, [kH·kW·C, B·P·Q], with dy seen as [B·P·Q, O].
 */
function backpropFilter(
  args: KernelArgs,
): Info {
  const { inputs: { x, dy }, backend } = args;
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  checkSupported("Conv2DBackpropFilter", attrs, { x, dy });
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  checkDyShape("Conv2DBackpropFilter", dy, info);
  const [b, p, q, o] = dy.shape;
  const fast = gemmApplies(info) ? mlp(backend) : undefined;
  if (fast) return filterGradGemm(backend, fast, x, dy, info);
  const kernels = o % 8 === 0 ? simd(backend) : undefined;
  if (kernels && x.shape[3] % 4 === 0) return filterGradDirect(backend, kernels, x, dy, info);
  if (kernels) return filterGradRows(backend, kernels, x, dy, info);
  return scoped(backend, (temp) => {
    const colsT = temp(im2colT(backend, x, info));
    const dy2d = { dataId: dy.dataId, shape: [b * p * q, o], dtype: dy.dtype };
    const dw = tfjsKernel("BatchMatMul")({
      inputs: { a: colsT, b: dy2d },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    return { ...dw, shape: info.filterShape };
  });
}

/** The filter [kH, kW, C, O] rotated by 180° with C and O swapped: [kH, kW, O, C]. */
function flippedFilter(backend: BackendWasm, filter: Info): Info {
  const [kh, kw, c, o] = filter.shape;
  const out = backend.makeOutput([kh, kw, o, c], "float32");
  const src = backend.typedArrayFromHeap(filter);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * c * o;
      const to = (i * kw + j) * o * c;
      for (let ci = 0; ci < c; ci++) {
        for (let co = 0; co < o; co++) dst[to + co * c + ci] = src[from + ci * o + co];
      }
    }
  }
  return out;
}

/** dy [B, P, Q, O] with sh − 1 zero rows and sw − 1 zero columns between its own. */
function dilated(backend: BackendWasm, dy: Info, sh: number, sw: number): Info {
  const [b, p, q, o] = dy.shape;
  const ph = (p - 1) * sh + 1, qw = (q - 1) * sw + 1;
  const out = backend.makeOutput([b, ph, qw, o], "float32");
  const src = backend.typedArrayFromHeap(dy);
  const dst = backend.typedArrayFromHeap(out);
  dst.fill(0);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < q; j++) {
        const from = ((n * p + i) * q + j) * o;
        const to = ((n * ph + i * sh) * qw + j * sw) * o;
        dst.set(src.subarray(from, from + o), to);
      }
    }
  }
  return out;
}

/**
 * Conv2DBackpropInput: dx = conv(dy (dilated by the strides), w rotated 180° with C and O
 * swapped), padding kH − 1 − top above. Falls back to tfjs's own kernel when that padding
 * would be negative (explicit padding larger than the filter).
 */
function backpropInput(
  args: KernelArgs,
): Info {
  const { inputs: { dy, filter }, backend } = args;
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  checkSupported("Conv2DBackpropInput", attrs, { dy, filter });
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  checkDyShape("Conv2DBackpropInput", dy, info);
  if (info.inChannels < 4) return inputGradCol2im(backend, dy, filter, info);
  const { inHeight: h, inWidth: w, outHeight: p, outWidth: q } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const ph = (p - 1) * sh + 1, qw = (q - 1) * sw + 1;
  const top = kh - 1 - info.padInfo.top, left = kw - 1 - info.padInfo.left;
  const bottom = h + kh - 1 - ph - top, right = w + kw - 1 - qw - left;
  if (Math.min(top, left, bottom, right) < 0) return tfjsKernel("Conv2DBackpropInput")(args);
  const o = info.outChannels;
  const fast = sh === 1 && sw === 1 && kw * o >= 8 ? mlp(backend) : undefined;
  return scoped(backend, (temp) => {
    const wFlip = temp(flippedFilter(backend, filter));
    if (fast) {
      const { inChannels: c } = info;
      return convGemm(backend, fast, dy, ptr(backend, wFlip), kh, kw, c, top, left, h, w);
    }
    const dyD = sh === 1 && sw === 1 ? dy : temp(dilated(backend, dy, sh, sw));
    return tfjsKernel("Conv2D")({
      inputs: { x: dyD, filter: wFlip },
      backend,
      attrs: {
        strides: 1,
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dilations: 1,
        dataFormat: "NHWC",
      },
    });
  });
}

/**
 * The input gradient for fewer than 4 input channels (a network's first layer on grey or RGB
 * images, where XNNPACK's convolution with 1 to 3 output channels is slow: 3.9 ms for
 * [64, 28, 28, 16] → 1 channel): t = dy [B·P·Q, O] · w [kH·kW·C, O]ᵀ by XNNPACK, then each
 * t[(b, p, q), (i, j, c)] added to dx[b, p·s + i − top, q·s + j − left, c] (col2im).
 */
function inputGradCol2im(
  backend: BackendWasm,
  dy: Info,
  filter: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const [b, p, q, o] = dy.shape;
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const taps = kh * kw * c;
  return scoped(backend, (temp) => {
    // wᵀ [O, kH·kW·C] by a JavaScript loop (a few hundred values).
    const wT = temp(backend.makeOutput([o, taps], "float32"));
    const wv = backend.typedArrayFromHeap(filter) as Float32Array;
    const wtv = backend.typedArrayFromHeap(wT) as Float32Array;
    for (let k = 0; k < taps; k++) {
      for (let oc = 0; oc < o; oc++) wtv[oc * taps + k] = wv[k * o + oc];
    }
    const t = temp(
      tfjsKernel("BatchMatMul")({
        inputs: { a: { ...dy, shape: [b * p * q, o] }, b: wT },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }),
    );
    const out = backend.makeOutput(info.inShape, "float32");
    const tv = backend.typedArrayFromHeap(t) as Float32Array;
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    // One pass per filter tap and channel: long, simple inner loops over output columns.
    for (let i = 0; i < kh; i++) {
      const [p0, p1] = validRange(i, p, h, sh, top);
      for (let j = 0; j < kw; j++) {
        const [q0, q1] = validRange(j, q, w, sw, left);
        for (let ch = 0; ch < c; ch++) {
          const tap = (i * kw + j) * c + ch;
          for (let img = 0; img < b; img++) {
            for (let row = p0; row < p1; row++) {
              let from = ((img * p + row) * q + q0) * taps + tap;
              let to = ((img * h + row * sh + i - top) * w + q0 * sw + j - left) * c + ch;
              for (let col = q0; col < q1; col++, from += taps, to += sw * c) dx[to] += tv[from];
            }
          }
        }
      }
    }
    return out;
  });
}

/**
 * Conv2D of a single-channel x (a first layer on grey images; XNNPACK runs at a third of its
 * speed there: 1.2 ms for [64, 28, 28, 1] → 16) by the SIMD kernel, for stride 1 along the
 * width, dilation 1, O a multiple of 8 and Q of 4: in a zero-padded copy of x, the values of
 * 4 neighbouring output positions for one filter tap lie side by side, so out[b, p, q:q+4, :]
 * += x-rowᵀ ⊗ w[i, j, 0, :] over the taps (i, j). Undefined when it does not apply.
 */
function conv2dSingleChannel(args: KernelArgs): Info | undefined {
  const { inputs: { x, filter }, backend } = args;
  const attrs = args.attrs as unknown as ConvAttrs & { dilations?: number | [number, number] };
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC" || x.dtype !== "float32") return undefined;
  if (x.shape.length !== 4 || x.shape[3] !== 1 || filter.dtype !== "float32") return undefined;
  const dilations = attrs.dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) return undefined;
  const info = convInfo(x.shape, filter.shape, attrs);
  const { outHeight: p, outWidth: q, outChannels: o, strideHeight: sh, strideWidth: sw } = info;
  if (sw !== 1 || o % 8 !== 0 || q % 4 !== 0 || p <= 0 || q <= 0) return undefined;
  const kernels = simd(backend);
  if (!kernels) return undefined;
  const [b, h, w] = x.shape;
  const { filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const hp = Math.max(h + top, (p - 1) * sh + kh), wp = Math.max(w + left, q - 1 + kw);
  return scoped(backend, (temp) => {
    const xPad = temp(backend.makeOutput([b * hp * wp], "float32"));
    const out = backend.makeOutput(info.outShape, "float32");
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(xPad) as Float32Array;
    dst.fill(0);
    for (let img = 0; img < b; img++) {
      for (let r = 0; r < h; r++) {
        const from = (img * h + r) * w;
        dst.set(src.subarray(from, from + w), (img * hp + r + top) * wp + left);
      }
    }
    (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
    const xpp = ptr(backend, xPad), wpp = ptr(backend, filter), op = ptr(backend, out);
    for (let img = 0; img < b; img++) {
      for (let row = 0; row < p; row++) {
        kernels.gemm(
          xpp + 4 * (img * hp + row * sh) * wp,
          4,
          4 * wp,
          wpp,
          4 * o,
          4 * kw * o,
          op + 4 * (img * p + row) * q * o,
          4 * o,
          kw,
          kh,
          q / 4,
          o / 8,
        );
      }
    }
    return out;
  });
}

/**
 * Conv2D by lib's matrix product ({@link convGemm}) for stride 1 and kW·C ≥ 8 (NHWC,
 * float32, dilation 1). Undefined when it does not apply.
 */
function conv2dGemm(args: KernelArgs): Info | undefined {
  const { inputs: { x, filter }, backend } = args;
  const attrs = args.attrs as unknown as ConvAttrs & { dilations?: number | [number, number] };
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC" || x.dtype !== "float32") return undefined;
  if (x.shape.length !== 4 || filter.dtype !== "float32" || filter.shape.length !== 4) {
    return undefined;
  }
  const dilations = attrs.dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) return undefined;
  const info = convInfo(x.shape, filter.shape, attrs);
  const kernels = gemmApplies(info) ? mlp(backend) : undefined;
  if (!kernels) return undefined;
  const { filterHeight: kh, filterWidth: kw, outChannels: o, outHeight: p, outWidth: q } = info;
  const { top, left } = info.padInfo;
  return convGemm(backend, kernels, x, ptr(backend, filter), kh, kw, o, top, left, p, q);
}

/** Conv2D: {@link conv2dGemm} or {@link conv2dSingleChannel} where they apply, else XNNPACK. */
function conv2d(args: KernelArgs): Info {
  return conv2dGemm(args) ?? conv2dSingleChannel(args) ?? tfjsKernel("Conv2D")(args);
}

/** The wasm kernels of FusedConv2D's activations that take no other input. */
const FUSED_ACTIVATIONS: Record<string, string | undefined> = {
  linear: undefined,
  relu: "Relu",
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
};

/**
 * FusedConv2D (a Conv2D layer's forward pass outside training, or with a linear activation)
 * of single-channel images: {@link conv2dSingleChannel}, then the bias ([O]) by the SIMD row
 * kernel and the activation's wasm kernel; other cases (and PReLU, leaky ReLU) tfjs's kernel.
 */
function fusedConv2d(
  args: KernelArgs,
): Info {
  const { inputs: { bias, preluActivationWeights }, backend, attrs } = args;
  const activation = (attrs.activation as string | undefined) ?? "linear";
  const o = args.inputs.filter.shape[3];
  const simpleBias = bias == null ||
    (bias.dtype === "float32" && bias.shape.reduce((u, v) => u * v, 1) === o &&
      bias.shape[bias.shape.length - 1] === o);
  const kernels = simd(backend);
  if (
    !(activation in FUSED_ACTIVATIONS) || preluActivationWeights != null || !simpleBias ||
    !kernels
  ) {
    return tfjsKernel("FusedConv2D")(args);
  }
  const out = o % 4 === 0 ? conv2dGemm(args) ?? conv2dSingleChannel(args) : undefined;
  if (!out) return tfjsKernel("FusedConv2D")(args);
  if (bias != null) {
    const rows = out.shape[0] * out.shape[1] * out.shape[2];
    const op = ptr(backend, out);
    kernels.rowAdd(op, ptr(backend, bias), op, rows, o / 4);
  }
  const act = FUSED_ACTIVATIONS[activation];
  if (act === undefined) return out;
  return scoped(
    backend,
    (temp) => tfjsKernel(act)({ inputs: { x: temp(out) }, backend, attrs: {} }),
  );
}

/**
 * MaxPoolGrad: each dy value goes to the first largest x of its window (row by row), as the
 * cpu backend does. A JavaScript loop over the wasm heap: tfjs-wasm's own kernel takes about
 * ten times longer, and starts its search for the largest value at the smallest positive
 * float instead of −∞, so windows whose values are all ≤ 0 pass no gradient at all.
 */
function maxPoolGrad(
  args: KernelArgs,
): Info {
  const { inputs: { dy, input }, backend } = args;
  const attrs = args.attrs as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: "valid" | "same" | number;
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  if (input.dtype !== "float32" || dy.dtype !== "float32" || input.shape.length !== 4) {
    return tfjsKernel("MaxPoolGrad")(args);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  checkDyShape("MaxPoolGrad", dy, info);
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: c } = info;
  const { outHeight: p, outWidth: q, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput(input.shape, "float32");
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  if (
    fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && p * 2 <= h &&
    q * 2 <= w
  ) {
    const kernels = c % 4 === 0 ? simd(backend) : undefined;
    if (!kernels) {
      pool2x2Grad(x, g, dx, b, h, w, c, p, q);
      return out;
    }
    const xp = ptr(backend, input), dyp = ptr(backend, dy), dxp = ptr(backend, out);
    for (let img = 0; img < b; img++) {
      const at = 4 * img * h * w * c;
      kernels.pool2(xp + at, dyp + 4 * img * p * q * c, dxp + at, p, q, c / 4, 4 * w * c);
    }
    return out;
  }
  // Channels innermost: the running maximum of every channel of one window at a time.
  const best = new Float32Array(c), at = new Int32Array(c);
  let k = 0;
  for (let img = 0; img < b; img++) {
    for (let row = 0; row < p; row++) {
      const r0 = Math.max(0, row * sh - top), r1 = Math.min(h, row * sh - top + fh);
      for (let col = 0; col < q; col++, k += c) {
        const c0 = Math.max(0, col * sw - left), c1 = Math.min(w, col * sw - left + fw);
        for (let ch = 0; ch < c; ch++) {
          best[ch] = -Infinity;
          at[ch] = -1;
        }
        for (let r = r0; r < r1; r++) {
          for (let cc = c0; cc < c1; cc++) {
            const base = ((img * h + r) * w + cc) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += g[k + ch];
      }
    }
  }
  return out;
}

/** {@link maxPoolGrad} for 2×2 windows with stride 2 that all lie inside x (dx zeroed). */
function pool2x2Grad(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  b: number,
  h: number,
  w: number,
  c: number,
  p: number,
  q: number,
): void {
  let k = 0;
  for (let img = 0; img < b; img++) {
    for (let row = 0; row < p; row++) {
      for (let col = 0; col < q; col++) {
        const i00 = ((img * h + 2 * row) * w + 2 * col) * c, i01 = i00 + c;
        const i10 = i00 + w * c, i11 = i10 + c;
        for (let ch = 0; ch < c; ch++, k++) {
          // First largest in the order 00, 01, 10, 11 (strict >, as the cpu backend).
          let at = i00 + ch, best = x[at];
          if (!(best > -Infinity)) at = -1, best = -Infinity;
          if (x[i01 + ch] > best) at = i01 + ch, best = x[at];
          if (x[i10 + ch] > best) at = i10 + ch, best = x[at];
          if (x[i11 + ch] > best) at = i11 + ch;
          if (at >= 0) dx[at] = g[k];
        }
      }
    }
  }
}

const CONV_KERNELS: Record<string, KernelFn> = {
  Conv2D: conv2d,
  FusedConv2D: fusedConv2d,
  Conv2DBackpropFilter: backpropFilter,
  Conv2DBackpropInput: backpropInput,
  MaxPoolGrad: maxPoolGrad,
};

/**
 * Registers lib's wasm kernels (idempotent): the missing `Conv2DBackpropFilter`, faster
 * `Conv2D` and `FusedConv2D` (stride 1, or single-channel input), `Conv2DBackpropInput` and
 * `MaxPoolGrad` (this module), and the faster or corrected `BatchMatMul`, `Identity`, `Cast`,
 * `GatherV2`, `Sum`, `Mean`, `Tile`, `FusedBatchNorm`, `Add`, `Sub` and `Multiply` of
 * `_wasm_kernels.ts`.
 * Each falls back to tfjs's own kernel for what it does not cover.
 */
export function registerConvKernels(): void {
  registerWasmKernels({ ...CONV_KERNELS, ...WASM_KERNELS }, ["Conv2DBackpropFilter"]);
}
