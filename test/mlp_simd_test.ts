import assert from "node:assert/strict";
import { ACT, type MlpSimd, mlpSimd } from "../lib/_mlp_simd.ts";
import { jsKernels } from "../lib/_mlp_engine.ts";
import { makeRng, type Rng } from "../lib/random.ts";

/** Floats of memory used by one case; everything in it outside the outputs must not change. */
const ARENA = 1 << 20;
const memory = new WebAssembly.Memory({ initial: (ARENA * 4) / 65536 + 1 });
const heap = new Float32Array(memory.buffer);
const SENTINEL = -7777.25;

/** Kernels with relaxed SIMD (where available) and without. */
const variants: [string, MlpSimd][] = [
  ["relaxed", mlpSimd(memory)!],
  ["mul+add", mlpSimd(memory, { relaxed: false })!],
];

/** Sequential allocation of float regions in `heap`, each followed by 3 sentinel floats. */
class Arena {
  #next = 4;
  constructor(used: number) {
    heap.fill(SENTINEL, 0, used);
  }
  /** A region of `n` floats filled by `fill`; returns its byte offset. */
  alloc(n: number, fill: (i: number) => number = () => SENTINEL): number {
    const start = this.#next;
    for (let i = 0; i < n; i++) heap[start + i] = fill(i);
    this.#next += n + 3;
    assert.ok(this.#next < ARENA, "arena too small");
    return start * 4;
  }
  get used(): number {
    return this.#next + 4;
  }
}

/**
 * Runs `call` and checks memory: each float listed in `expected` (float index → value and
 * scale) is within tol·scale of its value, and every other float of the arena is unchanged.
 */
function checkOutputs(
  arena: Arena,
  call: () => void,
  expected: Map<number, [number, number]>,
  tol: number,
  what: string,
): void {
  const before = heap.slice(0, arena.used);
  call();
  for (let i = 0; i < arena.used; i++) {
    const e = expected.get(i);
    if (e === undefined) {
      if (!Object.is(heap[i], before[i])) {
        assert.fail(`${what}: float ${i} outside the outputs changed: ${before[i]} → ${heap[i]}`);
      }
    } else {
      const [value, scale] = e;
      if (Number.isNaN(value)) {
        assert.ok(Number.isNaN(heap[i]), `${what}: float ${i} is ${heap[i]}, expected NaN`);
      } else if (!(heap[i] === value || Math.abs(heap[i] - value) <= tol * scale)) {
        assert.fail(`${what}: float ${i} is ${heap[i]}, expected ${value} (scale ${scale})`);
      }
    }
  }
}

const normal = (rng: Rng) => () => rng.normal();
const SIZES = [1, 2, 3, 5, 7, 9, 17, 33];

/** A layout of an m × k matrix: strides of i and t in floats, and the floats it spans. */
type Layout = { name: string; layout: (m: number, k: number) => [number, number, number] };
const A_LAYOUTS: Layout[] = [
  // rows of A contiguous (forward: X·W), with 1 float of padding per row
  { name: "rows", layout: (m, k) => [k + 1, 1, m * (k + 1)] },
  // A read transposed (dW = Xᵀ·G): A(i, t) = X(t, i)
  { name: "transposed", layout: (m, k) => [1, m + 2, k * (m + 2)] },
  // every other float
  { name: "strided", layout: (m, k) => [2 * k + 1, 2, m * (2 * k + 1)] },
];

/**
 * Checks gemm on one shape: C = [C +] A·B against the sum in double precision, scaled by
 * Σ|terms| (+ |C| when accumulating). Rows of B and C have `pad` floats after them (0: as a
 * training step lays them out, which picks the one-column paths).
 */
function checkGemm(
  kernels: MlpSimd,
  rng: Rng,
  m: number,
  n: number,
  k: number,
  layout: Layout,
  accumulate: number,
  what: string,
  pad = 0,
  epilogue?: [number, number],
): void {
  const [sI, sT, span] = layout.layout(m, k);
  const bRow = n + pad, cRow = n + pad;
  const arena = new Arena(span + k * bRow + m * cRow + n + 64);
  const a = arena.alloc(span, normal(rng));
  const b = arena.alloc(k * bRow, normal(rng));
  const c = arena.alloc(m * cRow, normal(rng));
  const bias = arena.alloc(n, normal(rng));
  const expected = new Map<number, [number, number]>();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const at = c / 4 + i * cRow + j;
      let sum = accumulate ? heap[at] : 0, scale = Math.abs(sum);
      for (let t = 0; t < k; t++) {
        const term = heap[a / 4 + i * sI + t * sT] * heap[b / 4 + t * bRow + j];
        sum += term;
        scale += Math.abs(term);
      }
      if (epilogue) {
        const z = sum + heap[bias / 4 + j];
        expected.set(at, [activate(epilogue[0], epilogue[1], z), scale + Math.abs(z) + 1e-30]);
      } else {
        expected.set(at, [sum, scale + 1e-30]);
      }
    }
  }
  const args = [a, 4 * sI, 4 * sT, b, 4 * bRow, c, 4 * cRow, m, n, k, accumulate] as const;
  checkOutputs(
    arena,
    () =>
      epilogue
        ? kernels.gemmBiasAct(...args, bias, epilogue[0], epilogue[1])
        : kernels.gemm(...args),
    expected,
    1e-5,
    `${what} gemm${epilogue ? `BiasAct ${epilogue}` : ""} m=${m} n=${n} k=${k} ${layout.name} ` +
      `accumulate=${accumulate}`,
  );
}

