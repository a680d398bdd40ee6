/**
 * WebAssembly SIMD kernels for training small dense networks in one `WebAssembly.Memory`: matrix
 * products (forward pass, weight and input gradients; the forward one optionally with bias and
 * ReLU / leaky ReLU applied in its registers, the input gradient with the previous ReLU's
 * mask), column sums (bias gradients), the activation passes (bias + activation, activation
 * gradients, dropout masks), batch norm's row passes (column sums, normalization, input
 * gradient: in double precision, f64x2) and the optimizer updates of `_optimizers.ts` (sgd,
 * momentum, rmsprop, adam, with L1/L2 penalties, clipping and decoupled weight decay), in
 * float32.
 *
 * Why: every tfjs op has a fixed cost, so a small or deep network spends most of a training
 * step on op overhead. A trainer that keeps weights, gradients, optimizer state and activations
 * in one memory calls these kernels directly, with byte offsets for pointers.
 *
 * The matrix products use register tiles (6 × 8 for A·B, 2 × 4 for A·Bᵀ) of f32x4
 * multiply-adds, with `f32x4.relaxed_madd` (a fused multiply-add where the CPU has one) when
 * the engine validates relaxed SIMD, plain multiply and add otherwise; edges are handled with
 * smaller tiles and one- and two-lane loads and stores, so nothing is read or written outside
 * the operands. The optimizer updates run four floats at a time, in one of three loops: no
 * penalty or clipping, an L2 penalty only, or the whole formula.
 *
 * Measured with `bench/mlp_kernels_bench.ts` on a 2-core AMD EPYC (Deno 2.9.6, V8 15.0, which
 * accepts relaxed SIMD), batch 32 and layers of 64 to 784 inputs and units: 25–27 GMAC/s for
 * the forward products, 21–25 for the weight gradients and 24–27 for the input gradients
 * (14–15, 14–15 and 19–21 with multiply and add); adam 0.79 ns a float (1.33 with penalties
 * and clipping), sgd 0.21; over 256 × 512 floats, biasAct and actGrad 0.13 ns a float. With
 * bias and ReLU in the registers, the forward product of 256 × 128 × 128 keeps 27 GMAC/s, the
 * input gradient with the mask 26.
 *
 * The module is assembled here from its instructions, written in the text format's names
 * (see {@link asm}), like `_wasm_simd.ts` does.
 *
 * @module
 */
import { type Code, name, section, sleb, uleb, vec } from "./_wasm_binary.ts";
import { checkBoolean, checkOptions, describe } from "./_validate.ts";

// ---------------------------------------------------------------------------------------------
// Assembler

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;
const simd = (op: number): Code => [0xfd, ...uleb(op)];
const mem = (op: number) => (offset: number): Code => [...simd(op), 0, ...uleb(offset)];
const lane = (op: number) => (offset: number, l: number): Code => [...mem(op)(offset), l];

/** The instructions the kernels use that take no immediates, by their text-format names. */
const OPS: Record<string, Code> = {
  "return": [0x0f],
  "i32.eq": [0x46],
  "i32.lt_s": [0x48],
  "i32.lt_u": [0x49],
  "i32.le_s": [0x4c],
  "i32.le_u": [0x4d],
  "i32.ge_s": [0x4e],
  "f64.eq": [0x61],
  "f64.gt": [0x64],
  "i32.add": [0x6a],
  "i32.sub": [0x6b],
  "i32.mul": [0x6c],
  "i32.and": [0x71],
  "i32.shl": [0x74],
  "f64.neg": [0x9a],
  "f64.add": [0xa0],
  "f64.sub": [0xa1],
  "f64.div": [0xa3],
  "f32.demote_f64": [0xb6],
  "f32x4.splat": simd(19),
  "f32x4.lt": simd(67),
  "f32x4.gt": simd(68),
  "v128.and": simd(78),
  "v128.andnot": simd(79),
  "v128.bitselect": simd(82),
  "f32x4.demote_f64x2_zero": simd(94),
  "f64x2.promote_low_f32x4": simd(95),
  "f32x4.abs": simd(224),
  "f32x4.sqrt": simd(227),
  "f32x4.add": simd(228),
  "f32x4.sub": simd(229),
  "f32x4.mul": simd(230),
  "f32x4.div": simd(231),
  "f32x4.pmin": simd(234),
  "f32x4.pmax": simd(235),
  "f64x2.add": simd(240),
  "f64x2.sub": simd(241),
  "f64x2.mul": simd(242),
  "f32x4.relaxed_madd": simd(0x105),
};

/** Instructions with immediates: the numbers that follow them (memory offsets, then lanes). */
const IMMEDIATES: Record<string, (...n: number[]) => Code> = {
  "call": (i) => [0x10, ...uleb(i)],
  "local.get": (i) => [0x20, ...uleb(i)],
  "local.set": (i) => [0x21, ...uleb(i)],
  "i32.const": (n) => [0x41, ...sleb(n)],
  "f64.const": (x) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  "v128.load": mem(0),
  "v128.load32_splat": mem(9),
  "v128.store": mem(11),
  "f64x2.extract_lane": (l) => [...simd(33), l],
  "v128.load32_lane": lane(86),
  "v128.store32_lane": lane(90),
  "v128.store64_lane": lane(91),
  "v128.load32_zero": mem(92),
  "v128.load64_zero": mem(93),
};

/**
 * Assembles instructions written as in the text format, `asm\`local.get ${x} f32x4.abs\``:
 * names from OPS or IMMEDIATES, each of the latter followed by its numbers (in the text or
 * interpolated), and interpolated code, which is spliced in.
 */
function asm(strings: TemplateStringsArray, ...values: (Code | number | string)[]): Code {
  const tokens: (Code | number | string)[] = [];
  const words = (s: string) =>
    s.split(/\s+/).filter((w) => w !== "").map((w) => /^-?\d|^Infinity$/.test(w) ? Number(w) : w);
  strings.forEach((s, i) => {
    tokens.push(...words(s));
    if (i < values.length) {
      const v = values[i];
      tokens.push(...(typeof v === "string" ? words(v) : [v]));
    }
  });
  const out: Code = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (Array.isArray(token)) {
      out.push(...token);
    } else if (typeof token === "string" && token in OPS) {
      out.push(...OPS[token]);
    } else if (typeof token === "string" && token in IMMEDIATES) {
      const encode = IMMEDIATES[token], args = tokens.slice(i + 1, i + 1 + encode.length);
      if (args.length < encode.length || args.some((a) => typeof a !== "number")) {
        throw new Error(`${token} takes ${encode.length} numbers, got ${args.join(" ")}`);
      }
      out.push(...encode(...(args as number[])));
      i += encode.length;
    } else {
      throw new Error(`not an instruction: ${token}`);
    }
  }
  return out;
}

