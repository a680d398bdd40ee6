/**
 * WebAssembly SIMD kernels for training small dense networks in one `WebAssembly.Memory`: matrix
 * products (forward pass, weight and input gradients), column sums (bias gradients) and the
 * optimizer updates of `_optimizers.ts` (sgd, momentum, rmsprop, adam, with L1/L2 penalties,
 * clipping and decoupled weight decay), in float32.
 *
 * Why: every tfjs op has a fixed cost, so a small or deep network spends most of a training
 * step on op overhead. A trainer that keeps weights, gradients, optimizer state and activations
 * in one memory calls these kernels directly, with byte offsets for pointers.
 *
 * The matrix products use register tiles (6 × 8 for A·B, 2 × 4 for A·Bᵀ) of f32x4
 * multiply-adds, with `f32x4.relaxed_madd` (a fused multiply-add where the CPU has one) when
 * the engine validates relaxed SIMD, plain multiply and add otherwise; edges are handled with
 * smaller tiles and one- and two-lane loads and stores, so nothing is read or written outside
 * the operands. The module is assembled here from its instructions, like `_wasm_simd.ts`.
 *
 * @module
 */
import { checkBoolean, checkOptions, describe } from "./_validate.ts";

// ---------------------------------------------------------------------------------------------
// Encoding

type Code = number[];

/** Unsigned LEB128. */
function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const). */
function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const name = (s: string): Code => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];

const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

// Locals, constants, integer and float64 scalar instructions.
const get = (i: number): Code => [0x20, ...uleb(i)];
const set = (i: number): Code => [0x21, ...uleb(i)];
const i32 = (n: number): Code => [0x41, ...sleb(n)];
const ADD = [0x6a], MUL = [0x6c], AND = [0x71], SHL = [0x74];
const EQ = [0x46], LT_S = [0x48], LT_U = [0x49], GE_S = [0x4e], LE_S = [0x4c], LE_U = [0x4d];
const F64_EQ = [0x61],
  F64_GT = [0x64],
  F64_NEG = [0x9a],
  F64_ADD = [0xa0],
  F64_SUB = [0xa1],
  F64_DIV = [0xa3];
const F32_DEMOTE = [0xb6];
const f64 = (x: number): Code => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)];
/** local[i] == x (i32). */
const is = (i: number, x: number): Code => [...get(i), ...i32(x), ...EQ];
const RETURN = [0x0f];
/** Calls the kernel `name` of the module (functions are numbered as in KERNELS). */
const call = (name: keyof MlpSimd): Code => [0x10, ...uleb(KERNELS.findIndex(([n]) => n === name))];
/** local[i] += delta (i32). */
const inc = (i: number, delta: Code): Code => [...get(i), ...delta, ...ADD, ...set(i)];