/** Checks gemmNT on one shape: C = [C +] A·Bᵀ, rows of A, B and C padded by `pad` floats. */
function checkGemmNT(
  kernels: MlpSimd,
  rng: Rng,
  m: number,
  n: number,
  k: number,
  accumulate: number,
  what: string,
  pad = 0,
  epilogue?: [number, number],
): void {
  const aRow = k + pad, bRow = k + pad, cRow = n + pad;
  const arena = new Arena(m * aRow + n * bRow + 2 * m * cRow + 64);
  const a = arena.alloc(m * aRow, normal(rng));
  const b = arena.alloc(n * bRow, normal(rng));
  const c = arena.alloc(m * cRow, normal(rng));
  const mask = arena.alloc(m * cRow, withSpecials(rng));
  const expected = new Map<number, [number, number]>();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const at = c / 4 + i * cRow + j;
      let sum = accumulate ? heap[at] : 0, scale = Math.abs(sum);
      for (let t = 0; t < k; t++) {
        const term = heap[a / 4 + i * aRow + t] * heap[b / 4 + j * bRow + t];
        sum += term;
        scale += Math.abs(term);
      }
      const y = heap[mask / 4 + i * cRow + j];
      const d = epilogue === undefined ? 1 : y > 0 ? 1 : epilogue[0] === ACT.relu ? 0 : epilogue[1];
      expected.set(at, [sum * d, scale + 1e-30]);
    }
  }
  const args = [a, 4 * aRow, b, 4 * bRow, c, 4 * cRow, m, n, k, accumulate] as const;
  checkOutputs(
    arena,
    () =>
      epilogue
        ? kernels.gemmNTAct(...args, mask, epilogue[0], epilogue[1])
        : kernels.gemmNT(...args),
    expected,
    1e-5,
    `${what} gemmNT${epilogue ? `Act ${epilogue}` : ""} m=${m} n=${n} k=${k} ` +
      `accumulate=${accumulate}`,
  );
}

Deno.test("mlpSimd() gives kernels, the same ones for the same memory and options", () => {
  assert.ok(variants.every(([, k]) => k !== undefined));
  assert.equal(mlpSimd(memory), variants[0][1]);
  assert.notEqual(mlpSimd(memory, { relaxed: false }), variants[0][1]);
  assert.throws(
    () => mlpSimd({} as WebAssembly.Memory),
    (e) => e instanceof TypeError && /memory must be a WebAssembly.Memory/.test(e.message),
  );
  assert.throws(
    () => mlpSimd(memory, { fused: true } as never),
    (e) => e instanceof TypeError && /no setting "fused"; the settings are relaxed/.test(e.message),
  );
  assert.throws(
    () => mlpSimd(memory, { relaxed: 1 as unknown as boolean }),
    (e) => e instanceof TypeError && /options.relaxed must be true or false, got 1/.test(e.message),
  );
});