/** v128.const 0. */
const ZERO = [...simd(12), ...Array(16).fill(0)];
/** i8x16.shuffle by float lanes (0–3: the first operand, 4–7: the second). */
const shuffle = (lanes: number[]): Code => [
  ...simd(13),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

// Structured control flow. Branch depths inside `body` refer to its own blocks only.
const END = [0x0b];
const ifThen = (cond: Code, then: Code, otherwise?: Code): Code => [
  ...cond,
  ...[0x04, 0x40],
  ...then,
  ...(otherwise ? [0x05, ...otherwise] : []),
  ...END,
];
/** `while (cond) body`, compiled as `if (cond) do body while (cond)`. */
const whileDo = (cond: Code, body: Code): Code =>
  ifThen(cond, [0x03, 0x40, ...body, ...cond, 0x0d, 0, ...END]);
/** local x += (the i32 that `delta` pushes). */
const inc = (x: number, delta: Code): Code => asm`local.get ${x} ${delta} i32.add local.set ${x}`;
/** `for (t = count; t ≥ step; t -= step) body`. */
const countDown = (t: number, count: Code, step: number, body: Code): Code => {
  const more = asm`local.get ${t} i32.const ${step} i32.ge_s`;
  const loop = whileDo(more, [...body, ...inc(t, asm`i32.const ${-step}`)]);
  return asm`${count} local.set ${t} ${loop}`;
};
/** `while (x + step ≤ limit) { body; x += step }`, compared as signed or unsigned. */
const stepUp = (x: number, step: number, limit: Code, unsigned: boolean, body: Code): Code =>
  whileDo(
    asm`local.get ${x} i32.const ${step} i32.add ${limit} ${unsigned ? "i32.le_u" : "i32.le_s"}`,
    [
      ...body,
      ...inc(x, asm`i32.const ${step}`),
    ],
  );

/** A function being assembled: its parameter types, then locals added as needed. */
class Func {
  readonly types: number[];
  readonly params: number;
  readonly result: number | undefined;
  code: Code = [];
  constructor(params: number[], result?: number) {
    this.types = [...params];
    this.params = params.length;
    this.result = result;
  }
  local(type: number): number {
    return this.types.push(type) - 1;
  }
  locals(type: number, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }
}

/** Parameter indices 0 … n − 1. */
const params = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Multiply-add a·b + c of three f32x4 operands (each code leaves one on the stack). */
type Madd = (a: Code, b: Code, c: Code) => Code;
const fused: Madd = (a, b, c) => asm`${a} ${b} ${c} f32x4.relaxed_madd`;
const unfused: Madd = (a, b, c) => asm`${a} ${b} f32x4.mul ${c} f32x4.add`;

/**
 * Loads and stores of a vector of `w` ≤ 4 floats at an offset from the address on the stack:
 * full vectors, or the low one or two lanes (the others read as 0 and never written).
 */
function lanes(w: number): { ld: (o: number) => Code; st: (o: number) => Code } {
  if (w === 4) return { ld: (o) => asm`v128.load ${o}`, st: (o) => asm`v128.store ${o}` };
  if (w === 2) {
    return { ld: (o) => asm`v128.load64_zero ${o}`, st: (o) => asm`v128.store64_lane ${o} 0` };
  }
  return { ld: (o) => asm`v128.load32_zero ${o}`, st: (o) => asm`v128.store32_lane ${o} 0` };
}

// ---------------------------------------------------------------------------------------------
// Matrix products

/** Rows and column widths of the register tiles of gemm, largest first. */
const GEMM_ROWS = [6, 4, 2, 1], GEMM_WIDTHS = [8, 4, 2, 1];
/**
 * Steps of the k loops of gemm (values of t) and gemmNT (vectors of 4 values of t) per pass:
 * 8 instead of 1 (gemm) and 2 (gemmNT) took the products from 18–22 to 21–27 GMAC/s.
 */
const UNROLL_T = 8;

/**
 * gemm(a, aI, aT, b, bT, c, cI, m, n, k, accumulate): C = [C +] A·B with A(i, t) at
 * a + i·aI + t·aT, B(t, j) at b + t·bT + 4j, C(i, j) at c + i·cI + 4j (byte offsets).
 *
 * Column panels of B (8 floats wide) are the outer loop, so a panel (k rows) stays in the L1
 * cache while every tile of rows of A passes over it. A tile of R rows × W columns keeps C in
 * R·W/4 vector registers over the whole k loop: per t, W/4 loads of B, R broadcasts of A and
 * R·W/4 multiply-adds. When aI is 4 (the rows of a tile are adjacent floats: A read
 * transposed), the broadcasts take constant offsets from one pointer.
 *
 * One column (n = 1, the output layer of a regression) leaves most lanes idle, so it goes to
 * gemmNT (dot products of rows) when A's rows and B's column are contiguous, or is computed
 * as Cᵀ = Bᵀ·Aᵀ when A is read transposed and C's column is contiguous.
 */
function gemmFunc(madd: Madd, epilogue = false): Func {
  const f = new Func(epilogue ? [...Array(13).fill(I32), F64] : Array(11).fill(I32));
  const [a, aI, aT, b, bT, c, cI, m, n, k, accumulate, bias, act] = params(13);
  const [i, jb, nb, ap, bp, cp, t] = f.locals(I32, 7);
  const maxR = GEMM_ROWS[0], maxV = GEMM_WIDTHS[0] / 4;
  const aOff = f.locals(I32, maxR), cOff = f.locals(I32, maxR);
  const acc = f.locals(V128, maxR * maxV), bv = f.locals(V128, maxV), s = f.local(V128);
  const alpha = epilogue ? f.local(V128) : -1;
  /** The address of row r of a tile: base + off[r] (off[r] = r · the row stride). */
  const row = (base: number, off: number[], r: number) =>
    r === 0 ? asm`local.get ${base}` : asm`local.get ${base} local.get ${off[r]} i32.add`;

  const tile = (R: number, W: number, adjacent: boolean): Code => {
    const V = Math.ceil(W / 4), { ld, st } = lanes(Math.min(W, 4));
    const at = (r: number, v: number) => acc[r * maxV + v];
    const load: Code = [], zero: Code = [], store: Code = [], step: Code = [];
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) {
        load.push(...asm`${row(cp, cOff, r)} ${ld(16 * v)} local.set ${at(r, v)}`);
        zero.push(...asm`${ZERO} local.set ${at(r, v)}`);
        store.push(...asm`${row(cp, cOff, r)} local.get ${at(r, v)} ${st(16 * v)}`);
      }
    }
    for (let v = 0; v < V; v++) step.push(...asm`local.get ${bp} ${ld(16 * v)} local.set ${bv[v]}`);
    for (let r = 0; r < R; r++) {
      const splat = adjacent
        ? asm`local.get ${ap} v128.load32_splat ${4 * r}`
        : asm`${row(ap, aOff, r)} v128.load32_splat 0`;
      step.push(...asm`${splat} local.set ${s}`);
      for (let v = 0; v < V; v++) {
        const sum = madd(asm`local.get ${s}`, asm`local.get ${bv[v]}`, asm`local.get ${at(r, v)}`);
        step.push(...asm`${sum} local.set ${at(r, v)}`);
      }
    }
    step.push(...inc(ap, asm`local.get ${aT}`), ...inc(bp, asm`local.get ${bT}`));
    const finish: Code = [];
    if (epilogue) {
      // z = C + bias, then the activation, as biasAct does
      const relu: Code = [], leaky: Code = [];
      for (let v = 0; v < V; v++) {
        finish.push(...asm`local.get ${bias} local.get ${jb} i32.add ${ld(16 * v)} local.set ${s}`);
        for (let r = 0; r < R; r++) {
          const z = at(r, v);
          finish.push(...asm`local.get ${z} local.get ${s} f32x4.add local.set ${z}`);
          relu.push(...asm`${ZERO} local.get ${z} f32x4.pmax local.set ${z}`);
          leaky.push(...asm`local.get ${alpha} local.get ${z} f32x4.mul local.get ${z}
            local.get ${z} ${ZERO} f32x4.lt v128.bitselect local.set ${z}`);
        }
      }
      const is = (x: number) => asm`local.get ${act} i32.const ${x} i32.eq`;
      finish.push(...ifThen(is(ACT.relu), relu, ifThen(is(ACT.leakyRelu), leaky)));
    }
    return asm`
      local.get ${a} local.get ${i} local.get ${aI} i32.mul i32.add local.set ${ap}
      local.get ${b} local.get ${jb} i32.add local.set ${bp}
      local.get ${c} local.get ${i} local.get ${cI} i32.mul i32.add local.get ${jb} i32.add
      local.set ${cp}
      ${ifThen(asm`local.get ${accumulate}`, load, zero)}
      ${countDown(t, asm`local.get ${k}`, UNROLL_T, Array(UNROLL_T).fill(step).flat())}
      ${countDown(t, asm`local.get ${t}`, 1, step)}
      ${finish} ${store}`;
  };

  const driver = (adjacent: boolean): Code => [
    ...asm`i32.const 0 local.set ${jb}`,
    ...GEMM_WIDTHS.flatMap((W) =>
      stepUp(jb, 4 * W, asm`local.get ${nb}`, true, [
        ...asm`i32.const 0 local.set ${i}`,
        ...GEMM_ROWS.flatMap((R) => stepUp(i, R, asm`local.get ${m}`, false, tile(R, W, adjacent))),
      ])
    ),
  ];
  const offsets: Code = [];
  for (let r = 1; r < maxR; r++) {
    offsets.push(...asm`local.get ${aI} i32.const ${r} i32.mul local.set ${aOff[r]}`);
    offsets.push(...asm`local.get ${cI} i32.const ${r} i32.mul local.set ${cOff[r]}`);
  }
  const is = (x: number, value: number) => asm`local.get ${x} i32.const ${value} i32.eq`;
  // One column, rows of A and the column of B contiguous: dot products of rows.
  const dots = ifThen(
    asm`${is(n, 1)} ${is(aT, 4)} i32.and ${is(bT, 4)} i32.and`,
    asm`local.get ${a} local.get ${aI} local.get ${b} i32.const 4 local.get ${c} local.get ${cI}
      local.get ${m} i32.const 1 local.get ${k} local.get ${accumulate} ${call("gemmNT")} return`,
  );
  // One column, A read transposed, C contiguous: Cᵀ = Bᵀ·Aᵀ, the rows of Aᵀ contiguous.
  const transposed = ifThen(
    asm`${is(n, 1)} ${is(aI, 4)} i32.and ${is(cI, 4)} i32.and`,
    asm`local.get ${b} i32.const 0 local.get ${bT} local.get ${a} local.get ${aT} local.get ${c}
      i32.const 4 i32.const 1 local.get ${m} local.get ${k} local.get ${accumulate}
      ${call("gemm")} return`,
  );
  f.code = epilogue
    ? asm`local.get 13 f32.demote_f64 f32x4.splat local.set ${alpha}
      local.get ${n} i32.const 2 i32.shl local.set ${nb} ${offsets}
      ${ifThen(is(aI, 4), driver(true), driver(false))}`
    : asm`local.get ${n} i32.const 2 i32.shl local.set ${nb} ${offsets} ${dots} ${transposed}
      ${ifThen(is(aI, 4), driver(true), driver(false))}`;
  return f;
}