// SIMD instructions.
const simd = (op: number): Code => [0xfd, ...uleb(op)];
const memarg = (op: number, offset: number): Code => [...simd(op), 0, ...uleb(offset)];
const LOAD = (offset = 0) => memarg(0, offset);
const STORE = (offset = 0) => memarg(11, offset);
const SPLAT32 = (offset = 0) => memarg(9, offset); // v128.load32_splat
const LOAD32_ZERO = (offset = 0) => memarg(92, offset);
const LOAD64_ZERO = (offset = 0) => memarg(93, offset);
const STORE32_LANE0 = (offset = 0) => [...memarg(90, offset), 0];
const STORE64_LANE0 = (offset = 0) => [...memarg(91, offset), 0];
const ZERO = [...simd(12), ...Array(16).fill(0)]; // v128.const 0
const F32X4_SPLAT = simd(19);
const F64X2_EXTRACT = (lane: number) => [...simd(33), lane];
const V128_AND = simd(78), V128_ANDNOT = simd(79);
const F32X4_LT = simd(67), F32X4_GT = simd(68);
const F32X4_ABS = simd(224), F32X4_SQRT = simd(227), F32X4_ADD = simd(228);
const F32X4_SUB = simd(229), F32X4_MUL = simd(230), F32X4_DIV = simd(231);
const F32X4_PMIN = simd(234), F32X4_PMAX = simd(235);
const F64X2_ADD = simd(240), F64X2_MUL = simd(242);
const F64X2_PROMOTE_LOW = simd(95);
const RELAXED_MADD = simd(0x105);
/** i8x16.shuffle by float lanes (0–3: the first operand, 4–7: the second). */
const shuffle = (lanes: number[]): Code => [
  ...simd(13),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

// Structured control flow. Branch depths inside `body` refer to its own blocks only.
const END = [0x0b];
const loop = (body: Code): Code => [0x03, 0x40, ...body, ...END];
const ifThen = (cond: Code, then: Code, otherwise?: Code): Code => [
  ...cond,
  0x04,
  0x40,
  ...then,
  ...(otherwise ? [0x05, ...otherwise] : []),
  ...END,
];
const BR_IF0 = [0x0d, 0];
/** `while (cond) body`, compiled as `if (cond) do body while (cond)`. */
const whileDo = (cond: Code, body: Code): Code => ifThen(cond, loop([...body, ...cond, ...BR_IF0]));

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

/** Multiply-add a·b + c of three f32x4 operands (each code leaves one on the stack). */
type Madd = (a: Code, b: Code, c: Code) => Code;
const fused: Madd = (a, b, c) => [...a, ...b, ...c, ...RELAXED_MADD];
const unfused: Madd = (a, b, c) => [...a, ...b, ...F32X4_MUL, ...c, ...F32X4_ADD];

/**
 * Loads and stores of a vector of `w` ≤ 4 floats: full vectors, or the low one or two lanes
 * (the others read as 0 and never written).
 */
function lanes(w: number): { ld: (o: number) => Code; st: (o: number) => Code } {
  if (w === 4) return { ld: LOAD, st: STORE };
  if (w === 2) return { ld: LOAD64_ZERO, st: STORE64_LANE0 };
  return { ld: LOAD32_ZERO, st: STORE32_LANE0 };
}

/** `for (local = count; local > 0; local -= step) body` for local ≥ step each pass. */
const countDown = (t: number, count: Code, step: number, body: Code): Code => [
  ...count,
  ...set(t),
  ...whileDo([...get(t), ...i32(step), ...GE_S], [...body, ...inc(t, i32(-step))]),
];

/** `local = 0; while (local + step ≤ limit) { body; local += step }`. */
const stepUp = (x: number, step: number, limit: Code, unsigned: boolean, body: Code): Code =>
  whileDo([...get(x), ...i32(step), ...ADD, ...limit, ...(unsigned ? LE_U : LE_S)], [
    ...body,
    ...inc(x, i32(step)),
  ]);

// ---------------------------------------------------------------------------------------------
// Matrix products

/** Rows and column widths of the register tiles of gemm, largest first. */
const GEMM_ROWS = [6, 4, 2, 1], GEMM_WIDTHS = [8, 4, 2, 1];

/**
 * gemm(a, aI, aT, b, bT, c, cI, m, n, k, accumulate): C = [C +] A·B with A(i, t) at
 * a + i·aI + t·aT, B(t, j) at b + t·bT + 4j, C(i, j) at c + i·cI + 4j (byte offsets).
 *
 * Column panels of B (8 floats wide) are the outer loop, so a panel (k rows) stays in the L1
 * cache while every tile of rows of A passes over it. A tile of R rows × W columns keeps C in
 * R·W/4 vector registers over the whole k loop: per t, W/4 loads of B, R broadcasts of A and
 * R·W/4 multiply-adds. When aI is 4 (the rows of a tile are adjacent floats: A read
 * transposed), the broadcasts take constant offsets from one pointer.
 */
function gemmFunc(madd: Madd): Func {
  const f = new Func(Array(11).fill(I32));
  const [a, aI, aT, b, bT, c, cI, m, n, k, accumulate] = Array.from({ length: 11 }, (_, i) => i);
  const [i, jb, nb, ap, bp, cp, t] = f.locals(I32, 7);
  const maxR = GEMM_ROWS[0], maxV = GEMM_WIDTHS[0] / 4;
  const aOff = f.locals(I32, maxR), cOff = f.locals(I32, maxR);
  const acc = f.locals(V128, maxR * maxV), bv = f.locals(V128, maxV), s = f.local(V128);
  const row = (base: number, off: number[], r: number) =>
    r === 0 ? get(base) : [...get(base), ...get(off[r]), ...ADD];

  const tile = (R: number, W: number, adjacent: boolean): Code => {
    const V = Math.ceil(W / 4), { ld, st } = lanes(Math.min(W, 4));
    const at = (r: number, v: number) => acc[r * maxV + v];
    const load: Code = [], zero: Code = [], store: Code = [], step: Code = [];
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) {
        load.push(...row(cp, cOff, r), ...ld(16 * v), ...set(at(r, v)));
        zero.push(...ZERO, ...set(at(r, v)));
        store.push(...row(cp, cOff, r), ...get(at(r, v)), ...st(16 * v));
      }
    }
    for (let v = 0; v < V; v++) step.push(...get(bp), ...ld(16 * v), ...set(bv[v]));
    for (let r = 0; r < R; r++) {
      step.push(
        ...(adjacent ? [...get(ap), ...SPLAT32(4 * r)] : [...row(ap, aOff, r), ...SPLAT32()]),
      );
      step.push(...set(s));
      for (let v = 0; v < V; v++) {
        step.push(...madd(get(s), get(bv[v]), get(at(r, v))), ...set(at(r, v)));
      }
    }
    step.push(...inc(ap, get(aT)), ...inc(bp, get(bT)));
    return [
      // ap = a + i·aI, bp = b + jb, cp = c + i·cI + jb
      ...get(a),
      ...get(i),
      ...get(aI),
      ...MUL,
      ...ADD,
      ...set(ap),
      ...get(b),
      ...get(jb),
      ...ADD,
      ...set(bp),
      ...get(c),
      ...get(i),
      ...get(cI),
      ...MUL,
      ...ADD,
      ...get(jb),
      ...ADD,
      ...set(cp),
      ...ifThen(get(accumulate), load, zero),
      ...countDown(t, get(k), 1, step),
      ...store,
    ];
  };

  const driver = (adjacent: boolean): Code => [
    ...i32(0),
    ...set(jb),
    ...GEMM_WIDTHS.flatMap((W) =>
      stepUp(jb, 4 * W, get(nb), true, [
        ...i32(0),
        ...set(i),
        ...GEMM_ROWS.flatMap((R) => stepUp(i, R, get(m), false, tile(R, W, adjacent))),
      ])
    ),
  ];
  const offsets: Code = [];
  for (let r = 1; r < maxR; r++) {
    offsets.push(...get(aI), ...i32(r), ...MUL, ...set(aOff[r]));
    offsets.push(...get(cI), ...i32(r), ...MUL, ...set(cOff[r]));
  }
  f.code = [
    ...get(n),
    ...i32(2),
    ...SHL,
    ...set(nb),
    ...offsets,
    // One column, rows of A and the column of B contiguous: dot products of rows.
    ...ifThen([...is(n, 1), ...is(aT, 4), ...AND, ...is(bT, 4), ...AND], [
      ...[a, aI, b].flatMap(get),
      ...i32(4),
      ...[c, cI, m].flatMap(get),
      ...i32(1),
      ...[k, accumulate].flatMap(get),
      ...call("gemmNT"),
      ...RETURN,
    ]),
    // One column, A read transposed, C contiguous: Cᵀ = Bᵀ·Aᵀ, rows of Aᵀ contiguous.
    ...ifThen([...is(n, 1), ...is(aI, 4), ...AND, ...is(cI, 4), ...AND], [
      ...get(b),
      ...i32(0),
      ...[bT, a, aT, c].flatMap(get),
      ...i32(4),
      ...i32(1),
      ...[m, k, accumulate].flatMap(get),
      ...call("gemm"),
      ...RETURN,
    ]),
    ...ifThen(is(aI, 4), driver(true), driver(false)),
  ];
  return f;
}