Deno.test("gemm() matches the product in double precision for odd sizes, every layout", () => {
  const rng = makeRng(1);
  for (const [what, kernels] of variants) {
    for (const m of SIZES) {
      for (const n of SIZES) {
        for (const k of SIZES) {
          for (const layout of A_LAYOUTS) {
            for (const pad of [0, 3]) {
              checkGemm(kernels, rng, m, n, k, layout, (m + n + k) & 1, what, pad);
            }
          }
        }
      }
    }
  }
});

Deno.test("gemmBiasAct() is gemm, then the bias and the activation, for odd sizes", () => {
  const rng = makeRng(8);
  for (const [what, kernels] of withJs) {
    for (const act of [[ACT.linear, 0], [ACT.relu, 0], [ACT.leakyRelu, 0.2]] as const) {
      for (const m of SIZES) {
        for (const n of [1, 2, 3, 5, 9, 17, 64]) {
          for (const k of [1, 2, 5, 33]) {
            for (const layout of A_LAYOUTS) {
              for (const pad of [0, 3]) {
                checkGemm(kernels, rng, m, n, k, layout, (m + n + k) & 1, what, pad, [...act]);
              }
            }
          }
        }
      }
    }
  }
});

Deno.test("gemmNTAct() is gemmNT, then the gradient of ReLU or leaky ReLU, for odd sizes", () => {
  const rng = makeRng(9);
  for (const [what, kernels] of withJs) {
    for (const act of [[ACT.relu, 0], [ACT.leakyRelu, 0.25]] as const) {
      for (const m of SIZES) {
        for (const n of SIZES) {
          for (const k of [1, 2, 3, 4, 9, 33]) {
            for (const pad of [0, 2]) {
              checkGemmNT(kernels, rng, m, n, k, (m + n + k) & 1, what, pad, [...act]);
            }
          }
        }
      }
    }
  }
});

/**
 * [batch, inputs, units] of a dense layer. 71 and 45: k loops with full passes, single
 * steps (gemm) or vectors (gemmNT) and single values after them.
 */
const SHAPES = [
  [32, 64, 64],
  [32, 128, 128],
  [256, 128, 128],
  [33, 71, 45],
  [32, 2, 64],
  [32, 64, 1],
  [32, 64, 3],
  [32, 512, 512],
];

Deno.test("gemm() and gemmNT() match on the shapes of a training step, with and without accumulating", () => {
  const rng = makeRng(2);
  const [rows, transposed] = A_LAYOUTS;
  // [batch, in, out]
  for (
    const [batch, inp, out] of SHAPES
  ) {
    for (const accumulate of [0, 1]) {
      for (const [what, kernels] of variants) {
        checkGemm(kernels, rng, batch, out, inp, rows, accumulate, `${what} forward`);
        checkGemm(kernels, rng, inp, out, batch, transposed, accumulate, `${what} dW`);
        checkGemmNT(kernels, rng, batch, inp, out, accumulate, `${what} dA`);
      }
    }
  }
});

Deno.test("gemmNT() matches the product in double precision for odd sizes", () => {
  const rng = makeRng(3);
  for (const [what, kernels] of variants) {
    for (const m of SIZES) {
      for (const n of SIZES) {
        for (const k of SIZES) {
          for (const pad of [0, 2]) checkGemmNT(kernels, rng, m, n, k, (m + n + k) & 1, what, pad);
        }
      }
    }
  }
});