/** Calls the kernel `name` of the module (functions are numbered as in KERNELS). */
const call = (name: keyof MlpSimd): Code => asm`call ${KERNELS.findIndex(([n]) => n === name)}`;

/** Tiles of gemmNT: rows S of B (columns of C), each with its rows R of A, largest first. */
const NT_TILES: [number, number[]][] = [[4, [2, 1]], [2, [4, 2, 1]], [1, [6, 4, 2, 1]]];

/**
 * Σ of each of four f32x4 locals, as one f32x4 (lane s = the sum of the lanes of x[s]), with
 * two v128 scratch locals.
 */
function sum4(x: number[], p: number, q: number): Code {
  const pairs = (u: number, v: number) =>
    asm`local.get ${u} local.get ${v} ${shuffle([0, 1, 4, 5])}
      local.get ${u} local.get ${v} ${shuffle([2, 3, 6, 7])} f32x4.add`;
  return asm`${pairs(x[0], x[1])} local.set ${p} ${pairs(x[2], x[3])} local.set ${q}
    local.get ${p} local.get ${q} ${shuffle([0, 2, 4, 6])}
    local.get ${p} local.get ${q} ${shuffle([1, 3, 5, 7])} f32x4.add`;
}

/**
 * gemmNT(a, aRow, b, bRow, c, cI, m, n, k, accumulate): C = [C +] A·Bᵀ with A(i, t) at
 * a + i·aRow + 4t, B(j, t) at b + j·bRow + 4t: dot products of rows. A tile of R rows of A ×
 * S rows of B keeps R·S vectors of partial sums (4 values of t each) over the k loop, and
 * adds up their lanes at the end, four columns of C at a time. Blocks of S rows of B are the
 * outer loop, so they stay in the L1 cache while the rows of A pass.
 *
 * For k = 1 with bRow = 4 (the input gradient of a one-unit layer), it is gemm with B one row.
 * For other k < 4 (the input gradient of a layer of two or three units), it gathers B(j:j+W, t)
 * into registers instead and adds A(i, t)·B(j:j+W, t) to each row of C, W = 4 columns at a
 * time: dot products of fewer than 4 values would leave most lanes idle.
 */
function gemmNTFunc(madd: Madd, epilogue = false): Func {
  const f = new Func(epilogue ? [...Array(12).fill(I32), F64] : Array(10).fill(I32));
  const [a, aRow, b, bRow, c, cI, m, n, k, accumulate, mask, act] = params(12);
  const [i, j, cp, t] = f.locals(I32, 4);
  const maxS = NT_TILES[0][0], maxR = Math.max(...NT_TILES.map(([, rows]) => rows[0]));
  const ap = f.locals(I32, maxR), bp = f.locals(I32, maxS);
  const acc = f.locals(V128, maxR * maxS), av = f.locals(V128, maxR);
  const [bv, p, q] = f.locals(V128, 3);
  const [alpha, one, y] = epilogue ? f.locals(V128, 3) : [-1, -1, -1];

  const tile = (R: number, S: number): Code => {
    const at = (r: number, s: number) => acc[r * maxS + s];
    const pointers = asm`local.get ${a} local.get ${i} local.get ${aRow} i32.mul i32.add
      local.set ${ap[0]} local.get ${b} local.get ${j} local.get ${bRow} i32.mul i32.add
      local.set ${bp[0]}`;
    for (let r = 1; r < R; r++) {
      pointers.push(...asm`local.get ${ap[r - 1]} local.get ${aRow} i32.add local.set ${ap[r]}`);
    }
    for (let s = 1; s < S; s++) {
      pointers.push(...asm`local.get ${bp[s - 1]} local.get ${bRow} i32.add local.set ${bp[s]}`);
    }
    const zero: Code = [];
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) zero.push(...asm`${ZERO} local.set ${at(r, s)}`);
    }
    /** `vectors` chunks of 4 values of t (or of 1 value, in lane 0, when `single`). */
    const step = (vectors: number, single: boolean): Code => {
      const code: Code = [];
      const ld = single ? "v128.load32_zero" : "v128.load", size = single ? 4 : 16;
      for (let u = 0; u < vectors; u++) {
        for (let r = 0; r < R; r++) {
          code.push(...asm`local.get ${ap[r]} ${ld} ${size * u} local.set ${av[r]}`);
        }
        for (let s = 0; s < S; s++) {
          code.push(...asm`local.get ${bp[s]} ${ld} ${size * u} local.set ${bv}`);
          for (let r = 0; r < R; r++) {
            const sum = madd(
              asm`local.get ${av[r]}`,
              asm`local.get ${bv}`,
              asm`local.get ${at(r, s)}`,
            );
            code.push(...asm`${sum} local.set ${at(r, s)}`);
          }
        }
      }
      for (const ptr of [...ap.slice(0, R), ...bp.slice(0, S)]) {
        code.push(...inc(ptr, asm`i32.const ${size * vectors}`));
      }
      return code;
    };
    const { ld, st } = lanes(S);
    const store: Code = [];
    // the activation's derivative, from its output y at the same offset from `mask` as C's
    const masked: Code = epilogue
      ? asm`local.get ${cp} local.get ${c} i32.sub local.get ${mask} i32.add ${ld(0)}
        local.set ${y}
        ${
        ifThen(
          asm`local.get ${act} i32.const ${ACT.relu} i32.eq`,
          asm`local.get ${p} local.get ${y} ${ZERO} f32x4.gt v128.and local.set ${p}`,
          asm`local.get ${p} local.get ${one} local.get ${alpha} local.get ${y} ${ZERO} f32x4.gt
            v128.bitselect f32x4.mul local.set ${p}`,
        )
      }`
      : [];
    for (let r = 0; r < R; r++) {
      const x = [0, 1, 2, 3].map((s) => at(r, s < S ? s : 0));
      const add = asm`local.get ${p} local.get ${cp} ${ld(0)} f32x4.add local.set ${p}`;
      store.push(...asm`
        local.get ${c} local.get ${i} i32.const ${r} i32.add local.get ${cI} i32.mul i32.add
        local.get ${j} i32.const 2 i32.shl i32.add local.set ${cp}
        ${sum4(x, p, q)} local.set ${p} ${ifThen(asm`local.get ${accumulate}`, add)}
        ${masked} local.get ${cp} local.get ${p} ${st(0)}`);
    }
    return asm`${pointers} ${zero}
      ${countDown(t, asm`local.get ${k}`, 4 * UNROLL_T, step(UNROLL_T, false))}
      ${countDown(t, asm`local.get ${t}`, 4, step(1, false))}
      ${countDown(t, asm`local.get ${t}`, 1, step(1, true))}
      ${store}`;
  };

  const dots = [
    ...asm`i32.const 0 local.set ${j}`,
    ...NT_TILES.flatMap(([S, rows]) =>
      stepUp(j, S, asm`local.get ${n}`, false, [
        ...asm`i32.const 0 local.set ${i}`,
        ...rows.flatMap((R) => stepUp(i, R, asm`local.get ${m}`, false, tile(R, S))),
      ])
    ),
  ];

  /** k = K < 4: B(j + l, t) in lane l of bt[t], for W columns at a time. */
  const bt = av.slice(0, 3), [bq, cRow, row] = [bp[0], bp[1], t], sum = acc[0];
  const gathered = (K: number) => (W: number): Code => {
    const { ld, st } = lanes(W);
    const code =
      asm`local.get ${b} local.get ${j} local.get ${bRow} i32.mul i32.add local.set ${bq}`;
    for (let u = 0; u < K; u++) {
      code.push(...asm`local.get ${bq} v128.load32_zero ${4 * u} local.set ${bt[u]}`);
    }
    for (let l = 1; l < W; l++) {
      code.push(...inc(bq, asm`local.get ${bRow}`));
      for (let u = 0; u < K; u++) {
        code.push(...asm`local.get ${bq} local.get ${bt[u]} v128.load32_lane ${4 * u} ${l}
          local.set ${bt[u]}`);
      }
    }
    const terms: Code = [];
    for (let u = 0; u < K; u++) {
      const x = madd(
        asm`local.get ${ap[0]} v128.load32_splat ${4 * u}`,
        asm`local.get ${bt[u]}`,
        asm`local.get ${sum}`,
      );
      terms.push(...asm`${x} local.set ${sum}`);
    }
    const init = ifThen(
      asm`local.get ${accumulate}`,
      asm`local.get ${cRow} ${ld(0)} local.set ${sum}`,
      asm`${ZERO} local.set ${sum}`,
    );
    const perRow = asm`${init} ${terms} local.get ${cRow} local.get ${sum} ${st(0)}
      ${inc(ap[0], asm`local.get ${aRow}`)} ${inc(cRow, asm`local.get ${cI}`)}`;
    return asm`${code}
      local.get ${a} local.set ${ap[0]}
      local.get ${c} local.get ${j} i32.const 2 i32.shl i32.add local.set ${cRow}
      ${countDown(row, asm`local.get ${m}`, 1, perRow)}`;
  };
  const small = (K: number): Code => [
    ...asm`i32.const 0 local.set ${j}`,
    ...[4, 2, 1].flatMap((W) => stepUp(j, W, asm`local.get ${n}`, false, gathered(K)(W))),
  ];
  const is = (x: number) => asm`local.get ${k} i32.const ${x} i32.eq`;
  // k = 1 with B's column contiguous (bRow = 4): the outer product A·Bᵀ is gemm's A·B with
  // B one row, whose 6 × 8 tiles keep every lane busy.
  const outer = ifThen(
    asm`${is(1)} local.get ${bRow} i32.const 4 i32.eq i32.and`,
    asm`local.get ${a} local.get ${aRow} i32.const 4 local.get ${b} i32.const 0 local.get ${c}
      local.get ${cI} local.get ${m} local.get ${n} i32.const 1 local.get ${accumulate}
      ${call("gemm")} return`,
  );
  if (epilogue) {
    // k < 4: gemmNT's paths for it, then actGrad row by row
    const rowGrad = asm`local.get ${i} local.get ${j} local.get ${n} local.get ${act}
      local.get 12 ${call("actGrad")} ${inc(i, asm`local.get ${cI}`)} ${
      inc(j, asm`local.get ${cI}`)
    }`;
    f.code = asm`local.get 12 f32.demote_f64 f32x4.splat local.set ${alpha}
      f64.const 1 f32.demote_f64 f32x4.splat local.set ${one}
      ${
      ifThen(
        asm`local.get ${k} i32.const 4 i32.lt_s`,
        asm`${params(10).flatMap((x) => asm`local.get ${x}`)} ${call("gemmNT")}
          local.get ${c} local.set ${i} local.get ${mask} local.set ${j}
          ${countDown(t, asm`local.get ${m}`, 1, rowGrad)} return`,
      )
    } ${dots}`;
    return f;
  }
  f.code = asm`${outer}`;
  f.code.push(...ifThen(
    asm`local.get ${k} i32.const 4 i32.lt_s`,
    ifThen(is(1), small(1), ifThen(is(2), small(2), ifThen(is(3), small(3), small(0)))),
    dots,
  ));
  return f;
}

