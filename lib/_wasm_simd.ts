/**
 * Small WebAssembly SIMD kernels that work in place on tfjs-wasm's heap, for the convolution
 * training of `_conv_kernels.ts`: a float32 matrix product that accumulates Aᵀ·B over strided
 * rows (the filter gradient, straight from x and dy, without an im2col copy or XNNPACK's
 * weight packing), the gradient of 2×2 max pooling with stride 2, column sums (bias
 * gradients, batch-norm means) and a per-channel vector added to, subtracted from or
 * multiplied with every row (biases, batch norm).
 *
 * Why: XNNPACK's matMul packs its right operand before every product with new weights, at
 * about 3.5 ns a float, and a filter gradient's operands are both new on every step; a
 * JavaScript im2col copy costs about 1.4 ns a float. The kernel here reads x and dy where
 * they are, in 4 × 8 register tiles (the layout of XNNPACK's own wasm SIMD kernels).
 *
 * The module is assembled here from its instructions (no binary file, no tool) and imports
 * tfjs-wasm's `WebAssembly.Memory`, so pointers are byte offsets into tfjs's heap.
 *
 * @module
 */
import { name, section, sleb, uleb, vec } from "./_wasm_binary.ts";

// Instructions used by the kernels.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (n: number) => [0x41, ...sleb(n)];
const ADD = [0x6a], SUB = [0x6b], MUL = [0x6c], GE_S = [0x4e];
const AND = [0xfd, ...uleb(78)], ANDNOT = [0xfd, ...uleb(79)], OR = [0xfd, ...uleb(80)];
const NOT = [0xfd, ...uleb(77)], BITSELECT = [0xfd, ...uleb(82)];
const F32X4_GT = [0xfd, ...uleb(68)], F32X4_ADD = [0xfd, ...uleb(228)];
const F32X4_SUB = [0xfd, ...uleb(229)], F32X4_MUL = [0xfd, ...uleb(230)];
const load = (offset = 0) => [0xfd, ...uleb(0), 0, ...uleb(offset)]; // v128.load, align 1
const store = (offset = 0) => [0xfd, ...uleb(11), 0, ...uleb(offset)]; // v128.store
const splat = (offset = 0) => [0xfd, ...uleb(9), 0, ...uleb(offset)]; // v128.load32_splat
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = [0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const br = (depth: number) => [0x0c, ...uleb(depth)];
/** local[i] += delta (i32). */
const inc = (i: number, delta: number[]) => [...get(i), ...delta, ...ADD, ...set(i)];
/** `for (; local[i] < local[n]; local[i]++) body`, with local[i] set to 0 first. */
const forUp = (i: number, n: number, body: number[]) => [
  ...i32(0),
  ...set(i),
  ...BLOCK,
  ...LOOP,
  ...get(i),
  ...get(n),
  ...GE_S,
  ...brIf(1),
  ...body,
  ...inc(i, i32(1)),
  ...br(0),
  ...END,
  ...END,
];

const I32 = 0x7f, V128 = 0x7b;

/**
 * gemm(a, aStep, aRowStep, b, bStep, bRowStep, c, cRow, k, rows, m4, n8):
 * C[M, N] += Σ over `rows` × `k` positions of a[·, 0:M]ᵀ ⊗ b[·, 0:N], where position (r, t)
 * reads A at a + r·aRowStep + t·aStep and B at b + r·bRowStep + t·bStep (byte offsets), C
 * rows are cRow bytes apart, M = 4·m4 and N = 8·n8.
 */
function gemmBody(): { params: number; locals: [number, number][]; code: number[] } {
  const [a, aStep, aRowStep, b, bStep, bRowStep, c, cRow, k, rows, m4, n8] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
  ];
  // i32 locals
  const [mt, nt, row, t, ar, brow, ap, bp, cp] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
  // v128 locals: acc0..acc7 (row r of the tile in acc 2r, 2r + 1), b0, b1, s
  const acc = (i: number) => 21 + i;
  const [b0, b1, s] = [29, 30, 31];
  const rowPtr = (
    r: number,
  ) => [...get(cp), ...(r === 0 ? [] : [...get(cRow), ...i32(r), ...MUL, ...ADD])];
  const loadAcc: number[] = [], storeAcc: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      loadAcc.push(...rowPtr(r), ...load(16 * h), ...set(acc(2 * r + h)));
      storeAcc.push(...rowPtr(r), ...get(acc(2 * r + h)), ...store(16 * h));
    }
  }
  const fma = (r: number) => [
    ...get(ap),
    ...splat(4 * r),
    ...set(s),
    ...get(acc(2 * r)),
    ...get(s),
    ...get(b0),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(acc(2 * r)),
    ...get(acc(2 * r + 1)),
    ...get(s),
    ...get(b1),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(acc(2 * r + 1)),
  ];
  const inner = [
    ...get(bp),
    ...load(0),
    ...set(b0),
    ...get(bp),
    ...load(16),
    ...set(b1),
    ...fma(0),
    ...fma(1),
    ...fma(2),
    ...fma(3),
    ...inc(ap, get(aStep)),
    ...inc(bp, get(bStep)),
  ];
  const overRows = [
    ...get(ar),
    ...set(ap),
    ...get(brow),
    ...set(bp),
    ...forUp(t, k, inner),
    ...inc(ar, get(aRowStep)),
    ...inc(brow, get(bRowStep)),
  ];
  const tile = [
    // cp = c + mt·4·cRow + nt·32; ar = a + mt·16; brow = b + nt·32
    ...get(c),
    ...get(mt),
    ...i32(4),
    ...MUL,
    ...get(cRow),
    ...MUL,
    ...ADD,
    ...get(nt),
    ...i32(32),
    ...MUL,
    ...ADD,
    ...set(cp),
    ...loadAcc,
    ...get(a),
    ...get(mt),
    ...i32(16),
    ...MUL,
    ...ADD,
    ...set(ar),
    ...get(b),
    ...get(nt),
    ...i32(32),
    ...MUL,
    ...ADD,
    ...set(brow),
    ...forUp(row, rows, overRows),
    ...storeAcc,
  ];
  return {
    params: 12,
    locals: [[9, I32], [11, V128]],
    code: forUp(mt, m4, forUp(nt, n8, tile)),
  };
}