Deno.test("gemm() and gemmNT() with k = 0 write zeros, or leave C when accumulating", () => {
  const kernels = variants[0][1];
  const arena = new Arena(64);
  const c = arena.alloc(6, (i) => i + 1);
  const zeros = new Map<number, [number, number]>();
  for (let i = 0; i < 6; i++) zeros.set(c / 4 + i, [0, 0]);
  for (const accumulate of [1, 0]) {
    for (const nt of [false, true]) {
      heap.set([1, 2, 3, 4, 5, 6], c / 4);
      checkOutputs(
        arena,
        () =>
          nt
            ? kernels.gemmNT(0, 4, 0, 4, c, 12, 2, 3, 0, accumulate)
            : kernels.gemm(0, 4, 4, 0, 4, c, 12, 2, 3, 0, accumulate),
        accumulate ? new Map() : zeros,
        0,
        `k=0 accumulate=${accumulate} ${nt ? "gemmNT" : "gemm"}`,
      );
    }
  }
});

Deno.test("colSum() sums the rows in column order", () => {
  const rng = makeRng(4);
  const kernels = variants[0][1];
  for (const rows of [...SIZES, 256]) {
    for (const cols of [...SIZES, 64, 130]) {
      const row = cols + 2;
      const arena = new Arena(rows * row + cols + 64);
      const x = arena.alloc(rows * row, normal(rng));
      const out = arena.alloc(cols, normal(rng));
      const expected = new Map<number, [number, number]>();
      for (let j = 0; j < cols; j++) {
        let sum = 0, scale = 0;
        for (let i = 0; i < rows; i++) {
          sum += heap[x / 4 + i * row + j];
          scale += Math.abs(heap[x / 4 + i * row + j]);
        }
        expected.set(out / 4 + j, [sum, scale]);
      }
      checkOutputs(
        arena,
        () => kernels.colSum(x, 4 * row, out, rows, cols),
        expected,
        1e-6,
        `colSum ${rows}×${cols}`,
      );
    }
  }
});

/** Values, special ones (0, −0, ±∞, NaN, ties around 0) among normal ones. */
const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1e-30, -1e-30, 3.5, -2.25];
const withSpecials = (rng: Rng) => (i: number) =>
  i % 5 === 3 ? SPECIAL[(i * 7) % SPECIAL.length] : rng.normal();

/** f(z) of an activation code of ACT, in float32. */
function activate(act: number, alpha: number, z: number): number {
  if (act === ACT.relu) return z > 0 ? z : 0;
  if (act === ACT.leakyRelu) return z < 0 ? Math.fround(Math.fround(alpha) * z) : z;
  return z;
}

/** The SIMD kernels and the JavaScript ones of the engine, on the same memory. */
const withJs: [string, MlpSimd][] = [...variants, ["js", jsKernels(memory)]];

Deno.test("biasAct() adds the bias and applies the activation in place, row by row", () => {
  const rng = makeRng(5);
  for (const [variant, kernels] of withJs) {
    for (const [act, alpha] of [[ACT.linear, 0], [ACT.relu, 0], [ACT.leakyRelu, 0.2]]) {
      for (const rows of [1, 2, 3, 7, 17]) {
        for (const cols of [...SIZES, 64, 130]) {
          const arena = new Arena(rows * cols + cols + 64);
          const x = arena.alloc(rows * cols, withSpecials(rng));
          const bias = arena.alloc(cols, normal(rng));
          const expected = new Map<number, [number, number]>();
          for (let i = 0; i < rows * cols; i++) {
            const z = Math.fround(heap[x / 4 + i] + heap[bias / 4 + (i % cols)]);
            expected.set(x / 4 + i, [activate(act, alpha, z), 1]);
          }
          checkOutputs(
            arena,
            () => kernels.biasAct(x, bias, rows, cols, act, alpha),
            expected,
            0,
            `${variant} biasAct ${act} ${rows}×${cols}`,
          );
        }
      }
    }
  }
});