/** Rows of A and of B in the register tiles of gemmNT, largest first. */
/** Tiles of gemmNT: rows S of B (columns of C), each with its rows R of A, largest first. */
const NT_TILES: [number, number[]][] = [[4, [2, 1]], [2, [4, 2, 1]], [1, [6, 4, 2, 1]]];

/**
 * Σ of each of four f32x4 locals, as one f32x4 (lane s = the sum of the lanes of x[s]), with
 * two v128 scratch locals.
 */
function sum4(x: number[], p: number, q: number): Code {
  const pairs = (u: number, v: number) => [
    ...get(u),
    ...get(v),
    ...shuffle([0, 1, 4, 5]),
    ...get(u),
    ...get(v),
    ...shuffle([2, 3, 6, 7]),
    ...F32X4_ADD,
  ];
  return [
    ...pairs(x[0], x[1]),
    ...set(p),
    ...pairs(x[2], x[3]),
    ...set(q),
    ...get(p),
    ...get(q),
    ...shuffle([0, 2, 4, 6]),
    ...get(p),
    ...get(q),
    ...shuffle([1, 3, 5, 7]),
    ...F32X4_ADD,
  ];
}

/**
 * gemmNT(a, aRow, b, bRow, c, cI, m, n, k, accumulate): C = [C +] A·Bᵀ with A(i, t) at
 * a + i·aRow + 4t, B(j, t) at b + j·bRow + 4t: dot products of rows. A tile of R rows of A ×
 * S rows of B keeps R·S vectors of partial sums (4 values of t each) over the k loop, and
 * adds up their lanes at the end, four columns of C at a time. Blocks of S rows of B are the
 * outer loop, so they stay in the L1 cache while the rows of A pass.
 *
 * For k < 4 (the input gradient of a layer of one to three units), it gathers B(j:j+W, t)
 * into registers instead and adds A(i, t)·B(j:j+W, t) to each row of C, W = 4 columns at a
 * time: dot products of fewer than 4 values would leave most lanes idle.
 */