/**
 * colSum(x, rowBytes, out, rows, cols): out[j] = Σ_i x(i, j), x(i, j) at x + i·rowBytes + 4j,
 * 16 columns at a time in four vector registers, then 4, then one.
 */
function colSumFunc(): Func {
  const f = new Func(Array(5).fill(I32));
  const [x, rowBytes, out, rows, cols] = params(5);
  const [j, p, r] = f.locals(I32, 3);
  const acc = f.locals(V128, 4);
  const block = (W: number): Code => {
    const V = Math.ceil(W / 4), { ld, st } = lanes(Math.min(W, 4));
    const zero: Code = [], add: Code = [], store: Code = [];
    for (let v = 0; v < V; v++) {
      zero.push(...asm`${ZERO} local.set ${acc[v]}`);
      add.push(
        ...asm`local.get ${acc[v]} local.get ${p} ${ld(16 * v)} f32x4.add local.set ${acc[v]}`,
      );
      store.push(...asm`local.get ${out} local.get ${j} i32.const 2 i32.shl i32.add
        local.get ${acc[v]} ${st(16 * v)}`);
    }
    return asm`${zero} local.get ${x} local.get ${j} i32.const 2 i32.shl i32.add local.set ${p}
      ${countDown(r, asm`local.get ${rows}`, 1, [...add, ...inc(p, asm`local.get ${rowBytes}`)])}
      ${store}`;
  };
  f.code = [
    ...asm`i32.const 0 local.set ${j}`,
    ...[16, 4, 1].flatMap((W) => stepUp(j, W, asm`local.get ${cols}`, false, block(W))),
  ];
  return f;
}

// ---------------------------------------------------------------------------------------------
// Optimizer updates

/** Loads and stores of one step of an elementwise loop (a vector, or lane 0 alone). */
interface Access {
  ld: (ptr: number) => Code;
  st: (ptr: number, value: Code) => Code;
}

/** Vectors per pass of the main loop of the elementwise kernels. */
const ELEMENTWISE_UNROLL = 2;

/**
 * A loop over `count` floats of the arrays at the pointers `ptrs` (parameters, advanced in
 * place): ELEMENTWISE_UNROLL vectors of four at a time, then four, then the last count mod 4
 * one at a time in lane 0 of a vector.
 */
function elementwise(f: Func, count: number, ptrs: number[], body: (io: Access) => Code): Code {
  const [end, vecEnd, blockEnd] = f.locals(I32, 3);
  const pass = (limit: number, ios: Access[], size: number) =>
    whileDo(asm`local.get ${ptrs[0]} local.get ${limit} i32.lt_u`, [
      ...ios.flatMap(body),
      ...ptrs.flatMap((ptr) => inc(ptr, asm`i32.const ${size * ios.length}`)),
    ]);
  const vector = (o: number): Access => ({
    ld: (ptr) => asm`local.get ${ptr} v128.load ${o}`,
    st: (ptr, value) => asm`local.get ${ptr} ${value} v128.store ${o}`,
  });
  const endOf = (multiple: number, local: number) =>
    asm`local.get ${ptrs[0]} local.get ${count} i32.const ${-multiple} i32.and i32.const 2 i32.shl
      i32.add local.set ${local}`;
  return [
    ...endOf(1, end),
    ...endOf(4, vecEnd),
    ...endOf(4 * ELEMENTWISE_UNROLL, blockEnd),
    ...pass(blockEnd, Array.from({ length: ELEMENTWISE_UNROLL }, (_, u) => vector(16 * u)), 16),
    ...pass(vecEnd, [vector(0)], 16),
    ...pass(end, [{
      ld: (ptr) => asm`local.get ${ptr} v128.load32_zero 0`,
      st: (ptr, value) => asm`local.get ${ptr} ${value} v128.store32_lane 0 0`,
    }], 4),
  ];
}

/** f32x4 locals holding f64 expressions (of parameters), rounded to float32. */
function splats(f: Func, exprs: Code[]): { locals: number[]; code: Code } {
  const locals = exprs.map(() => f.local(V128));
  return {
    locals,
    code: exprs.flatMap((e, i) => asm`${e} f32.demote_f64 f32x4.splat local.set ${locals[i]}`),
  };
}