Deno.test("actGrad() masks, or multiplies, the gradient by the activation's derivative", () => {
  const rng = makeRng(6);
  for (const [variant, kernels] of withJs) {
    for (const [act, alpha] of [[0, 0], [ACT.relu, 0], [ACT.leakyRelu, 0.3]]) {
      for (const count of [...SIZES, 64, 130, 1000]) {
        const arena = new Arena(2 * count + 64);
        const g = arena.alloc(count, withSpecials(rng));
        const a = arena.alloc(
          count,
          act === 0 ? (i) => [0, 1.25, -0, 2][i % 4] : withSpecials(rng),
        );
        const expected = new Map<number, [number, number]>();
        for (let i = 0; i < count; i++) {
          const gi = heap[g / 4 + i], ai = heap[a / 4 + i];
          const v = act === ACT.relu
            ? (ai > 0 ? gi : 0)
            : act === ACT.leakyRelu
            ? Math.fround(gi * (ai > 0 ? 1 : Math.fround(alpha)))
            : Math.fround(gi * ai);
          expected.set(g / 4 + i, [v, 1]);
        }
        checkOutputs(
          arena,
          () => kernels.actGrad(g, a, count, act, alpha),
          expected,
          0,
          `${variant} actGrad ${act} ${count}`,
        );
      }
    }
  }
});

/** Doubles of the heap (for the batch-norm kernels' double columns). */
const heap64 = new Float64Array(memory.buffer);

/** A region of n doubles, 8-byte aligned, filled by `fill`; returns its byte offset. */
function alloc64(arena: Arena, n: number, fill: (i: number) => number): number {
  const start = arena.alloc(2 * n + 1);
  const at = Math.ceil(start / 8) * 8;
  for (let i = 0; i < n; i++) heap64[at / 8 + i] = fill(i);
  return at;
}

/** Expected doubles at byte offset `at`, as the pairs of floats checkOutputs compares. */
function expect64(expected: Map<number, [number, number]>, at: number, values: number[]) {
  const bits = new Float32Array(new Float64Array(values).buffer);
  bits.forEach((v, i) => expected.set(at / 4 + i, [v, 1]));
}

Deno.test("bnSums(), bnNormalize() and bnGrad() compute their formulas in double precision", async (t) => {
  const rng = makeRng(7);
  const shapes: [number, number][] = [];
  for (const rows of [1, 2, 3, 32]) for (const cols of [...SIZES, 64]) shapes.push([rows, cols]);
  for (const [variant, kernels] of withJs) {
    await t.step(variant, () => {
      for (const [rows, cols] of shapes) {
        const n = rows * cols, what = `${variant} ${rows}×${cols}`;
        for (const square of [0, 1]) {
          const arena = new Arena(3 * n + 8 * cols + 99);
          const x = arena.alloc(n, normal(rng)), y = arena.alloc(n, normal(rng));
          const sub = arena.alloc(cols, normal(rng));
          const s1 = alloc64(arena, cols, normal(rng)), s2 = alloc64(arena, cols, normal(rng));
          const a = new Array(cols).fill(0), b = new Array(cols).fill(0);
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              const d = heap[x / 4 + i * cols + j] - heap[sub / 4 + j];
              a[j] += d;
              b[j] += d * (square ? d : heap[y / 4 + i * cols + j]);
            }
          }
          const expected = new Map<number, [number, number]>();
          expect64(expected, s1, a);
          expect64(expected, s2, b);
          checkOutputs(
            arena,
            () => kernels.bnSums(x, y, sub, s1, s2, rows, cols, square),
            expected,
            0,
            `${what} bnSums square=${square}`,
          );
        }
        {
          const arena = new Arena(3 * n + 4 * cols + 99);
          const x = arena.alloc(n, normal(rng));
          const [mean, inv, gamma, beta] = [0, 1, 2, 3].map(() => arena.alloc(cols, normal(rng)));
          const xhat = arena.alloc(n, normal(rng)), out = arena.alloc(n, normal(rng));
          const expected = new Map<number, [number, number]>();
          for (let o = 0; o < n; o++) {
            const j = o % cols;
            const h = Math.fround((heap[x / 4 + o] - heap[mean / 4 + j]) * heap[inv / 4 + j]);
            expected.set(xhat / 4 + o, [h, 1]);
            const v = Math.fround(h * heap[gamma / 4 + j] + heap[beta / 4 + j]);
            expected.set(out / 4 + o, [v, 1]);
          }
          checkOutputs(
            arena,
            () => kernels.bnNormalize(x, mean, inv, gamma, beta, xhat, out, rows, cols),
            expected,
            0,
            `${what} bnNormalize`,
          );
        }
        {
          const arena = new Arena(3 * n + 8 * cols + 99);
          const g = arena.alloc(n, normal(rng)), xhat = arena.alloc(n, normal(rng));
          const gamma = arena.alloc(cols, normal(rng)), inv = arena.alloc(cols, normal(rng));
          const c1 = alloc64(arena, cols, normal(rng)), c2 = alloc64(arena, cols, normal(rng));
          const out = arena.alloc(n, normal(rng));
          const expected = new Map<number, [number, number]>();
          for (let o = 0; o < n; o++) {
            const j = o % cols;
            const v = (heap[g / 4 + o] * heap[gamma / 4 + j] - heap64[c1 / 8 + j] -
              heap[xhat / 4 + o] * heap64[c2 / 8 + j]) * heap[inv / 4 + j];
            expected.set(out / 4 + o, [Math.fround(v), 1]);
          }
          checkOutputs(
            arena,
            () => kernels.bnGrad(g, xhat, gamma, c1, c2, inv, out, rows, cols),
            expected,
            0,
            `${what} bnGrad`,
          );
        }
      }
    });
  }
});