function gemmNTFunc(madd: Madd): Func {
  const f = new Func(Array(10).fill(I32));
  const [a, aRow, b, bRow, c, cI, m, n, k, accumulate] = Array.from({ length: 10 }, (_, i) => i);
  const [i, j, cp, t] = f.locals(I32, 4);
  const maxS = NT_TILES[0][0], maxR = Math.max(...NT_TILES.map(([, rows]) => rows[0]));
  const ap = f.locals(I32, maxR), bp = f.locals(I32, maxS);
  const acc = f.locals(V128, maxR * maxS), av = f.locals(V128, maxR);
  const [bv, p, q] = f.locals(V128, 3);

  const tile = (R: number, S: number): Code => {
    const at = (r: number, s: number) => acc[r * maxS + s];
    const pointers: Code = [...get(a), ...get(i), ...get(aRow), ...MUL, ...ADD, ...set(ap[0])];
    for (let r = 1; r < R; r++) {
      pointers.push(...get(ap[r - 1]), ...get(aRow), ...ADD, ...set(ap[r]));
    }
    pointers.push(...get(b), ...get(j), ...get(bRow), ...MUL, ...ADD, ...set(bp[0]));
    for (let s = 1; s < S; s++) {
      pointers.push(...get(bp[s - 1]), ...get(bRow), ...ADD, ...set(bp[s]));
    }
    const zero: Code = [];
    for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) zero.push(...ZERO, ...set(at(r, s)));
    /** `vectors` chunks of 4 values of t (or 1 value, in lane 0, when `single`). */
    const step = (vectors: number, single: boolean): Code => {
      const code: Code = [];
      const ld = single ? LOAD32_ZERO : LOAD, size = single ? 4 : 16;
      for (let u = 0; u < vectors; u++) {
        for (let r = 0; r < R; r++) code.push(...get(ap[r]), ...ld(size * u), ...set(av[r]));
        for (let s = 0; s < S; s++) {
          code.push(...get(bp[s]), ...ld(size * u), ...set(bv));
          for (let r = 0; r < R; r++) {
            code.push(...madd(get(av[r]), get(bv), get(at(r, s))), ...set(at(r, s)));
          }
        }
      }
      for (const ptr of [...ap.slice(0, R), ...bp.slice(0, S)]) {
        code.push(...inc(ptr, i32(size * vectors)));
      }
      return code;
    };
    const { ld, st } = lanes(S);
    const store: Code = [];
    for (let r = 0; r < R; r++) {
      const x = [0, 1, 2, 3].map((s) => at(r, s < S ? s : 0));
      store.push(
        // cp = c + (i + r)·cI + 4j
        ...get(c),
        ...get(i),
        ...i32(r),
        ...ADD,
        ...get(cI),
        ...MUL,
        ...ADD,
        ...get(j),
        ...i32(2),
        ...SHL,
        ...ADD,
        ...set(cp),
        ...sum4(x, p, q),
        ...set(p),
        ...ifThen(get(accumulate), [...get(p), ...get(cp), ...ld(0), ...F32X4_ADD, ...set(p)]),
        ...get(cp),
        ...get(p),
        ...st(0),
      );
    }
    return [
      ...pointers,
      ...zero,
      ...countDown(t, get(k), 8, step(2, false)),
      ...ifThen([...get(t), ...i32(4), ...GE_S], [...step(1, false), ...inc(t, i32(-4))]),
      ...countDown(t, get(t), 1, step(1, true)),
      ...store,
    ];
  };

  const dots = [
    ...i32(0),
    ...set(j),
    ...NT_TILES.flatMap(([S, rows]) =>
      stepUp(j, S, get(n), false, [
        ...i32(0),
        ...set(i),
        ...rows.flatMap((R) => stepUp(i, R, get(m), false, tile(R, S))),
      ])
    ),
  ];

  /** k = K < 4: B(j + l, t) in lane l of bt[u], for W columns at a time. */
  const bt = av.slice(0, 3), [bq, cRow, row] = [bp[0], bp[1], t], sum = acc[0];
  const gathered = (K: number) => (W: number): Code => {
    const { ld, st } = lanes(W);
    const code: Code = [...get(b), ...get(j), ...get(bRow), ...MUL, ...ADD, ...set(bq)];
    for (let u = 0; u < K; u++) code.push(...get(bq), ...LOAD32_ZERO(4 * u), ...set(bt[u]));
    for (let l = 1; l < W; l++) {
      code.push(...inc(bq, get(bRow)));
      for (let u = 0; u < K; u++) {
        code.push(...get(bq), ...get(bt[u]), ...memarg(86, 4 * u), l, ...set(bt[u])); // load32_lane
      }
    }
    const terms: Code = [];
    for (let u = 0; u < K; u++) {
      terms.push(...madd([...get(ap[0]), ...SPLAT32(4 * u)], get(bt[u]), get(sum)), ...set(sum));
    }
    code.push(
      ...get(a),
      ...set(ap[0]),
      ...get(c),
      ...get(j),
      ...i32(2),
      ...SHL,
      ...ADD,
      ...set(cRow),
      ...countDown(row, get(m), 1, [
        ...ifThen(get(accumulate), [...get(cRow), ...ld(0), ...set(sum)], [...ZERO, ...set(sum)]),
        ...terms,
        ...get(cRow),
        ...get(sum),
        ...st(0),
        ...inc(ap[0], get(aRow)),
        ...inc(cRow, get(cI)),
      ]),
    );
    return code;
  };
  const small = (K: number): Code => [
    ...i32(0),
    ...set(j),
    ...[4, 2, 1].flatMap((W) => stepUp(j, W, get(n), false, gathered(K)(W))),
  ];
  const eq = (x: number) => [...get(k), ...i32(x), ...EQ];
  f.code = ifThen(
    [...get(k), ...i32(4), ...LT_S],
    ifThen(eq(1), small(1), ifThen(eq(2), small(2), ifThen(eq(3), small(3), small(0)))),
    dots,
  );
  return f;
}