/**
 * The total gradient of the optimizers before `scale`: min(max(g + twoL2·w + l1·sign(w),
 * −clip), clip), for w in the f32x4 local `w` and g on the stack after `g` (all other
 * arguments are f32x4 locals). pmax and pmin with g' first keep a NaN gradient NaN, as
 * Math.max and Math.min do.
 */
function totalGrad(w: number, g: Code, twoL2: number, l1: number, negClip: number, clip: number) {
  return asm`${g} local.get ${w} local.get ${twoL2} f32x4.mul f32x4.add
    local.get ${l1} local.get ${w} ${ZERO} f32x4.gt v128.and f32x4.add
    local.get ${l1} local.get ${w} ${ZERO} f32x4.lt v128.and f32x4.sub
    local.get ${negClip} f32x4.pmax local.get ${clip} f32x4.pmin`;
}

/** Weights smaller than this in size are set to 0 after an update (as `_optimizers.ts` does). */
const FLUSH_BELOW = 1e-20;

/** The f32x4 locals of an optimizer kernel's scalars, by name. */
type Splats = Record<string, number>;

/** Which parts of the total gradient a loop computes (see {@link optimizerFunc}). */
type Tier = "plain" | "l2" | "full";

/**
 * An optimizer kernel with `pointers` pointer parameters (w, g, then state arrays), `count`,
 * and the f64 parameters `scalars` (lr, keep, l1, twoL2, clip, scale, then its own), with
 * `derived` f64 expressions of them, all splat to f32x4 locals. `update` leaves the new weight
 * on the stack, from w and the scaled total gradient g' (f32x4 locals), storing any state
 * itself; `variant` is 1 when `twoLoops` is given and its condition holds (0 otherwise).
 */
function optimizerFunc(
  pointers: number,
  scalars: string[],
  derived: (p: Record<string, Code>) => Record<string, Code>,
  update: (io: Access, v: Splats, w: number, g: number, variant: number) => Code,
  twoLoops?: (p: Record<string, Code>) => Code,
): Func {
  const f = new Func([...Array(pointers + 1).fill(I32), ...Array(scalars.length).fill(F64)]);
  const ptr = params(pointers), count = pointers;
  const p: Record<string, Code> = {};
  scalars.forEach((s, i) => p[s] = asm`local.get ${pointers + 1 + i}`);
  const exprs: Record<string, Code> = {
    ...p,
    negClip: asm`${p.clip} f64.neg`,
    tiny: asm`f64.const ${FLUSH_BELOW}`,
    ...derived(p),
  };
  const names = Object.keys(exprs);
  const { locals, code } = splats(f, names.map((n) => exprs[n]));
  const v: Splats = {};
  names.forEach((n, i) => v[n] = locals[i]);
  const [w, g, x] = f.locals(V128, 3);
  // Three loops: g' = g (no penalty, no clipping, scale 1), g' = g + twoL2·w (L2 penalty
  // only) and the whole formula; each vector operation saved counts (about 0.1 ns a float).
  const gradient: Record<Tier, (io: Access) => Code> = {
    plain: (io) => io.ld(ptr[1]),
    l2: (io) => asm`${io.ld(ptr[1])} local.get ${w} local.get ${v.twoL2} f32x4.mul f32x4.add`,
    full: (io) =>
      asm`${totalGrad(w, io.ld(ptr[1]), v.twoL2, v.l1, v.negClip, v.clip)}
        local.get ${v.scale} f32x4.mul`,
  };
  // w ← 0 where |w| < FLUSH_BELOW
  const flushed = asm`local.get ${x} local.get ${x} f32x4.abs local.get ${v.tiny} f32x4.lt
    v128.andnot`;
  const loop = (variant: number, tier: Tier) =>
    elementwise(
      f,
      count,
      ptr,
      (io) =>
        asm`${io.ld(ptr[0])} local.set ${w} ${gradient[tier](io)} local.set ${g}
        ${update(io, v, w, g, variant)} local.set ${x} ${io.st(ptr[0], flushed)}`,
    );
  const isL2 = asm`${p.l1} f64.const 0 f64.eq ${p.clip} f64.const Infinity f64.eq i32.and
    ${p.scale} f64.const 1 f64.eq i32.and`;
  const loops = (variant: number) =>
    ifThen(
      isL2,
      ifThen(asm`${p.twoL2} f64.const 0 f64.eq`, loop(variant, "plain"), loop(variant, "l2")),
      loop(variant, "full"),
    );
  f.code = [...code, ...(twoLoops ? ifThen(twoLoops(p), loops(1), loops(0)) : loops(0))];
  return f;
}

const COMMON = ["lr", "keep", "l1", "twoL2", "clip", "scale"];
const none = () => ({});

/** keep·w − (the code of u). */
const decayed = (v: Splats, w: number, u: Code): Code =>
  asm`local.get ${v.keep} local.get ${w} f32x4.mul ${u} f32x4.sub`;

/** sgd(w, g, count, lr, keep, l1, twoL2, clip, scale): w ← keep·w − lr·g'. */
function sgdFunc(): Func {
  const update = (_io: Access, v: Splats, w: number, g: number) =>
    decayed(v, w, asm`local.get ${v.lr} local.get ${g} f32x4.mul`);
  return optimizerFunc(2, COMMON, none, update);
}

/**
 * momentum(w, g, v, count, lr, keep, l1, twoL2, clip, scale, mu, cg, cv):
 * v ← mu·v + g'; w ← keep·w − lr·(cg·g' + cv·v).
 */
function momentumFunc(): Func {
  const vel = 2;
  const update = (io: Access, s: Splats, w: number, g: number) => {
    const v = asm`local.get ${s.mu} ${io.ld(vel)} f32x4.mul local.get ${g} f32x4.add`;
    const u = asm`local.get ${s.lr} local.get ${s.cg} local.get ${g} f32x4.mul
      local.get ${s.cv} ${io.ld(vel)} f32x4.mul f32x4.add f32x4.mul`;
    return [...io.st(vel, v), ...decayed(s, w, u)];
  };
  return optimizerFunc(3, [...COMMON, "mu", "cg", "cv"], none, update);
}

/**
 * rmsprop(w, g, s1, s2, count, lr, keep, l1, twoL2, clip, scale, rho, eps, mu):
 * s1 ← rho·s1 + (1 − rho)·g'²; u = lr·g'/√(s1 + eps); with mu > 0, u ← u + mu·s2 and s2 ← u;
 * w ← keep·w − u.
 */
function rmspropFunc(): Func {
  const [s1, s2] = [2, 3];
  const update = (io: Access, v: Splats, w: number, g: number, momentum: number) => {
    const s = asm`local.get ${v.rho} ${io.ld(s1)} f32x4.mul
      local.get ${v.oneMinusRho} local.get ${g} local.get ${g} f32x4.mul f32x4.mul f32x4.add`;
    let u = asm`local.get ${v.lr} local.get ${g} f32x4.mul
      ${io.ld(s1)} local.get ${v.eps} f32x4.add f32x4.sqrt f32x4.div`;
    const code = io.st(s1, s);
    if (momentum) {
      code.push(...io.st(s2, asm`${u} local.get ${v.mu} ${io.ld(s2)} f32x4.mul f32x4.add`));
      u = io.ld(s2);
    }
    return [...code, ...decayed(v, w, u)];
  };
  return optimizerFunc(
    4,
    [...COMMON, "rho", "eps", "mu"],
    (p) => ({ oneMinusRho: asm`f64.const 1 ${p.rho} f64.sub` }),
    update,
    (p) => asm`${p.mu} f64.const 0 f64.gt`,
  );
}

/**
 * adam(w, g, m, v, count, lr, keep, l1, twoL2, clip, scale, b1, b2, eps, c1, c2):
 * m ← b1·m + (1 − b1)·g'; v ← b2·v + (1 − b2)·g'²; w ← keep·w − (lr/c1)·m/(√(v·(1/c2)) + eps),
 * which is lr·(m/c1)/(√(v/c2) + eps) with one division and one square root per value.
 */