/** Settings of one optimizer step. */
interface Step {
  lr: number;
  keep: number;
  l1: number;
  twoL2: number;
  clip: number;
  scale: number;
}
type Kind = "sgd" | "momentum" | "nesterov" | "rmsprop" | "rmsprop+momentum" | "adam";
const KINDS: Kind[] = ["sgd", "momentum", "nesterov", "rmsprop", "rmsprop+momentum", "adam"];
const MU = 0.9, RHO = 0.9, EPS = 1e-3, B1 = 0.9, B2 = 0.999, T = 3;
const C1 = 1 - B1 ** T, C2 = 1 - B2 ** T;

/**
 * One step of `kind` on float j, transcribed from FlatUpdater.step in double precision: the new
 * weight and states, each with the scale of its rounding error (Σ |terms|).
 */
function referenceStep(
  kind: Kind,
  p: Step,
  w: number,
  g: number,
  s1: number,
  s2: number,
): { w: [number, number]; s1: [number, number]; s2: [number, number] } {
  const { lr, keep, l1, twoL2, clip, scale } = p;
  let gj = g + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
  const gScale = Math.abs(g) + Math.abs(twoL2 * w) + l1;
  gj = Math.min(Math.max(gj, -clip), clip) * scale;
  const flush = (x: number) => (Math.abs(x) < 1e-20 ? 0 : x);
  const out = (u: number, uScale: number, n1: [number, number], n2: [number, number]) => ({
    w: [flush(w * keep - u), Math.abs(w * keep) + uScale] as [number, number],
    s1: n1,
    s2: n2,
  });
  const relG = gScale * scale / Math.max(Math.abs(gj), 1e-30); // scale of g' relative to it
  switch (kind) {
    case "sgd":
      return out(lr * gj, Math.abs(lr * gj) * relG, [s1, 0], [s2, 0]);
    case "momentum":
    case "nesterov": {
      const [cg, cv] = kind === "nesterov" ? [1, MU] : [0, 1];
      const v = MU * s1 + gj, vScale = Math.abs(MU * s1) + Math.abs(gj) * relG;
      return out(lr * (cg * gj + cv * v), lr * (cg * Math.abs(gj) * relG + cv * vScale), [
        v,
        vScale,
      ], [s2, 0]);
    }
    case "rmsprop":
    case "rmsprop+momentum": {
      const s = RHO * s1 + (1 - RHO) * gj * gj;
      let m = lr * gj / Math.sqrt(s + EPS), mScale = Math.abs(m) * (1 + relG);
      if (kind === "rmsprop") return out(m, mScale, [s, s * (1 + relG)], [s2, 0]);
      m += MU * s2;
      mScale += Math.abs(MU * s2);
      return out(m, mScale, [s, s * (1 + relG)], [m, mScale]);
    }
    case "adam": {
      const m = B1 * s1 + (1 - B1) * gj, v = B2 * s2 + (1 - B2) * gj * gj;
      const u = lr * (m / C1) / (Math.sqrt(v / C2) + EPS);
      const mScale = Math.abs(B1 * s1) + Math.abs((1 - B1) * gj) * relG;
      return out(u, Math.abs(u) * (1 + mScale / Math.max(Math.abs(m), 1e-30) + relG), [
        m,
        mScale,
      ], [v, v * (1 + relG)]);
    }
  }
}