/**
 * pool2(x, dy, dx, p, q, c4, xRow): the gradient of 2×2 max pooling with stride 2 for one
 * image: each dy value goes to the first largest of its window's four x values (00, 01, 10,
 * 11), and the other three get 0. x and dx are [2p(+1), W, C] with rows xRow bytes apart, dy
 * is [p, q, C], C = 4·c4.
 */
function poolBody(): { params: number; locals: [number, number][]; code: number[] } {
  const [x, dy, dx, p, q, c4, xRow] = [0, 1, 2, 3, 4, 5, 6];
  const [i, j, ch, x0, g, d0, px] = [7, 8, 9, 10, 11, 12, 13];
  const [v00, v01, v10, v11, w01, w10, w11, best, gv] = [14, 15, 16, 17, 18, 19, 20, 21, 22];
  const cBytes = [...get(c4), ...i32(16), ...MUL];
  const at = (base: number, right: boolean, down: boolean) => [
    ...get(base),
    ...(right ? [...cBytes, ...ADD] : []),
    ...(down ? [...get(xRow), ...ADD] : []),
  ];
  const channel = [
    ...at(px, false, false),
    ...load(0),
    ...set(v00),
    ...at(px, true, false),
    ...load(0),
    ...set(v01),
    ...at(px, false, true),
    ...load(0),
    ...set(v10),
    ...at(px, true, true),
    ...load(0),
    ...set(v11),
    ...get(g),
    ...load(0),
    ...set(gv),
    // w01 = v01 > v00; best = w01 ? v01 : v00; w10 = v10 > best; ...; w11 = v11 > best
    ...get(v01),
    ...get(v00),
    ...F32X4_GT,
    ...set(w01),
    ...get(v01),
    ...get(v00),
    ...get(w01),
    ...BITSELECT,
    ...set(best),
    ...get(v10),
    ...get(best),
    ...F32X4_GT,
    ...set(w10),
    ...get(v10),
    ...get(best),
    ...get(w10),
    ...BITSELECT,
    ...set(best),
    ...get(v11),
    ...get(best),
    ...F32X4_GT,
    ...set(w11),
    // dx11 = g & w11; dx10 = g & w10 & ~w11; dx01 = g & w01 & ~w10 & ~w11; dx00 = the rest
    ...at(d0, true, true),
    ...get(gv),
    ...get(w11),
    ...AND,
    ...store(0),
    ...get(w10),
    ...get(w11),
    ...ANDNOT,
    ...set(w10),
    ...at(d0, false, true),
    ...get(gv),
    ...get(w10),
    ...AND,
    ...store(0),
    ...get(w01),
    ...get(w10),
    ...get(w11),
    ...OR,
    ...ANDNOT,
    ...set(w01),
    ...at(d0, true, false),
    ...get(gv),
    ...get(w01),
    ...AND,
    ...store(0),
    ...at(d0, false, false),
    ...get(gv),
    ...get(w01),
    ...get(w10),
    ...OR,
    ...get(w11),
    ...OR,
    ...NOT,
    ...AND,
    ...store(0),
    ...inc(px, i32(16)),
    ...inc(d0, i32(16)),
    ...inc(g, i32(16)),
  ];
  const column = [
    // px = x0 + j·2·C·4, d0 = dx row + same
    ...get(x0),
    ...get(j),
    ...i32(2),
    ...MUL,
    ...cBytes,
    ...MUL,
    ...ADD,
    ...set(px),
    ...get(px),
    ...get(x),
    ...SUB,
    ...get(dx),
    ...ADD,
    ...set(d0),
    ...forUp(ch, c4, channel),
  ];
  const rowCode = [
    // x0 = x + i·2·xRow
    ...get(x),
    ...get(i),
    ...i32(2),
    ...MUL,
    ...get(xRow),
    ...MUL,
    ...ADD,
    ...set(x0),
    ...forUp(j, q, column),
  ];
  return {
    params: 7,
    locals: [[7, I32], [9, V128]],
    code: [...get(dy), ...set(g), ...forUp(i, p, rowCode)],
  };
}