function adamFunc(): Func {
  const [mp, vp] = [2, 3];
  const update = (io: Access, v: Splats, w: number, g: number) => {
    const m = asm`local.get ${v.b1} ${io.ld(mp)} f32x4.mul
      local.get ${v.oneMinusB1} local.get ${g} f32x4.mul f32x4.add`;
    const s = asm`local.get ${v.b2} ${io.ld(vp)} f32x4.mul
      local.get ${v.oneMinusB2} local.get ${g} local.get ${g} f32x4.mul f32x4.mul f32x4.add`;
    const u = asm`local.get ${v.lrOverC1} ${io.ld(mp)} f32x4.mul
      ${io.ld(vp)} local.get ${v.overC2} f32x4.mul f32x4.sqrt local.get ${v.eps} f32x4.add
      f32x4.div`;
    return [...io.st(mp, m), ...io.st(vp, s), ...decayed(v, w, u)];
  };
  return optimizerFunc(
    4,
    [...COMMON, "b1", "b2", "eps", "c1", "c2"],
    (p) => ({
      oneMinusB1: asm`f64.const 1 ${p.b1} f64.sub`,
      oneMinusB2: asm`f64.const 1 ${p.b2} f64.sub`,
      lrOverC1: asm`${p.lr} ${p.c1} f64.div`,
      overC2: asm`f64.const 1 ${p.c2} f64.div`,
    }),
    update,
  );
}

/**
 * sumSqGrad(w, g, count, l1, twoL2, clip) → Σ g'² over the total gradients before `scale`
 * (computed in float32, squared and summed in float64).
 */