/**
 * colSum(x, rowBytes, out, rows, cols): out[j] = Σ_i x(i, j), x(i, j) at x + i·rowBytes + 4j,
 * 16 columns at a time in four vector registers, then 4, then one.
 */
function colSumFunc(): Func {
  const f = new Func(Array(5).fill(I32));
  const [x, rowBytes, out, rows, cols] = [0, 1, 2, 3, 4];
  const [j, p, r] = f.locals(I32, 3);
  const acc = f.locals(V128, 4);
  const block = (W: number): Code => {
    const V = Math.ceil(W / 4), { ld, st } = lanes(Math.min(W, 4));
    const code: Code = [];
    for (let v = 0; v < V; v++) code.push(...ZERO, ...set(acc[v]));
    const add: Code = [];
    for (let v = 0; v < V; v++) {
      add.push(...get(acc[v]), ...get(p), ...ld(16 * v), ...F32X4_ADD, ...set(acc[v]));
    }
    add.push(...inc(p, get(rowBytes)));
    code.push(...get(x), ...get(j), ...i32(2), ...SHL, ...ADD, ...set(p));
    code.push(...countDown(r, get(rows), 1, add));
    for (let v = 0; v < V; v++) {
      code.push(...get(out), ...get(j), ...i32(2), ...SHL, ...ADD, ...get(acc[v]), ...st(16 * v));
    }
    return code;
  };
  f.code = [
    ...i32(0),
    ...set(j),
    ...[16, 4, 1].flatMap((W) => stepUp(j, W, get(cols), false, block(W))),
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
const UNROLL = 2;

/**
 * A loop over `count` floats of the arrays at the pointers `ptrs` (parameters, advanced in
 * place): UNROLL vectors of four at a time, then four, then the last count mod 4 one at a time
 * in lane 0 of a vector.
 */
function elementwise(f: Func, count: number, ptrs: number[], body: (io: Access) => Code): Code {
  const [end, vecEnd, blockEnd] = f.locals(I32, 3);
  const pass = (limit: number, ios: Access[], size: number) =>
    whileDo([...get(ptrs[0]), ...get(limit), ...LT_U], [
      ...ios.flatMap(body),
      ...ptrs.flatMap((ptr) => inc(ptr, i32(size * ios.length))),
    ]);
  const vector = (o: number): Access => ({
    ld: (ptr) => [...get(ptr), ...LOAD(o)],
    st: (ptr, value) => [...get(ptr), ...value, ...STORE(o)],
  });
  const endOf = (multiple: number, local: number) => [
    ...get(ptrs[0]),
    ...get(count),
    ...i32(-multiple),
    ...AND,
    ...i32(2),
    ...SHL,
    ...ADD,
    ...set(local),
  ];
  return [
    ...endOf(1, end),
    ...endOf(4, vecEnd),
    ...endOf(4 * UNROLL, blockEnd),
    ...pass(blockEnd, Array.from({ length: UNROLL }, (_, u) => vector(16 * u)), 16),
    ...pass(vecEnd, [vector(0)], 16),
    ...pass(end, [{
      ld: (ptr) => [...get(ptr), ...LOAD32_ZERO()],
      st: (ptr, value) => [...get(ptr), ...value, ...STORE32_LANE0()],
    }], 4),
  ];
}

/** f32x4 locals holding parameters (f64, rounded to float32) or f64 expressions of them. */
function splats(f: Func, exprs: Code[]): { locals: number[]; code: Code } {
  const locals = exprs.map(() => f.local(V128));
  return {
    locals,
    code: exprs.flatMap((e, i) => [...e, ...F32_DEMOTE, ...F32X4_SPLAT, ...set(locals[i])]),
  };
}

/**
 * The total gradient of the optimizers before `scale`: min(max(g + twoL2·w + l1·sign(w), −clip),
 * clip), for w in the f32x4 local `w` and g on the stack after `g`. pmax/pmin with g' first
 * keep a NaN gradient NaN, as Math.max and Math.min do.
 */
function totalGrad(w: number, g: Code, twoL2: number, l1: number, negClip: number, clip: number) {
  return [
    ...g,
    ...get(w),
    ...get(twoL2),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...get(l1),
    ...get(w),
    ...ZERO,
    ...F32X4_GT,
    ...V128_AND,
    ...F32X4_ADD,
    ...get(l1),
    ...get(w),
    ...ZERO,
    ...F32X4_LT,
    ...V128_AND,
    ...F32X4_SUB,
    ...get(negClip),
    ...F32X4_PMAX,
    ...get(clip),
    ...F32X4_PMIN,
  ];
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
  const ptr = Array.from({ length: pointers }, (_, i) => i), count = pointers;
  const p: Record<string, Code> = {};
  scalars.forEach((s, i) => p[s] = get(pointers + 1 + i));
  const exprs: Record<string, Code> = {
    ...p,
    negClip: [...p.clip, ...F64_NEG],
    tiny: f64(FLUSH_BELOW),
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
    l2: (io) => [...io.ld(ptr[1]), ...get(w), ...get(v.twoL2), ...F32X4_MUL, ...F32X4_ADD],
    full: (io) => [
      ...totalGrad(w, io.ld(ptr[1]), v.twoL2, v.l1, v.negClip, v.clip),
      ...get(v.scale),
      ...F32X4_MUL,
    ],
  };
  const loop = (variant: number, tier: Tier) =>
    elementwise(f, count, ptr, (io) => [
      ...io.ld(ptr[0]),
      ...set(w),
      ...gradient[tier](io),
      ...set(g),
      ...update(io, v, w, g, variant),
      ...set(x),
      // w ← 0 where |w| < FLUSH_BELOW
      ...io.st(ptr[0], [
        ...get(x),
        ...get(x),
        ...F32X4_ABS,
        ...get(v.tiny),
        ...F32X4_LT,
        ...V128_ANDNOT,
      ]),
    ]);
  const isL2 = [
    ...[...p.l1, ...f64(0), ...F64_EQ],
    ...[...p.clip, ...f64(Infinity), ...F64_EQ, ...AND],
    ...[...p.scale, ...f64(1), ...F64_EQ, ...AND],
  ];
  const loops = (variant: number) =>
    ifThen(
      isL2,
      ifThen([...p.twoL2, ...f64(0), ...F64_EQ], loop(variant, "plain"), loop(variant, "l2")),
      loop(variant, "full"),
    );
  f.code = [...code, ...(twoLoops ? ifThen(twoLoops(p), loops(1), loops(0)) : loops(0))];
  return f;
}

const COMMON = ["lr", "keep", "l1", "twoL2", "clip", "scale"];
const none = () => ({});

/** keep·w − (the code of u). */
const decayed = (v: Splats, w: number, u: Code): Code => [
  ...get(v.keep),
  ...get(w),
  ...F32X4_MUL,
  ...u,
  ...F32X4_SUB,
];

/** sgd(w, g, count, lr, keep, l1, twoL2, clip, scale): w ← keep·w − lr·g'. */
function sgdFunc(): Func {
  return optimizerFunc(
    2,
    COMMON,
    none,
    (_io, v, w, g) => decayed(v, w, [...get(v.lr), ...get(g), ...F32X4_MUL]),
  );
}

/**
 * momentum(w, g, v, count, lr, keep, l1, twoL2, clip, scale, mu, cg, cv):
 * v ← mu·v + g'; w ← keep·w − lr·(cg·g' + cv·v).
 */
function momentumFunc(): Func {
  const [, , vel] = [0, 1, 2];
  return optimizerFunc(3, [...COMMON, "mu", "cg", "cv"], none, (io, s, w, g) => {
    const nv = [...get(s.mu), ...io.ld(vel), ...F32X4_MUL, ...get(g), ...F32X4_ADD];
    return [
      ...io.st(vel, nv),
      ...decayed(s, w, [
        ...get(s.lr),
        ...get(s.cg),
        ...get(g),
        ...F32X4_MUL,
        ...get(s.cv),
        ...io.ld(vel),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...F32X4_MUL,
      ]),
    ];
  });
}

/**
 * rmsprop(w, g, s1, s2, count, lr, keep, l1, twoL2, clip, scale, rho, eps, mu):
 * s1 ← rho·s1 + (1 − rho)·g'²; u = lr·g'/√(s1 + eps); with mu > 0, u ← u + mu·s2 and s2 ← u;
 * w ← keep·w − u.
 */
function rmspropFunc(): Func {
  const [s1, s2] = [2, 3];
  return optimizerFunc(
    4,
    [...COMMON, "rho", "eps", "mu"],
    (p) => ({ oneMinusRho: [...f64(1), ...p.rho, ...F64_SUB] }),
    (io, v, w, g, momentum) => {
      const ns = [
        ...get(v.rho),
        ...io.ld(s1),
        ...F32X4_MUL,
        ...get(v.oneMinusRho),
        ...get(g),
        ...get(g),
        ...F32X4_MUL,
        ...F32X4_MUL,
        ...F32X4_ADD,
      ];
      let u = [
        ...get(v.lr),
        ...get(g),
        ...F32X4_MUL,
        ...io.ld(s1),
        ...get(v.eps),
        ...F32X4_ADD,
        ...F32X4_SQRT,
        ...F32X4_DIV,
      ];
      const code = io.st(s1, ns);
      if (momentum) {
        code.push(...io.st(s2, [...u, ...get(v.mu), ...io.ld(s2), ...F32X4_MUL, ...F32X4_ADD]));
        u = io.ld(s2);
      }
      return [...code, ...decayed(v, w, u)];
    },
    (p) => [...p.mu, ...f64(0), ...F64_GT],
  );
}

/**
 * adam(w, g, m, v, count, lr, keep, l1, twoL2, clip, scale, b1, b2, eps, c1, c2):
 * m ← b1·m + (1 − b1)·g'; v ← b2·v + (1 − b2)·g'²; w ← keep·w − (lr/c1)·m/(√(v·(1/c2)) + eps),
 * which is lr·(m/c1)/(√(v/c2) + eps) with one division and one square root per value.
 */
function adamFunc(): Func {
  const [mp, vp] = [2, 3];
  return optimizerFunc(
    4,
    [...COMMON, "b1", "b2", "eps", "c1", "c2"],
    (p) => ({
      oneMinusB1: [...f64(1), ...p.b1, ...F64_SUB],
      oneMinusB2: [...f64(1), ...p.b2, ...F64_SUB],
      lrOverC1: [...p.lr, ...p.c1, ...F64_DIV],
      overC2: [...f64(1), ...p.c2, ...F64_DIV],
    }),
    (io, v, w, g) => [
      ...io.st(mp, [
        ...get(v.b1),
        ...io.ld(mp),
        ...F32X4_MUL,
        ...get(v.oneMinusB1),
        ...get(g),
        ...F32X4_MUL,
        ...F32X4_ADD,
      ]),
      ...io.st(vp, [
        ...get(v.b2),
        ...io.ld(vp),
        ...F32X4_MUL,
        ...get(v.oneMinusB2),
        ...get(g),
        ...get(g),
        ...F32X4_MUL,
        ...F32X4_MUL,
        ...F32X4_ADD,
      ]),
      ...decayed(v, w, [
        ...get(v.lrOverC1),
        ...io.ld(mp),
        ...F32X4_MUL,
        ...io.ld(vp),
        ...get(v.overC2),
        ...F32X4_MUL,
        ...F32X4_SQRT,
        ...get(v.eps),
        ...F32X4_ADD,
        ...F32X4_DIV,
      ]),
    ],
  );
}

/**
 * sumSqGrad(w, g, count, l1, twoL2, clip) → Σ g'² over the total gradients before `scale`
 * (computed in float32, squared and summed in float64).
 */
function sumSqGradFunc(): Func {
  const f = new Func([I32, I32, I32, F64, F64, F64], F64);
  const [w, g, count] = [0, 1, 2];
  const { locals, code } = splats(f, [get(3), get(4), get(5), [...get(5), ...F64_NEG]]);
  const [l1, twoL2, clip, negClip] = locals;
  const [wv, x, lo, hi] = f.locals(V128, 4);
  const sq = (acc: number, half: Code) => [
    ...get(acc),
    ...half,
    ...F64X2_PROMOTE_LOW,
    ...set(wv),
    ...get(wv),
    ...get(wv),
    ...F64X2_MUL,
    ...F64X2_ADD,
    ...set(acc),
  ];
  f.code = [
    ...code,
    ...ZERO,
    ...set(lo),
    ...ZERO,
    ...set(hi),
    ...elementwise(f, count, [w, g], (io) => [
      ...io.ld(w),
      ...set(wv),
      ...totalGrad(wv, io.ld(g), twoL2, l1, negClip, clip),
      ...set(x),
      ...sq(lo, get(x)),
      ...sq(hi, [...get(x), ...get(x), ...shuffle([2, 3, 0, 1])]),
    ]),
    ...get(lo),
    ...get(hi),
    ...F64X2_ADD,
    ...set(x),
    ...get(x),
    ...F64X2_EXTRACT(0),
    ...get(x),
    ...F64X2_EXTRACT(1),
    ...F64_ADD,
  ];
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
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** Whether the engine accepts relaxed SIMD: validates a function of one f32x4.relaxed_madd. */
function relaxedSimd(): boolean {
  const body = [0, ...get(0), ...get(1), ...get(2), ...RELAXED_MADD, ...END];
  return WebAssembly.validate(
    new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
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