/**
 * colSum(x, out, rows, c4): out[0:C] = Σ_r x[r, 0:C] (C = 4·c4), summed row after row in
 * float32 (the order, and so the result, of tfjs-wasm's Sum after its transpose).
 */
function colSumBody(): { params: number; locals: [number, number][]; code: number[] } {
  const [x, out, rows, c4] = [0, 1, 2, 3];
  const [r, ch, o] = [4, 5, 6];
  const zero = [
    ...get(out),
    ...set(o),
    ...forUp(ch, c4, [
      ...get(o),
      0xfd,
      ...uleb(12), // v128.const 0
      ...Array(16).fill(0),
      ...store(0),
      ...inc(o, i32(16)),
    ]),
  ];
  const add = [
    ...get(out),
    ...set(o),
    ...forUp(ch, c4, [
      ...get(o),
      ...get(o),
      ...load(0),
      ...get(x),
      ...load(0),
      ...F32X4_ADD,
      ...store(0),
      ...inc(o, i32(16)),
      ...inc(x, i32(16)),
    ]),
  ];
  return { params: 4, locals: [[3, I32]], code: [...zero, ...forUp(r, rows, add)] };
}

/**
 * Row kernels (x, v, out, rows, c4): out[r, 0:C] = x[r, 0:C] ∘ v[0:C] (C = 4·c4) for ∘ = +,
 * −, ×, and v − x for `rowRsub`: a per-channel vector applied to every row, one float32
 * operation per value, as tfjs-wasm's broadcasting kernels compute it.
 */
function rowOpBody(op: number[], swap: boolean) {
  return (): { params: number; locals: [number, number][]; code: number[] } => {
    const [x, v, out, rows, c4] = [0, 1, 2, 3, 4];
    const [r, ch, vp] = [5, 6, 7];
    const [first, second] = swap ? [vp, x] : [x, vp];
    const row = [
      ...get(v),
      ...set(vp),
      ...forUp(ch, c4, [
        ...get(out),
        ...get(first),
        ...load(0),
        ...get(second),
        ...load(0),
        ...op,
        ...store(0),
        ...inc(out, i32(16)),
        ...inc(x, i32(16)),
        ...inc(vp, i32(16)),
      ]),
    ];
    return { params: 5, locals: [[3, I32]], code: forUp(r, rows, row) };
  };
}

const F64X2_PROMOTE_LOW = [0xfd, ...uleb(95)], F32X4_DEMOTE_ZERO = [0xfd, ...uleb(94)];
const F64X2_ADD = [0xfd, ...uleb(240)], F64X2_DIV = [0xfd, ...uleb(243)];
/** i8x16.shuffle with 16 lane indices (0–15: the first operand, 16–31: the second). */
const shuffle = (lanes: number[]) => [0xfd, ...uleb(13), ...lanes];
const HIGH_HALF = shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);
const LOW_HALVES = shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);