function sumSqGradFunc(): Func {
  const f = new Func([I32, I32, I32, F64, F64, F64], F64);
  const [w, g, count] = params(3);
  const exprs = [3, 4, 5].map((i) => asm`local.get ${i}`);
  const { locals, code } = splats(f, [...exprs, asm`local.get 5 f64.neg`]);
  const [l1, twoL2, clip, negClip] = locals;
  const [wv, x, lo, hi] = f.locals(V128, 4);
  const square = (acc: number, half: Code) =>
    asm`local.get ${acc} ${half} f64x2.promote_low_f32x4 local.set ${wv}
      local.get ${wv} local.get ${wv} f64x2.mul f64x2.add local.set ${acc}`;
  const body = (io: Access) =>
    asm`${io.ld(w)} local.set ${wv} ${totalGrad(wv, io.ld(g), twoL2, l1, negClip, clip)}
      local.set ${x} ${square(lo, asm`local.get ${x}`)}
      ${square(hi, asm`local.get ${x} local.get ${x} ${shuffle([2, 3, 0, 1])}`)}`;
  f.code = asm`${code} ${ZERO} local.set ${lo} ${ZERO} local.set ${hi}
    ${elementwise(f, count, [w, g], body)}
    local.get ${lo} local.get ${hi} f64x2.add local.set ${x}
    local.get ${x} f64x2.extract_lane 0 local.get ${x} f64x2.extract_lane 1 f64.add`;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Activations

/** Activation codes of {@link MlpSimd.biasAct} and {@link MlpSimd.actGrad}. */
export const ACT = { linear: 0, relu: 1, leakyRelu: 2 } as const;

/**
 * biasAct(x, bias, rows, cols, act, alpha): x(i, j) ← f(x(i, j) + bias[j]) over `rows`
 * contiguous rows of `cols` floats, f linear (act 0), ReLU (1: max(z, 0), NaN → 0 as
 * `z > 0 ? z : 0`) or leaky ReLU (2: z < 0 ? alpha·z : z). One pass after the forward product.
 */
function biasActFunc(): Func {
  const f = new Func([I32, I32, I32, I32, I32, F64]);
  const [x, bias, rows, cols, act] = params(5);
  const [xp, bp, r] = f.locals(I32, 3);
  const [alpha, z] = f.locals(V128, 2);
  const sum = (io: Access) => asm`${io.ld(xp)} ${io.ld(bp)} f32x4.add`;
  const fs: Code[] = [
    [],
    // pmax(0, z) = 0 < z ? z : 0
    asm`local.set ${z} ${ZERO} local.get ${z} f32x4.pmax`,
    asm`local.set ${z} local.get ${alpha} local.get ${z} f32x4.mul local.get ${z}
      local.get ${z} ${ZERO} f32x4.lt v128.bitselect`,
  ];
  const rowLoop = (a: number) =>
    countDown(r, asm`local.get ${rows}`, 1, [
      ...asm`local.get ${bias} local.set ${bp}`,
      ...elementwise(f, cols, [xp, bp], (io) => io.st(xp, asm`${sum(io)} ${fs[a]}`)),
    ]);
  const is = (v: number) => asm`local.get ${act} i32.const ${v} i32.eq`;
  f.code = asm`local.get 5 f32.demote_f64 f32x4.splat local.set ${alpha}
    local.get ${x} local.set ${xp}
    ${ifThen(is(ACT.relu), rowLoop(1), ifThen(is(ACT.leakyRelu), rowLoop(2), rowLoop(0)))}`;
  return f;
}

/**
 * actGrad(g, a, count, act, alpha): over `count` contiguous floats, g ← g·a (act 0: a mask,
 * dropout's), g ← a > 0 ? g : 0 (1: ReLU, a its output) or g ← g·(a > 0 ? 1 : alpha)
 * (2: leaky ReLU).
 */
function actGradFunc(): Func {
  const f = new Func([I32, I32, I32, I32, F64]);
  const [g, a, count, act] = params(4);
  const [alpha, one] = f.locals(V128, 2);
  const fs: ((io: Access) => Code)[] = [
    (io) => asm`${io.ld(g)} ${io.ld(a)} f32x4.mul`,
    (io) => asm`${io.ld(g)} ${io.ld(a)} ${ZERO} f32x4.gt v128.and`,
    (io) =>
      asm`${io.ld(g)} local.get ${one} local.get ${alpha} ${io.ld(a)} ${ZERO} f32x4.gt
        v128.bitselect f32x4.mul`,
  ];
  const loop = (v: number) => elementwise(f, count, [g, a], (io) => io.st(g, fs[v](io)));
  const is = (v: number) => asm`local.get ${act} i32.const ${v} i32.eq`;
  f.code = asm`local.get 4 f32.demote_f64 f32x4.splat local.set ${alpha}
    f64.const 1 f32.demote_f64 f32x4.splat local.set ${one}
    ${ifThen(is(ACT.relu), loop(1), ifThen(is(ACT.leakyRelu), loop(2), loop(0)))}`;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Batch norm, in double precision

/**
 * Access to one step of a loop over pairs of columns, in double precision: f32 arrays read as
 * two floats promoted to f64x2 and written demoted; f64 arrays read and written as f64x2. In
 * the last step of an odd count, lane 0 alone.
 */
interface Access64 {
  ld32: (ptr: number) => Code;
  st32: (ptr: number, value: Code) => Code;
  ld64: (ptr: number) => Code;
  st64: (ptr: number, value: Code) => Code;
}

/**
 * A loop over `rows` contiguous rows of `cols` floats, two columns a step: row pointers
 * (`rowParams`, f32 rows running on) and column pointers (set again at each row from
 * `colParams`: f32 arrays, and f64 arrays `col64Params`). `body` gets the pointer locals in
 * that order.
 */
function pairRows(
  f: Func,
  rows: number,
  cols: number,
  rowParams: number[],
  colParams: number[],
  col64Params: number[],
  body: (io: Access64, p: number[]) => Code,
): Code {
  const rp = f.locals(I32, rowParams.length), cp = f.locals(I32, colParams.length);
  const dp = f.locals(I32, col64Params.length);
  const [r, j] = f.locals(I32, 2);
  const set = (from: number[], to: number[]) =>
    from.flatMap((x, i) => asm`local.get ${x} local.set ${to[i]}`);
  const pair: Access64 = {
    ld32: (p) => asm`local.get ${p} v128.load64_zero 0 f64x2.promote_low_f32x4`,
    st32: (p, v) => asm`local.get ${p} ${v} f32x4.demote_f64x2_zero v128.store64_lane 0 0`,
    ld64: (p) => asm`local.get ${p} v128.load 0`,
    st64: (p, v) => asm`local.get ${p} ${v} v128.store 0`,
  };
  const single: Access64 = {
    ld32: (p) => asm`local.get ${p} v128.load32_zero 0 f64x2.promote_low_f32x4`,
    st32: (p, v) => asm`local.get ${p} ${v} f32x4.demote_f64x2_zero v128.store32_lane 0 0`,
    ld64: (p) => asm`local.get ${p} v128.load64_zero 0`,
    st64: (p, v) => asm`local.get ${p} ${v} v128.store64_lane 0 0`,
  };
  const all = [...rp, ...cp, ...dp];
  const advance = (n: number) => [
    ...[...rp, ...cp].flatMap((p) => inc(p, asm`i32.const ${4 * n}`)),
    ...dp.flatMap((p) => inc(p, asm`i32.const ${8 * n}`)),
  ];
  return [
    ...set(rowParams, rp),
    ...countDown(r, asm`local.get ${rows}`, 1, [
      ...set(colParams, cp),
      ...set(col64Params, dp),
      ...countDown(j, asm`local.get ${cols}`, 2, [...body(pair, all), ...advance(2)]),
      ...ifThen(asm`local.get ${j}`, [...body(single, all), ...advance(1)]),
    ]),
  ];
}

/** out[0 … cols) ← 0, doubles. */
function zero64(f: Func, out: number, cols: number): Code {
  const [p, j] = f.locals(I32, 2);
  return asm`local.get ${out} local.set ${p}
    ${
    countDown(j, asm`local.get ${cols}`, 1, [
      ...asm`local.get ${p} ${ZERO} v128.store64_lane 0 0`,
      ...inc(p, asm`i32.const 8`),
    ])
  }`;
}

/**
 * bnSums(x, y, sub, s1, s2, rows, cols): in double precision, s1[j] = Σ_i (x(i,j) − sub[j])
 * and s2[j] = Σ_i (x(i,j) − sub[j])·y(i,j); when y is x, (x − sub)² (y − sub, rather). See
 * {@link MlpSimd.bnSums}.
 */
function bnSumsFunc(): Func {
  const f = new Func(Array(8).fill(I32));
  const [x, y, sub, s1, s2, rows, cols, square] = params(8);
  const d = f.local(V128);
  const body = (sq: boolean) => (io: Access64, [xp, yp, bp, p1, p2]: number[]) =>
    asm`${io.ld32(xp)} ${io.ld32(bp)} f64x2.sub local.set ${d}
      ${io.st64(p1, asm`${io.ld64(p1)} local.get ${d} f64x2.add`)}
      ${
      io.st64(
        p2,
        asm`${io.ld64(p2)} local.get ${d} ${sq ? asm`local.get ${d}` : io.ld32(yp)} f64x2.mul
          f64x2.add`,
      )
    }`;
  f.code = asm`${zero64(f, s1, cols)} ${zero64(f, s2, cols)}
    ${
    ifThen(
      asm`local.get ${square}`,
      pairRows(f, rows, cols, [x, y], [sub], [s1, s2], body(true)),
      pairRows(f, rows, cols, [x, y], [sub], [s1, s2], body(false)),
    )
  }`;
  return f;
}

/**
 * bnNormalize(x, mean, inv, gamma, beta, xhat, out, rows, cols): x̂ = f32((x − mean)·inv),
 * out = f32(x̂·gamma + beta), in double precision.
 */
function bnNormalizeFunc(): Func {
  const f = new Func(Array(9).fill(I32));
  const [x, mean, inv, gamma, beta, xhat, out, rows, cols] = params(9);
  const h = f.local(V128);
  f.code = pairRows(
    f,
    rows,
    cols,
    [x, xhat, out],
    [mean, inv, gamma, beta],
    [],
    (io, [xp, hp, op, mp, ip, gp, bp]) =>
      asm`${io.ld32(xp)} ${io.ld32(mp)} f64x2.sub ${io.ld32(ip)} f64x2.mul
        f32x4.demote_f64x2_zero f64x2.promote_low_f32x4 local.set ${h}
        ${io.st32(hp, asm`local.get ${h}`)}
        ${io.st32(op, asm`local.get ${h} ${io.ld32(gp)} f64x2.mul ${io.ld32(bp)} f64x2.add`)}`,
  );
  return f;
}

/**
 * bnGrad(g, xhat, gamma, c1, c2, inv, out, rows, cols): out = f32((g·gamma − c1 − x̂·c2)·inv)
 * in double precision, c1 and c2 double arrays.
 */
function bnGradFunc(): Func {
  const f = new Func(Array(9).fill(I32));
  const [g, xhat, gamma, c1, c2, inv, out, rows, cols] = params(9);
  f.code = pairRows(
    f,
    rows,
    cols,
    [g, xhat, out],
    [gamma, inv],
    [c1, c2],
    (io, [gp, hp, op, yp, ip, ap, bp]) =>
      io.st32(
        op,
        asm`${io.ld32(gp)} ${io.ld32(yp)} f64x2.mul ${io.ld64(ap)} f64x2.sub
          ${io.ld32(hp)} ${io.ld64(bp)} f64x2.mul f64x2.sub ${io.ld32(ip)} f64x2.mul`,
      ),
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// Module

const KERNELS: [keyof MlpSimd, (madd: Madd) => Func][] = [
  ["gemm", gemmFunc],
  ["gemmNT", gemmNTFunc],
  ["colSum", colSumFunc],
  ["sgd", sgdFunc],
  ["momentum", momentumFunc],
  ["rmsprop", rmspropFunc],
  ["adam", adamFunc],
  ["sumSqGrad", sumSqGradFunc],
  ["biasAct", biasActFunc],
  ["actGrad", actGradFunc],
  ["gemmBiasAct", (madd) => gemmFunc(madd, true)],
  ["gemmNTAct", (madd) => gemmNTFunc(madd, true)],
  ["bnSums", bnSumsFunc],
  ["bnNormalize", bnNormalizeFunc],
  ["bnGrad", bnGradFunc],
];

/** The module's bytes: imports env.memory (shared or not), exports the kernels of {@link MlpSimd}. */
function moduleBytes(relaxed: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const funcs = KERNELS.map(([, make]) => make(relaxed ? fused : unfused));
  const types = funcs.map((f) => [
    0x60,
    ...vec(f.types.slice(0, f.params).map((t) => [t])),
    ...(f.result === undefined ? [0] : [1, f.result]),
  ]);
  // limits: flags 0 (min 0) or 3 (shared, min 0, max 65536 pages: 4 GiB)
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = [[...name("env"), ...name("memory"), 0x02, ...limits]];
  const exports = KERNELS.map(([n], i) => [...name(n), 0x00, ...uleb(i)]);
  const bodies = funcs.map((f) => {
    const locals = f.types.slice(f.params).map((t) => [1, t]);
    const body = [...vec(locals), ...f.code, ...END];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...HEADER,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** Whether the engine accepts relaxed SIMD: validates a function of one f32x4.relaxed_madd. */
function relaxedSimd(): boolean {
  const body = [0, ...asm`local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd`, ...END];
  return WebAssembly.validate(
    new Uint8Array([
      ...HEADER,
      ...section(1, vec([[0x60, 3, V128, V128, V128, 1, V128]])),
      ...section(3, vec([[0]])),
      ...section(10, vec([[...uleb(body.length), ...body]])),
    ]),
  );
}

/**
 * The kernels, bound to one `WebAssembly.Memory`. Pointers are byte offsets into it (4-byte
 * aligned); arguments are not checked, and an access outside the memory traps (a
 * `WebAssembly.RuntimeError`).
 */
export interface MlpSimd {
  /**
   * C(i,j) = [accumulate ? C(i,j) : 0] + Σ_{t<k} A(i,t)·B(t,j), for i < m, j < n.
   * A(i,t) is the float at byte offset a + i·aI + t·aT; B(t,j) at b + t·bT + 4j (rows of B
   * contiguous); C(i,j) at c + i·cI + 4j. Any m, n, k ≥ 1 (edges handled inside, no padding
   * required); offsets need only 4-byte alignment.
   */
  gemm(
    a: number,
    aI: number,
    aT: number,
    b: number,
    bT: number,
    c: number,
    cI: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
  ): void;
  /**
   * C(i,j) = [accumulate ? C(i,j) : 0] + Σ_{t<k} A(i,t)·B(j,t): both operands read along
   * contiguous rows (A(i,t) at a + i·aRow + 4t, B(j,t) at b + j·bRow + 4t, C as in gemm).
   * This is dA = G·Wᵀ without transposing W.
   */
  gemmNT(
    a: number,
    aRow: number,
    b: number,
    bRow: number,
    c: number,
    cI: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
  ): void;
  /**
   * {@link MlpSimd.gemm}, then C(i,j) ← f(C(i,j) + bias(j)) with bias(j) at bias + 4j and f as
   * in {@link MlpSimd.biasAct} (act, alpha), in the registers before C is stored: a dense
   * layer's forward pass in one call. n = 1 takes no shortcut here (gemm then biasAct does).
   */
  gemmBiasAct(
    a: number,
    aI: number,
    aT: number,
    b: number,
    bT: number,
    c: number,
    cI: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
    bias: number,
    act: number,
    alpha: number,
  ): void;
  /**
   * {@link MlpSimd.gemmNT}, then C(i,j) ← C(i,j)·f′ with f′ from the activation's output
   * y(i,j) at mask + i·cI + 4j (C's layout): act 1 (ReLU) y > 0 ? 1 : 0, 2 (leaky ReLU)
   * y > 0 ? 1 : alpha, as {@link MlpSimd.actGrad}: the input gradient of a dense layer through
   * the activation before it, in one call.
   */
  gemmNTAct(
    a: number,
    aRow: number,
    b: number,
    bRow: number,
    c: number,
    cI: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
    mask: number,
    act: number,
    alpha: number,
  ): void;
  /**
   * Column sums of batch norm in double precision, over rows of `cols` contiguous floats:
   * s1[j] = Σ_i (x(i,j) − sub[j]) and s2[j] = Σ_i (x(i,j) − sub[j])·(square ? x(i,j) − sub[j] :
   * y(i,j)), s1 and s2 arrays of doubles (8 bytes a column), sub floats; y is read only when
   * square is 0. Sums run row by row, as a loop in JavaScript over doubles would.
   */
  bnSums(
    x: number,
    y: number,
    sub: number,
    s1: number,
    s2: number,
    rows: number,
    cols: number,
    square: number,
  ): void;
  /**
   * Batch norm's forward pass over rows of `cols` contiguous floats, in double precision:
   * x̂(i,j) = f32((x(i,j) − mean[j])·inv[j]) into `xhat`, out(i,j) = f32(x̂(i,j)·gamma[j] +
   * beta[j]) into `out` (mean, inv, gamma, beta: floats).
   */
  bnNormalize(
    x: number,
    mean: number,
    inv: number,
    gamma: number,
    beta: number,
    xhat: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  /**
   * Batch norm's input gradient over rows of `cols` contiguous floats, in double precision:
   * out(i,j) = f32((g(i,j)·gamma[j] − c1[j] − x̂(i,j)·c2[j])·inv[j]), c1 and c2 doubles.
   */
  bnGrad(
    g: number,
    xhat: number,
    gamma: number,
    c1: number,
    c2: number,
    inv: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  /** out[j] = Σ_{i<rows} x[i·rowBytes/4 + j] for j < cols (bias gradients). */
  colSum(x: number, rowBytes: number, out: number, rows: number, cols: number): void;
  /**
   * One optimizer step over `count` floats: total gradient
   *   g' = min(max(g + twoL2·w + l1·sign(w), −clip), clip) · scale
   * then, with w the weight and keep = κ (decoupled weight decay factor, 1 when none):
   *   sgd:      w ← keep·w − lr·g'
   *   momentum: v ← mu·v + g';  w ← keep·w − lr·(cg·g' + cv·v)      (s1 = v)
   *   rmsprop:  s ← rho·s + (1−rho)·g'²;  u = lr·g'/√(s + eps);
   *             if mu > 0: u ← u + mu·s2, s2 ← u;   w ← keep·w − u
   *   adam:     m ← b1·m + (1−b1)·g';  v ← b2·v + (1−b2)·g'²;
   *             w ← keep·w − lr·(m/c1)/(√(v/c2) + eps)
   * and finally w ← 0 where |w| < 1e-20 (flush of values too small to matter).
   * sign(0) = 0. clip may be Infinity (no clamp). The weight, gradient and state arrays are
   * separate regions of `count` floats each.
   */
  sgd(
    w: number,
    g: number,
    count: number,
    lr: number,
    keep: number,
    l1: number,
    twoL2: number,
    clip: number,
    scale: number,
  ): void;
  /** The momentum step of {@link MlpSimd.sgd}'s formulas (v: the velocity, `count` floats). */
  momentum(
    w: number,
    g: number,
    v: number,
    count: number,
    lr: number,
    keep: number,
    l1: number,
    twoL2: number,
    clip: number,
    scale: number,
    mu: number,
    cg: number,
    cv: number,
  ): void;
  /** The rmsprop step of {@link MlpSimd.sgd}'s formulas (s2 is only touched when mu > 0). */
  rmsprop(
    w: number,
    g: number,
    s1: number,
    s2: number,
    count: number,
    lr: number,
    keep: number,
    l1: number,
    twoL2: number,
    clip: number,
    scale: number,
    rho: number,
    eps: number,
    mu: number,
  ): void;
  /** The adam step of {@link MlpSimd.sgd}'s formulas (c1 = 1 − b1ᵗ, c2 = 1 − b2ᵗ). */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    count: number,
    lr: number,
    keep: number,
    l1: number,
    twoL2: number,
    clip: number,
    scale: number,
    b1: number,
    b2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void;
  /**
   * Σ over count floats of the clipped total gradient squared (as defined above, before
   * `scale`), for clipping by global norm; squares summed in float64.
   */
  sumSqGrad(w: number, g: number, count: number, l1: number, twoL2: number, clip: number): number;
  /**
   * x(i,j) ← f(x(i,j) + bias[j]) for i < rows, j < cols, x(i,j) at x + 4(i·cols + j): the
   * bias and activation of a dense layer in one pass. act ({@link ACT}): 0 linear, 1 ReLU
   * (z > 0 ? z : 0), 2 leaky ReLU (z < 0 ? alpha·z : z).
   */
  biasAct(x: number, bias: number, rows: number, cols: number, act: number, alpha: number): void;
  /**
   * Over `count` floats: act 0: g ← g·a (a dropout mask); 1: g ← a > 0 ? g : 0 (ReLU's
   * gradient, a its output); 2: g ← g·(a > 0 ? 1 : alpha) (leaky ReLU's).
   */
  actGrad(g: number, a: number, count: number, act: number, alpha: number): void;
}

/** Options of {@link mlpSimd}. */
export interface MlpSimdOptions {
  /**
   * Whether the matrix products use `f32x4.relaxed_madd` (fused where the CPU can); false
   * uses a multiply and an add.
   * @default true where the engine validates relaxed SIMD
   */
  relaxed?: boolean;
}

const compiled = new Map<string, WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, MlpSimd | null>>();
let relaxedOk: boolean | undefined;

/**
 * The kernels on `memory` (the module imports it as env.memory), or undefined if WebAssembly
 * SIMD is unavailable. The compiled module is cached, and so are the kernels of each memory.
 *
 * @param memory The memory the pointers refer to (shared or not).
 * @param options Whether to use relaxed SIMD.
 * @returns The kernels, or undefined without WebAssembly SIMD.
 *
 * @example A 1 × 2 by 2 × 1 product
 * ```ts
 * import { mlpSimd } from "./_mlp_simd.ts";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const f = new Float32Array(memory.buffer);
 * f.set([1, 2, 3, 4]); // A = [1 2] at 0, B = [3; 4] at 8
 * mlpSimd(memory)?.gemm(0, 8, 4, 8, 4, 16, 4, 1, 1, 2, 0);
 * if (mlpSimd(memory) && f[4] !== 11) throw new Error("1·3 + 2·4 should be 11");
 * ```
 */
export function mlpSimd(
  memory: WebAssembly.Memory,
  options?: MlpSimdOptions,
): MlpSimd | undefined {
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new TypeError(`memory must be a WebAssembly.Memory, got ${describe(memory)}`);
  }
  const { relaxed: wanted = true } = checkOptions(options, ["relaxed"]);
  checkBoolean(wanted, "options.relaxed");
  relaxedOk ??= relaxedSimd();
  const relaxed = wanted && relaxedOk;
  const shared = typeof SharedArrayBuffer !== "undefined" &&
    memory.buffer instanceof SharedArrayBuffer;
  const key = `${relaxed} ${shared}`;
  let byKey = instances.get(memory);
  if (byKey === undefined) instances.set(memory, byKey = new Map());
  let kernels = byKey.get(key);
  if (kernels === undefined) {
    let module = compiled.get(key);
    if (module === undefined) {
      try {
        module = new WebAssembly.Module(moduleBytes(relaxed, shared));
      } catch {
        module = null;
      }
      compiled.set(key, module);
    }
    kernels = module === null
      ? null
      : new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as MlpSimd;
    byKey.set(key, kernels);
  }
  return kernels ?? undefined;
}