/** Calls the kernel of `kind` on regions w, g, s1, s2 of `count` floats. */
function runStep(
  kernels: MlpSimd,
  kind: Kind,
  p: Step,
  [w, g, s1, s2]: number[],
  count: number,
): void {
  const { lr, keep, l1, twoL2, clip, scale } = p;
  const common = [lr, keep, l1, twoL2, clip, scale] as const;
  switch (kind) {
    case "sgd":
      return kernels.sgd(w, g, count, ...common);
    case "momentum":
      return kernels.momentum(w, g, s1, count, ...common, MU, 0, 1);
    case "nesterov":
      return kernels.momentum(w, g, s1, count, ...common, MU, 1, MU);
    case "rmsprop":
      return kernels.rmsprop(w, g, s1, s2, count, ...common, RHO, EPS, 0);
    case "rmsprop+momentum":
      return kernels.rmsprop(w, g, s1, s2, count, ...common, RHO, EPS, MU);
    case "adam":
      return kernels.adam(w, g, s1, s2, count, ...common, B1, B2, EPS, C1, C2);
  }
}

const PLAIN: Step = { lr: 0.01, keep: 1, l1: 0, twoL2: 0, clip: Infinity, scale: 1 };
const PENALIZED: Step = { lr: 0.05, keep: 0.995, l1: 0.01, twoL2: 0.02, clip: 1.5, scale: 0.7 };
/** The kernels have a loop for each of PLAIN, L2_ONLY and the rest. */
const STEPS: [string, Step][] = [
  ["plain", PLAIN],
  ["penalized", PENALIZED],
  ["L2 only", { ...PLAIN, twoL2: 0.1, keep: 0.99 }],
  ["L1 only", { ...PLAIN, l1: 0.01 }],
  ["clipped", { ...PLAIN, clip: 1 }],
  ["scaled", { ...PLAIN, scale: 0.5 }],
];
const COUNTS = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 1000];

/**
 * Random weights, gradients and states for `count` floats, every 7th weight 0 (sign(0) = 0);
 * with `plain` (no penalties: nothing else moves them), some floats are set up to flush
 * (w = ±5e-21, g = 0, states 0), to stay just above the flush threshold (w = 3e-20), or to
 * carry a NaN gradient.
 */
function stepData(rng: Rng, count: number, plain: boolean) {
  const w = Array.from({ length: count }, () => rng.normal());
  const g = Array.from({ length: count }, () => 2 * rng.normal());
  const s1 = Array.from({ length: count }, () => Math.abs(rng.normal()));
  const s2 = Array.from({ length: count }, () => Math.abs(rng.normal()));
  for (let j = 0; j < count; j += 7) w[j] = 0;
  if (plain && count > 4) {
    const tiny = [5e-21, -5e-21, 3e-20];
    tiny.forEach((x, i) => {
      const j = (5 * i + 1) % count;
      [w[j], g[j], s1[j], s2[j]] = [x, 0, 0, 0];
    });
    g[count - 1] = NaN;
  }
  return [w, g, s1, s2];
}