/**
 * batchNorm(x, out, rows, c4, mean, scale, nf, offset): out[r, c] = offset[c] + (x[r, c] −
 * mean[c]) · scale[c] / nf[c], with the subtraction and product in float32 and the division
 * and sum in float64 (nf and offset are float64 vectors), rounded to float32 at the end: the
 * arithmetic of tfjs-wasm's FusedBatchNorm, four channels at a time.
 */
function batchNormBody(): { params: number; locals: [number, number][]; code: number[] } {
  const [x, out, rows, c4, mean, scale, nf, offset] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, ch, mp, sp, np, op] = [8, 9, 10, 11, 12, 13];
  const [e, lo] = [14, 15];
  const half = (high: boolean) => [
    ...get(e),
    ...(high ? [...get(e), ...HIGH_HALF] : []),
    ...F64X2_PROMOTE_LOW,
    ...get(np),
    ...load(high ? 16 : 0),
    ...F64X2_DIV,
    ...get(op),
    ...load(high ? 16 : 0),
    ...F64X2_ADD,
    ...F32X4_DEMOTE_ZERO,
  ];
  const channel = [
    // e = (x − mean) · scale in float32
    ...get(x),
    ...load(0),
    ...get(mp),
    ...load(0),
    ...F32X4_SUB,
    ...get(sp),
    ...load(0),
    ...F32X4_MUL,
    ...set(e),
    ...half(false),
    ...set(lo),
    ...get(out),
    ...get(lo),
    ...half(true),
    ...LOW_HALVES,
    ...store(0),
    ...inc(x, i32(16)),
    ...inc(out, i32(16)),
    ...inc(mp, i32(16)),
    ...inc(sp, i32(16)),
    ...inc(np, i32(32)),
    ...inc(op, i32(32)),
  ];
  const row = [
    ...get(mean),
    ...set(mp),
    ...get(scale),
    ...set(sp),
    ...get(nf),
    ...set(np),
    ...get(offset),
    ...set(op),
    ...forUp(ch, c4, channel),
  ];
  return { params: 8, locals: [[6, I32], [2, V128]], code: forUp(r, rows, row) };
}

const ROW_OPS = {
  rowAdd: rowOpBody(F32X4_ADD, false),
  rowSub: rowOpBody(F32X4_SUB, false),
  rowRsub: rowOpBody(F32X4_SUB, true),
  rowMul: rowOpBody(F32X4_MUL, false),
};

/** The module's bytes: imports env.memory, exports the kernels of {@link SimdKernels}. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const funcs = [
    gemmBody(),
    poolBody(),
    colSumBody(),
    batchNormBody(),
    ...Object.values(ROW_OPS).map((f) => f()),
  ];
  const types = funcs.map((f) => [0x60, ...vec(Array(f.params).fill([I32])), 0]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(0)]];
  const exports = ["gemm", "pool2", "colSum", "batchNorm", ...Object.keys(ROW_OPS)].map((
    n,
    i,
  ) => [...name(n), 0x00, ...uleb(i)]);
  const bodies = funcs.map((f) => {
    const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.code, ...END];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** The kernels, bound to one `WebAssembly.Memory`. */
export interface SimdKernels {
  gemm(
    a: number,
    aStep: number,
    aRowStep: number,
    b: number,
    bStep: number,
    bRowStep: number,
    c: number,
    cRow: number,
    k: number,
    rows: number,
    m4: number,
    n8: number,
  ): void;
  pool2(x: number, dy: number, dx: number, p: number, q: number, c4: number, xRow: number): void;
  colSum(x: number, out: number, rows: number, c4: number): void;
  batchNorm(
    x: number,
    out: number,
    rows: number,
    c4: number,
    mean: number,
    scale: number,
    nf: number,
    offset: number,
  ): void;
  rowAdd(x: number, v: number, out: number, rows: number, c4: number): void;
  rowSub(x: number, v: number, out: number, rows: number, c4: number): void;
  rowRsub(x: number, v: number, out: number, rows: number, c4: number): void;
  rowMul(x: number, v: number, out: number, rows: number, c4: number): void;
}

let compiled: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The kernels on `memory`, or undefined where WebAssembly SIMD is not available (the caller
 * then keeps its other path).
 */
export function simdKernels(memory: WebAssembly.Memory): SimdKernels | undefined {
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    try {
      compiled ??= new WebAssembly.Module(moduleBytes());
      const instance = new WebAssembly.Instance(compiled, { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null;
    }
    instances.set(memory, kernels);
  }
  return kernels ?? undefined;
}