Deno.test("the optimizer kernels match FlatUpdater's formulas in double precision", async (t) => {
  const rng = makeRng(5);
  const kernels = variants[0][1];
  for (const kind of KINDS) {
    await t.step(kind, () => {
      for (const [name, p] of STEPS) {
        for (const count of COUNTS) {
          const data = stepData(rng, count, name === "plain");
          const arena = new Arena(4 * count + 64);
          const ptrs = data.map((xs) => arena.alloc(count, (i) => xs[i]));
          const f32 = data.map((xs) => Float32Array.from(xs));
          const expected = new Map<number, [number, number]>();
          const touched = kind === "sgd"
            ? 1
            : kind === "adam" || kind === "rmsprop+momentum"
            ? 3
            : 2;
          for (let j = 0; j < count; j++) {
            const r = referenceStep(kind, p, f32[0][j], f32[1][j], f32[2][j], f32[3][j]);
            [r.w, r.s1, r.s2].slice(0, touched).forEach((e, i) =>
              expected.set(ptrs[i === 0 ? 0 : i + 1] / 4 + j, [e[0], e[1] + 1e-30])
            );
          }
          checkOutputs(
            arena,
            () => runStep(kernels, kind, p, ptrs, count),
            expected,
            1e-5,
            `${kind} ${name} count=${count}`,
          );
        }
      }
    });
  }
});

Deno.test("the optimizer kernels flush weights below 1e-20 to 0, keep 3e-20, and turn a NaN gradient into a NaN weight", () => {
  const kernels = variants[0][1];
  for (const kind of KINDS) {
    const count = 9;
    const arena = new Arena(64);
    const w = arena.alloc(count, (i) => [5e-21, -5e-21, 3e-20, 1, 1, 1, 1, 1, 1][i]);
    const g = arena.alloc(count, (i) => (i === 8 ? NaN : i < 3 ? 0 : 1));
    const s1 = arena.alloc(count, () => 0), s2 = arena.alloc(count, () => 0);
    runStep(kernels, kind, PLAIN, [w, g, s1, s2], count);
    const out = heap.slice(w / 4, w / 4 + count);
    assert.deepEqual([...out.slice(0, 3)], [0, 0, Math.fround(3e-20)], kind);
    assert.ok(Number.isNaN(out[8]) && out.slice(3, 8).every((x) => x < 1), `${kind}: ${out}`);
  }
});

Deno.test("sumSqGrad() is the sum of the squared clipped total gradients", () => {
  const rng = makeRng(6);
  for (const [what, kernels] of variants) {
    for (const [, p] of STEPS) {
      for (const count of COUNTS) {
        const [w, g] = stepData(rng, count, false);
        const arena = new Arena(2 * count + 64);
        const wp = arena.alloc(count, (i) => w[i]), gp = arena.alloc(count, (i) => g[i]);
        let expected = 0;
        for (let j = 0; j < count; j++) {
          const wj = heap[wp / 4 + j], gj = heap[gp / 4 + j];
          let x = gj + p.twoL2 * wj + (p.l1 === 0 ? 0 : p.l1 * Math.sign(wj));
          x = Math.min(Math.max(x, -p.clip), p.clip);
          expected += x * x;
        }
        const before = heap.slice(0, arena.used);
        const sum = kernels.sumSqGrad(wp, gp, count, p.l1, p.twoL2, p.clip);
        assert.ok(
          Math.abs(sum - expected) <= 1e-6 * expected,
          `${what} count=${count}: ${sum} vs ${expected}`,
        );
        assert.deepEqual(heap.slice(0, arena.used), before, "sumSqGrad writes nothing");
      }
    }
  }
});

Deno.test("the kernels work on a shared memory", () => {
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const kernels = mlpSimd(shared)!;
  const f = new Float32Array(shared.buffer);
  f.set([1, 2, 3, 4, 5, 6]); // A = [1 2 3] at 0, B = [4 5 6]ᵀ at 12
  kernels.gemm(0, 12, 4, 12, 4, 24, 4, 1, 1, 3, 0);
  assert.equal(f[6], 32);
  assert.equal(kernels.sumSqGrad(0, 12, 3, 0, 0, 5), 16 + 25 + 25);
});
