/**
 * A training engine for the fast path's Dense stacks that runs a whole training step without
 * a tfjs op: the weights θ, their gradients, the optimizer's state and the batch's
 * activations live in one `WebAssembly.Memory` of the engine's own; matrix products and
 * optimizer updates go through kernels (`MlpSimd`: the WebAssembly SIMD ones of
 * `_mlp_simd.ts`, or the plain JavaScript loops of {@link jsKernels}), and so do the passes
 * over whole batches: bias with ReLU, leaky ReLU or linear activation (in the forward product's
 * registers, `gemmBiasAct`, or `biasAct`), their gradients (in the input gradient's store,
 * `gemmNTAct`, or `actGrad`), dropout's masks in the backward pass and batch norm's row passes
 * (`bnSums`, `bnNormalize`, `bnGrad`, in double precision as the JavaScript loops they replaced:
 * the same numbers, bit for bit). The other activations, the output gradient, batch norm's
 * per-column arithmetic and the drawing of dropout masks are JavaScript loops over
 * Float32Array views.
 *
 * Why: every tfjs op has a fixed cost of a few microseconds on the wasm backend and a deep
 * narrow network runs about a hundred of them per step, plus read-backs and one upload per
 * weight tensor; here a step is a few dozen kernel calls on memory that stays put.
 *
 * The step computes what `_fast_dense.ts` (`forward`, `outputGrad`, `backward`) and the flat
 * updater of `_optimizers.ts` compute, in float32: same dropout masks (the numbers
 * `tf.randomUniform` draws from the same seeds, in the same order, drawn in JavaScript by
 * `_alea.ts`'s {@link fillDropoutMask}), batch statistics with biased
 * variance, the same output gradients (clipping mask included), penalties, decoupled weight
 * decay, clipping by value and by global norm, learning-rate schedules and the flush of
 * weights below 1e-20.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Plan } from "./_fast_dense.ts";
import { EPSILON, type LossName } from "./_losses.ts";
import {
  type Clip,
  type Decay,
  normScale,
  type RateSchedule,
  scheduledRate,
} from "./_optimizers.ts";
import type { ResolvedOptimizer } from "./optimizers.ts";
import { ACT, type MlpSimd, mlpSimd } from "./_mlp_simd.ts";
import { fillDropoutMask } from "./_alea.ts";

export type { MlpSimd } from "./_mlp_simd.ts";

/**
 * Layers of at least this many units apply bias and activation inside the forward product
 * (gemmBiasAct); narrower ones (an output unit) keep gemm's shortcuts for one column.
 */
const EPILOGUE_MIN_UNITS = 4;

/** Weights smaller than this in size are set to 0 after each update (as the flat updater does). */
const FLUSH_BELOW = 1e-20;

/**
 * The {@link MlpSimd} kernels as plain JavaScript loops over Float32Array views of `memory`
 * (re-created when the memory grows). Sums of the optimizer steps and `sumSqGrad` run in
 * double precision, as the flat updater's do; products accumulate in float32.
 *
 * @param memory The memory the pointers point into.
 * @returns The kernels.
 */
export function jsKernels(memory: WebAssembly.Memory): MlpSimd {
  let f = new Float32Array(memory.buffer);
  const view = () => f.buffer === memory.buffer ? f : (f = new Float32Array(memory.buffer));
  const total = (F: Float32Array, w: number, g: number, l1: number, twoL2: number, c: number) => {
    const x = F[w];
    const gj = F[g] + twoL2 * x + (l1 === 0 ? 0 : l1 * Math.sign(x));
    return Math.min(Math.max(gj, -c), c);
  };
  const flush = (x: number) => Math.abs(x) < FLUSH_BELOW ? 0 : x;
  const kernels: MlpSimd = {
    gemmBiasAct(a, aI, aT, b, bT, c, cI, m, n, k, accumulate, bias, act, alpha) {
      kernels.gemm(a, aI, aT, b, bT, c, cI, m, n, k, accumulate);
      const F = view(), al = Math.fround(alpha);
      for (let i = 0; i < m; i++) {
        const co = (c + i * cI) >> 2;
        for (let j = 0; j < n; j++) {
          const z = Math.fround(F[co + j] + F[(bias >> 2) + j]);
          F[co + j] = act === ACT.relu
            ? (z > 0 ? z : 0)
            : act === ACT.leakyRelu && z < 0
            ? al * z
            : z;
        }
      }
    },
    gemmNTAct(a, aRow, b, bRow, c, cI, m, n, k, accumulate, mask, act, alpha) {
      kernels.gemmNT(a, aRow, b, bRow, c, cI, m, n, k, accumulate);
      for (let i = 0; i < m; i++) kernels.actGrad(c + i * cI, mask + i * cI, n, act, alpha);
    },
    gemm(a, aI, aT, b, bT, c, cI, m, n, k, accumulate) {
      const F = view();
      for (let i = 0; i < m; i++) {
        const co = (c + i * cI) >> 2;
        if (!accumulate) F.fill(0, co, co + n);
        for (let t = 0; t < k; t++) {
          const av = F[(a + i * aI + t * aT) >> 2];
          const bo = (b + t * bT) >> 2;
          for (let j = 0; j < n; j++) F[co + j] += av * F[bo + j];
        }
      }
    },
    gemmNT(a, aRow, b, bRow, c, cI, m, n, k, accumulate) {
      const F = view();
      for (let i = 0; i < m; i++) {
        const ao = (a + i * aRow) >> 2, co = (c + i * cI) >> 2;
        for (let j = 0; j < n; j++) {
          const bo = (b + j * bRow) >> 2;
          let s = 0;
          for (let t = 0; t < k; t++) s += F[ao + t] * F[bo + t];
          F[co + j] = accumulate ? F[co + j] + s : s;
        }
      }
    },
    colSum(x, rowBytes, out, rows, cols) {
      const F = view(), o = out >> 2;
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += F[((x + i * rowBytes) >> 2) + j];
        F[o + j] = s;
      }
    },
    sgd(w, g, count, lr, keep, l1, twoL2, clip, scale) {
      const F = view(), W = w >> 2, G = g >> 2;
      for (let j = 0; j < count; j++) {
        const gj = total(F, W + j, G + j, l1, twoL2, clip) * scale;
        F[W + j] = flush(F[W + j] * keep - lr * gj);
      }
    },
    momentum(w, g, v, count, lr, keep, l1, twoL2, clip, scale, mu, cg, cv) {
      const F = view(), W = w >> 2, G = g >> 2, V = v >> 2;
      for (let j = 0; j < count; j++) {
        const gj = total(F, W + j, G + j, l1, twoL2, clip) * scale;
        const vj = mu * F[V + j] + gj;
        F[V + j] = vj;
        F[W + j] = flush(F[W + j] * keep - lr * (cg * gj + cv * vj));
      }
    },
    rmsprop(w, g, s1, s2, count, lr, keep, l1, twoL2, clip, scale, rho, eps, mu) {
      const F = view(), W = w >> 2, G = g >> 2, S1 = s1 >> 2, S2 = s2 >> 2;
      for (let j = 0; j < count; j++) {
        const gj = total(F, W + j, G + j, l1, twoL2, clip) * scale;
        const sj = rho * F[S1 + j] + (1 - rho) * gj * gj;
        F[S1 + j] = sj;
        let m = lr * gj / Math.sqrt(sj + eps);
        if (mu > 0) {
          m += mu * F[S2 + j];
          F[S2 + j] = m;
        }
        F[W + j] = flush(F[W + j] * keep - m);
      }
    },
    adam(w, g, m, v, count, lr, keep, l1, twoL2, clip, scale, b1, b2, eps, c1, c2) {
      const F = view(), W = w >> 2, G = g >> 2, M = m >> 2, V = v >> 2;
      for (let j = 0; j < count; j++) {
        const gj = total(F, W + j, G + j, l1, twoL2, clip) * scale;
        const mj = b1 * F[M + j] + (1 - b1) * gj;
        const vj = b2 * F[V + j] + (1 - b2) * gj * gj;
        F[M + j] = mj;
        F[V + j] = vj;
        F[W + j] = flush(F[W + j] * keep - lr * (mj / c1) / (Math.sqrt(vj / c2) + eps));
      }
    },
    sumSqGrad(w, g, count, l1, twoL2, clip) {
      const F = view(), W = w >> 2, G = g >> 2;
      let s = 0;
      for (let j = 0; j < count; j++) {
        const gj = total(F, W + j, G + j, l1, twoL2, clip);
        s += gj * gj;
      }
      return s;
    },
    biasAct(x, bias, rows, cols, act, alpha) {
      const F = view(), X = x >> 2, b = bias >> 2, a = Math.fround(alpha);
      for (let i = 0; i < rows; i++) {
        const o = X + i * cols;
        for (let j = 0; j < cols; j++) {
          const z = Math.fround(F[o + j] + F[b + j]);
          F[o + j] = act === ACT.relu
            ? (z > 0 ? z : 0)
            : act === ACT.leakyRelu && z < 0
            ? a * z
            : z;
        }
      }
    },
    bnSums(x, y, sub, s1, s2, rows, cols, square) {
      const F = view(), D = new Float64Array(memory.buffer);
      const X = x >> 2, Y = y >> 2, S = sub >> 2, P = s1 >> 3, Q = s2 >> 3;
      D.fill(0, P, P + cols);
      D.fill(0, Q, Q + cols);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const d = F[X + i * cols + j] - F[S + j];
          D[P + j] += d;
          D[Q + j] += d * (square ? d : F[Y + i * cols + j]);
        }
      }
    },
    bnNormalize(x, mean, inv, gamma, beta, xhat, out, rows, cols) {
      const F = view(), X = x >> 2, M = mean >> 2, I = inv >> 2, G = gamma >> 2, B = beta >> 2;
      const H = xhat >> 2, O = out >> 2;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const o = i * cols + j;
          const h = Math.fround((F[X + o] - F[M + j]) * F[I + j]);
          F[H + o] = h;
          F[O + o] = h * F[G + j] + F[B + j];
        }
      }
    },
    bnGrad(g, xhat, gamma, c1, c2, inv, out, rows, cols) {
      const F = view(), D = new Float64Array(memory.buffer);
      const G = g >> 2, H = xhat >> 2, Y = gamma >> 2, A = c1 >> 3, C = c2 >> 3, I = inv >> 2;
      const O = out >> 2;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const o = i * cols + j;
          F[O + o] = (F[G + o] * F[Y + j] - D[A + j] - F[H + o] * D[C + j]) * F[I + j];
        }
      }
    },
    actGrad(g, a, count, act, alpha) {
      const F = view(), G = g >> 2, A = a >> 2, al = Math.fround(alpha);
      for (let j = 0; j < count; j++) {
        const y = F[A + j];
        if (act === ACT.relu) F[G + j] = y > 0 ? F[G + j] : 0;
        else if (act === ACT.leakyRelu) F[G + j] *= y > 0 ? 1 : al;
        else F[G + j] *= y;
      }
    },
  };
  return kernels;
}

/** Makes the kernels over a memory; undefined when they cannot run here. */
export type KernelFactory = (memory: WebAssembly.Memory) => MlpSimd | undefined;

/** The engine's switches, for tests and profiling. */
export interface EngineSwitch {
  /**
   * Whether `fit` trains fast-path models with the engine (when the optimizer is a named
   * one; with `augment`, on the batches the augmenter returns); off, the tfjs fast path runs.
   */
  enabled: boolean;
  /** The kernels engines are made with. @default mlpSimd (`_mlp_simd.ts`) */
  kernels: KernelFactory;
  /**
   * When set, every step adds the milliseconds of its phases here (gather, forward, dropout
   * masks, output gradient, backward, update).
   */
  profile?: Record<string, number>;
}

/** The switches every engine reads. Tests turn the engine off to compare with the tfjs path. */
export const engineSwitch: EngineSwitch = {
  enabled: true,
  kernels: mlpSimd,
};

/** A clock that adds the time since its last reading to `profile[name]` (no-op without one). */
function phaseClock(profile: Record<string, number> | undefined): (name: string) => void {
  if (profile === undefined) return () => {};
  let t0 = performance.now();
  return (name) => {
    const t = performance.now();
    profile[name] = (profile[name] ?? 0) + t - t0;
    t0 = t;
  };
}

/** What an engine trains with, besides the plan and the data. */
export interface EngineSettings {
  /** The loss minimized. */
  loss: LossName;
  /** A named optimizer with its settings. */
  optimizer: ResolvedOptimizer;
  /** α, or a schedule asked for every update's α (step counted from 0). */
  learningRate: number | RateSchedule;
  /** The largest batch the engine is given. */
  maxBatch: number;
  /** Decoupled weight decay, if any. */
  decay?: Decay;
  /** Gradient clipping, if any. */
  clip?: Clip;
  /** The kernels' factory. @default engineSwitch.kernels */
  kernels?: KernelFactory;
}

const canRun = new WeakMap<KernelFactory, boolean>();

/**
 * An engine for `plan`, or undefined when its kernels cannot run here or its memory cannot
 * be allocated (then `fit` takes the tfjs fast path).
 *
 * @param plan The compiled model.
 * @param X The inputs, row by row [n, plan.inputDim]; undefined for an engine trained only
 *   on batches it is handed ({@link MlpEngine.stepOn}: `fit` with `augment`).
 * @param y The targets, row by row [n, plan.outputDim] (undefined with X).
 * @param settings Loss, optimizer, learning rate, largest batch, decay, clipping, kernels.
 * @returns The engine, or undefined.
 */
export function createEngine(
  plan: Plan,
  X: Float32Array | undefined,
  y: Float32Array | undefined,
  settings: EngineSettings,
): MlpEngine | undefined {
  const factory = settings.kernels ?? engineSwitch.kernels;
  let ok = canRun.get(factory);
  if (ok === undefined) {
    ok = factory(new WebAssembly.Memory({ initial: 1 })) !== undefined;
    canRun.set(factory, ok);
  }
  if (!ok) return undefined;
  try {
    return new MlpEngine(plan, X, y, { ...settings, kernels: factory });
  } catch (e) {
    // a memory larger than WebAssembly allows (a full batch of a big data set)
    if (e instanceof RangeError && e.message.includes("WebAssembly.Memory")) return undefined;
    throw e;
  }
}

/** A weight tensor held in the engine's memory: `off` in floats. */
interface Slot {
  variable: tf.Variable;
  off: number;
  size: number;
  /** Whether training changes it (trainable weights, moving statistics): written back. */
  changes: boolean;
}

/** A forward step with its buffers (float offsets) and its weights' slots. */
interface EStep {
  kind: "dense" | "act" | "dropout" | "bn";
  inDim: number;
  outDim: number;
  act: { name: string; alpha: number };
  out: number;
  /** dense: kernel, bias (-1: none); bn: gamma, beta. */
  w: number;
  b: number;
  /** Gradient offsets of w and b (-1: not trained). */
  gw: number;
  gb: number;
  /** dropout: mask buffer, keep probability (float32) */
  mask: number;
  keep: number;
  /** bn: x̂, 1/σ, moving mean and variance, momentum, ε */
  xhat: number;
  invStd: number;
  /** bn: the batch mean (floats), two column sums (doubles), γ (or ones), β (or zeros) */
  mean: number;
  s1: number;
  s2: number;
  gamma: number;
  beta: number;
  mm: number;
  mv: number;
  momentum: number;
  epsilon: number;
  needGrad: boolean;
}

/** A run of consecutive parameters sharing their penalty and decay settings. */
interface Group {
  off: number;
  count: number;
  l1: number;
  l2: number;
  decayed: boolean;
}

/**
 * Trains a compiled plan on data held in JavaScript: {@link MlpEngine.step} runs one
 * update on the rows of its data it is given, {@link MlpEngine.stepOn} on a batch handed
 * to it. The tf variables keep the values they had until
 * {@link MlpEngine.writeBack}; {@link MlpEngine.refresh} reads the ones changed since.
 */
export class MlpEngine {
  readonly #plan: Plan;
  readonly #X: Float32Array | undefined;
  readonly #y: Float32Array | undefined;
  readonly #settings: EngineSettings;
  readonly #memory: WebAssembly.Memory;
  readonly #k: MlpSimd;
  #F: Float32Array;
  #D: Float64Array<ArrayBufferLike> = new Float64Array(0);
  readonly #slots: Slot[] = [];
  readonly #written: (object | undefined)[] = [];
  readonly #steps: EStep[] = [];
  readonly #groups: Group[] = [];
  readonly #theta: number;
  readonly #grad: number;
  readonly #s1: number;
  readonly #s2: number;
  readonly #numParams: number;
  readonly #xb: number;
  readonly #g1: number;
  readonly #g2: number;
  /** maxDim zeros: the bias of layers without one. */
  readonly #zeros: number;
  readonly #yb: Float32Array;
  readonly #inputDim: number;
  readonly #outputDim: number;
  #output = 0;
  #t = 0;
  #rate: number | undefined;
  #dirty = false;

  /**
   * @param plan The compiled model.
   * @param X The inputs, row by row [n, plan.inputDim]; undefined for an engine trained
   *   only on batches it is handed ({@link MlpEngine.stepOn}).
   * @param y The targets, row by row [n, plan.outputDim] (undefined with X).
   * @param settings Loss, optimizer, learning rate, largest batch, decay, clipping.
   */
  constructor(
    plan: Plan,
    X: Float32Array | undefined,
    y: Float32Array | undefined,
    settings: EngineSettings,
  ) {
    this.#plan = plan;
    this.#X = X;
    this.#y = y;
    this.#settings = settings;
    this.#inputDim = plan.inputDim;
    this.#outputDim = plan.outputDim;
    const B = settings.maxBatch;
    let top = 16; // floats; 0 stays unused
    const alloc = (floats: number) => {
      const at = top;
      top += Math.ceil(Math.max(floats, 1) / 4) * 4 + 4;
      return at;
    };
    // trainable parameters first, in plan order: θ, gradients and optimizer state are flat
    const paramOff: number[] = [];
    let P = 0;
    for (const p of plan.params) {
      paramOff.push(P);
      P += p.variable.size;
    }
    this.#numParams = P;
    const opt = settings.optimizer;
    const second = opt.name === "adam" || (opt.name === "rmsprop" && opt.momentum > 0);
    this.#theta = alloc(P);
    this.#grad = alloc(P);
    this.#s1 = alloc(opt.name === "sgd" ? 0 : P);
    this.#s2 = alloc(second ? P : 0);
    plan.params.forEach((p, i) => {
      this.#slots.push({
        variable: p.variable,
        off: this.#theta + paramOff[i],
        size: p.variable.size,
        changes: true,
      });
    });
    const slotOf = (v: tf.Variable | undefined, idx: number, changes = false) => {
      if (v === undefined) return -1;
      if (idx >= 0) return this.#theta + paramOff[idx];
      const off = alloc(v.size);
      this.#slots.push({ variable: v, off, size: v.size, changes });
      return off;
    };
    const gradOf = (idx: number) => idx >= 0 ? this.#grad + paramOff[idx] : -1;
    let dim = plan.inputDim, maxDim = dim;
    const bns: EStep[] = [];
    this.#xb = alloc(B * dim);
    plan.steps.forEach((s, i) => {
      const e: EStep = {
        kind: s.kind,
        inDim: dim,
        outDim: dim,
        act: { name: "linear", alpha: 0 },
        out: 0,
        w: -1,
        b: -1,
        gw: -1,
        gb: -1,
        mask: -1,
        keep: 1,
        xhat: -1,
        invStd: -1,
        mean: -1,
        s1: -1,
        s2: -1,
        gamma: -1,
        beta: -1,
        mm: -1,
        mv: -1,
        momentum: 0,
        epsilon: 0,
        needGrad: plan.needGrad[i],
      };
      if (s.kind === "dense") {
        e.outDim = s.kernel.shape[1] as number;
        e.act = s.act;
        e.w = slotOf(s.kernel, s.kIdx);
        e.b = slotOf(s.bias, s.bIdx);
        e.gw = gradOf(s.kIdx);
        e.gb = gradOf(s.bIdx);
      } else if (s.kind === "act") {
        e.act = s.act;
      } else if (s.kind === "dropout") {
        e.keep = Math.fround(1 - s.rate);
        e.mask = alloc(B * dim);
      } else {
        e.w = slotOf(s.gamma, s.gIdx);
        e.b = slotOf(s.beta, s.bIdx);
        e.gw = gradOf(s.gIdx);
        e.gb = gradOf(s.bIdx);
        e.xhat = alloc(B * dim);
        e.invStd = alloc(dim);
        e.mean = alloc(dim);
        e.s1 = alloc(2 * dim); // doubles, 16-byte aligned as every allocation
        e.s2 = alloc(2 * dim);
        bns.push(e);
        e.mm = slotOf(s.movingMean, -1, true);
        e.mv = slotOf(s.movingVariance, -1, true);
        e.momentum = s.momentum;
        e.epsilon = s.epsilon;
      }
      e.out = alloc(B * e.outDim);
      dim = e.outDim;
      maxDim = Math.max(maxDim, dim);
      this.#steps.push(e);
    });
    this.#g1 = alloc(B * maxDim);
    this.#g2 = alloc(B * maxDim);
    this.#zeros = alloc(maxDim); // the memory starts zeroed
    const ones = alloc(maxDim);
    for (const e of bns) {
      e.gamma = e.w >= 0 ? e.w : ones;
      e.beta = e.b >= 0 ? e.b : this.#zeros;
    }
    this.#yb = new Float32Array(B * plan.outputDim);
    // runs of parameters with the same penalty and decay, updated by one kernel call each
    const decayed = settings.decay && settings.decay.weightDecay > 0
      ? settings.decay.decayed
      : undefined;
    plan.params.forEach((p, i) => {
      const l1 = p.reg?.l1 ?? 0, l2 = p.reg?.l2 ?? 0, d = decayed?.[i] ?? false;
      const last = this.#groups.at(-1);
      if (last && last.l1 === l1 && last.l2 === l2 && last.decayed === d) {
        last.count += p.variable.size;
      } else {
        this.#groups.push({ off: paramOff[i], count: p.variable.size, l1, l2, decayed: d });
      }
    });
    const bytes = (top + 16) * 4;
    this.#memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    this.#F = new Float32Array(this.#memory.buffer);
    this.#F.fill(1, ones, ones + maxDim);
    const kernels = (settings.kernels ?? engineSwitch.kernels)(this.#memory);
    if (kernels === undefined) throw new Error("the engine's kernels cannot run here");
    this.#k = kernels;
    this.#rate = typeof settings.learningRate === "number" ? settings.learningRate : undefined;
    this.refresh();
  }

  /** The learning rate of the last update (before the first: α if it is a number). */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** The Float64Array view of the memory, re-created if the memory grew. */
  #view64(): Float64Array<ArrayBufferLike> {
    if (this.#D.buffer !== this.#memory.buffer) this.#D = new Float64Array(this.#memory.buffer);
    return this.#D;
  }

  /** The Float32Array view of the memory, re-created if the memory grew. */
  #view(): Float32Array {
    if (this.#F.buffer !== this.#memory.buffer) this.#F = new Float32Array(this.#memory.buffer);
    return this.#F;
  }

  /** Reads every weight whose variable holds other data than the engine last wrote or read. */
  refresh(): void {
    const F = this.#view();
    this.#slots.forEach((s, i) => {
      if (s.variable.dataId === this.#written[i]) return;
      F.set(s.variable.dataSync() as Float32Array, s.off);
      this.#written[i] = s.variable.dataId;
    });
  }

  /** Writes the trained weights and moving statistics into their variables (if they changed). */
  writeBack(): void {
    if (!this.#dirty) return;
    const F = this.#view();
    tf.tidy(() => {
      this.#slots.forEach((s, i) => {
        if (!s.changes) return;
        const v = s.variable;
        v.assign(tf.tensor(F.slice(s.off, s.off + s.size), v.shape, "float32"));
        this.#written[i] = v.dataId;
      });
    });
    this.#dirty = false;
  }

  /**
   * The predictions of the last step's batch, [size, outputDim] row by row: a view into the
   * engine's memory, valid until the next step.
   */
  output(size: number): Float32Array {
    const o = this.#output;
    return this.#view().subarray(o, o + size * this.#outputDim);
  }

  /**
   * One update on the rows `order[start]` … `order[start + size − 1]` (rows `start` … when
   * `order` is undefined): forward in training mode, output gradient, backward, optimizer.
   * Dropout draws one seed from `nextSeed` per Dropout step, in order.
   *
   * @returns The weight penalty l1·Σ|w| + l2·Σw² before the update, undefined without one.
   */
  step(
    order: ArrayLike<number> | undefined,
    start: number,
    size: number,
    nextSeed: () => number,
  ): number | undefined {
    const X = this.#X, y = this.#y;
    if (X === undefined || y === undefined) {
      throw new Error("this engine has no data of its own: train it with stepOn");
    }
    this.#checkSize(size);
    const F = this.#view();
    const B = size, d = this.#inputDim, K = this.#outputDim;
    const mark = phaseClock(engineSwitch.profile);
    const yb = this.#yb, xb = this.#xb;
    for (let r = 0; r < B; r++) {
      const row = order ? order[start + r] : start + r;
      const xo = row * d, bo = xb + r * d;
      for (let j = 0; j < d; j++) F[bo + j] = X[xo + j];
      const yo = row * K, co = r * K;
      for (let j = 0; j < K; j++) yb[co + j] = y[yo + j];
    }
    mark("gather");
    return this.#train(F, B, nextSeed, mark);
  }

  /**
   * One update on the batch given: inputs `X` [size, inputDim] and targets `y`
   * [size, outputDim], row by row (an augmented batch, say). As {@link MlpEngine.step}
   * otherwise.
   *
   * @returns The weight penalty l1·Σ|w| + l2·Σw² before the update, undefined without one.
   * @throws {RangeError} When size is not in [1, maxBatch] or X or y does not hold size rows.
   */
  stepOn(
    X: Float32Array,
    y: Float32Array,
    size: number,
    nextSeed: () => number,
  ): number | undefined {
    this.#checkSize(size);
    const d = this.#inputDim, K = this.#outputDim;
    if (X.length !== size * d || y.length !== size * K) {
      throw new RangeError(
        `X and y must hold size × ${d} = ${size * d} and size × ${K} = ${
          size * K
        } numbers (size ${size}), got ${X.length} and ${y.length}`,
      );
    }
    const F = this.#view();
    const mark = phaseClock(engineSwitch.profile);
    F.set(X, this.#xb);
    this.#yb.set(y);
    mark("gather");
    return this.#train(F, size, nextSeed, mark);
  }

  #checkSize(size: number): void {
    const max = this.#settings.maxBatch;
    if (!Number.isInteger(size) || size < 1 || size > max) {
      throw new RangeError(`size must be an integer in [1, ${max}], got ${size}`);
    }
  }

  /** Forward, output gradient, backward and update on the batch in place (B rows). */
  #train(
    F: Float32Array,
    B: number,
    nextSeed: () => number,
    mark: (name: string) => void,
  ): number | undefined {
    const k = this.#k, xb = this.#xb;
    // forward
    let inp = xb;
    for (const e of this.#steps) {
      const n = B * e.outDim;
      if (e.kind === "dense") {
        const code = actCode(e.act);
        const m = e.outDim, bias = e.b >= 0 ? e.b : this.#zeros;
        const epilogue = code !== undefined && (e.b >= 0 || code !== ACT.linear);
        if (epilogue && m >= EPILOGUE_MIN_UNITS) {
          // bias and activation applied in the product's registers
          k.gemmBiasAct(
            inp * 4,
            e.inDim * 4,
            4,
            e.w * 4,
            m * 4,
            e.out * 4,
            m * 4,
            B,
            m,
            e.inDim,
            0,
            bias * 4,
            code,
            e.act.alpha,
          );
        } else {
          k.gemm(inp * 4, e.inDim * 4, 4, e.w * 4, m * 4, e.out * 4, m * 4, B, m, e.inDim, 0);
          if (epilogue) {
            k.biasAct(e.out * 4, bias * 4, B, m, code, e.act.alpha);
          } else {
            if (e.b >= 0) {
              const bo = e.b;
              for (let r = 0; r < B; r++) {
                const o = e.out + r * m;
                for (let j = 0; j < m; j++) F[o + j] += F[bo + j];
              }
            }
            actForward(F, e.act, e.out, e.out, B, m);
          }
        }
      } else if (e.kind === "act") {
        const code = actCode(e.act);
        if (code !== undefined && code !== ACT.linear) {
          F.copyWithin(e.out, inp, inp + n);
          k.biasAct(e.out * 4, this.#zeros * 4, B, e.outDim, code, e.act.alpha);
        } else {
          actForward(F, e.act, inp, e.out, B, e.outDim);
        }
      } else if (e.kind === "dropout") {
        // the mask tfjs's dropout makes from tf.randomUniform's numbers for the seed
        mark("forward");
        fillDropoutMask(F, nextSeed(), n, e.keep, e.mask, inp, e.out);
        mark("dropout masks");
      } else {
        bnForward(F, this.#view64(), k, e, inp, this.#zeros, B);
      }
      inp = e.out;
    }
    this.#output = inp;
    mark("forward");
    // output gradient
    const fused = this.#outputGrad(F, inp, B);
    mark("output gradient");
    // backward
    let g = this.#g1, alt = this.#g2, masked = false;
    const steps = this.#steps;
    for (let i = steps.length - 1; i >= 0; i--) {
      const e = steps[i];
      const a = i > 0 ? steps[i - 1].out : xb;
      const isLast = i === steps.length - 1;
      const applied = masked;
      masked = false;
      if (e.kind === "dense") {
        if (!(isLast && fused) && !applied) actBackward(F, k, e.act, e.out, g, B, e.outDim);
        const m = e.outDim;
        if (e.gw >= 0) {
          k.gemm(a * 4, 4, e.inDim * 4, g * 4, m * 4, e.gw * 4, m * 4, e.inDim, m, B, 0);
        }
        if (e.gb >= 0) k.colSum(g * 4, m * 4, e.gb * 4, B, m);
        if (!e.needGrad) break;
        // the activation before this layer (ReLU, leaky ReLU) applied as the product is stored
        const prev = i > 0 ? steps[i - 1] : undefined;
        const code = prev && prev.kind !== "dropout" && prev.kind !== "bn"
          ? actCode(prev.act)
          : undefined;
        if (prev && (code === ACT.relu || code === ACT.leakyRelu)) {
          k.gemmNTAct(
            g * 4,
            m * 4,
            e.w * 4,
            m * 4,
            alt * 4,
            e.inDim * 4,
            B,
            e.inDim,
            m,
            0,
            prev.out * 4,
            code,
            prev.act.alpha,
          );
          masked = true;
        } else {
          k.gemmNT(g * 4, m * 4, e.w * 4, m * 4, alt * 4, e.inDim * 4, B, e.inDim, m, 0);
        }
        [g, alt] = [alt, g];
      } else if (e.kind === "act") {
        if (!(isLast && fused) && !applied) actBackward(F, k, e.act, e.out, g, B, e.outDim);
      } else if (e.kind === "dropout") {
        k.actGrad(g * 4, e.mask * 4, B * e.outDim, 0, 0);
      } else {
        if (!bnBackward(F, this.#view64(), k, e, g, alt, this.#zeros, B)) break;
        [g, alt] = [alt, g];
      }
    }
    this.#dirty = true;
    mark("backward");
    const penalty = this.#update(F);
    mark("update");
    return penalty;
  }

  /**
   * Writes ∂L/∂p (or, fused, ∂L/∂z of the output layer) into the first gradient buffer, as
   * `outputGrad` does; returns whether it is fused.
   */
  #outputGrad(F: Float32Array, p: number, B: number): boolean {
    const K = this.#outputDim, n = B * K, yb = this.#yb, g = this.#g1;
    const loss = this.#settings.loss, act = this.#plan.outputAct?.name;
    if (loss === "meanSquaredError") {
      const c = 2 / n;
      for (let j = 0; j < n; j++) F[g + j] = (F[p + j] - yb[j]) * c;
      return false;
    }
    const lo = Math.fround(EPSILON), hi = Math.fround(1 - EPSILON);
    if (loss === "binaryCrossentropy") {
      const c = 1 / n;
      if (act === "sigmoid") {
        for (let j = 0; j < n; j++) {
          const pj = F[p + j];
          F[g + j] = pj >= lo && pj <= hi ? (pj - yb[j]) * c : 0;
        }
        return true;
      }
      for (let j = 0; j < n; j++) {
        const pj = F[p + j];
        const inside = pj >= lo && pj <= hi;
        F[g + j] = inside ? (pj - yb[j]) / (pj * (1 - pj)) * c : 0;
      }
      return false;
    }
    // categorical crossentropy with softmax: (p·Σ_k y·m − y·m)/B, m = not clipped
    for (let r = 0; r < B; r++) {
      const o = r * K;
      let s = 0;
      for (let j = 0; j < K; j++) {
        const pj = F[p + o + j];
        if (pj >= lo && pj <= hi) s += yb[o + j];
      }
      for (let j = 0; j < K; j++) {
        const pj = F[p + o + j];
        const ym = pj >= lo && pj <= hi ? yb[o + j] : 0;
        F[g + o + j] = (pj * s - ym) / B;
      }
    }
    return true;
  }

  /** The optimizer's update of every parameter; returns the penalty before it. */
  #update(F: Float32Array): number | undefined {
    const k = this.#k, s = this.#settings, opt = s.optimizer;
    const t = ++this.#t;
    const lr = typeof s.learningRate === "number"
      ? s.learningRate
      : scheduledRate(s.learningRate, t - 1);
    this.#rate = lr;
    if (this.#numParams === 0) return undefined;
    const th = this.#theta, gr = this.#grad;
    let penalty = 0, penalized = false;
    for (const q of this.#groups) {
      if (q.l1 === 0 && q.l2 === 0) continue;
      penalized = true;
      const o = th + q.off, end = o + q.count;
      let s1 = 0, s2 = 0;
      for (let j = o; j < end; j++) {
        const w = F[j];
        s1 += Math.abs(w);
        s2 += w * w;
      }
      penalty += q.l1 * s1 + q.l2 * s2;
    }
    const clip = s.clip?.value ?? Infinity;
    let scale = 1;
    if (s.clip?.norm !== undefined) {
      let sumSq = 0;
      for (const q of this.#groups) {
        sumSq += k.sumSqGrad((th + q.off) * 4, (gr + q.off) * 4, q.count, q.l1, 2 * q.l2, clip);
      }
      scale = normScale(Math.sqrt(sumSq), s.clip.norm);
    }
    const wd = s.decay?.weightDecay ?? 0;
    for (const q of this.#groups) {
      const w = (th + q.off) * 4, g = (gr + q.off) * 4;
      const keep = q.decayed ? 1 - lr * wd : 1, l1 = q.l1, twoL2 = 2 * q.l2;
      switch (opt.name) {
        case "sgd":
          k.sgd(w, g, q.count, lr, keep, l1, twoL2, clip, scale);
          break;
        case "momentum": {
          const mu = opt.momentum, cg = opt.nesterov ? 1 : 0, cv = opt.nesterov ? mu : 1;
          const v = (this.#s1 + q.off) * 4;
          k.momentum(w, g, v, q.count, lr, keep, l1, twoL2, clip, scale, mu, cg, cv);
          break;
        }
        case "rmsprop": {
          const s1 = (this.#s1 + q.off) * 4, s2 = (this.#s2 + q.off) * 4;
          k.rmsprop(
            w,
            g,
            s1,
            s2,
            q.count,
            lr,
            keep,
            l1,
            twoL2,
            clip,
            scale,
            opt.rho,
            opt.epsilon,
            opt.momentum,
          );
          break;
        }
        case "adam": {
          const m = (this.#s1 + q.off) * 4, v = (this.#s2 + q.off) * 4;
          const c1 = 1 - opt.beta1 ** t, c2 = 1 - opt.beta2 ** t;
          k.adam(
            w,
            g,
            m,
            v,
            q.count,
            lr,
            keep,
            l1,
            twoL2,
            clip,
            scale,
            opt.beta1,
            opt.beta2,
            opt.epsilon,
            c1,
            c2,
          );
          break;
        }
      }
    }
    return penalized ? penalty : undefined;
  }
}

/**
 * The kernels' code of an activation (ACT), undefined for those they do not apply: leaky
 * ReLU only with an α that is a float32, since the kernels multiply by α in float32 and the
 * JavaScript loops in double precision (the same numbers only then).
 */
function actCode(act: { name: string; alpha: number }): number | undefined {
  const name = act.name;
  return name === "relu"
    ? ACT.relu
    : name === "leakyRelu" && Math.fround(act.alpha) === act.alpha
    ? ACT.leakyRelu
    : name === "linear"
    ? ACT.linear
    : undefined;
}

/** out = f(inp) row by row ([B, m]; out may be inp). */
function actForward(
  F: Float32Array,
  act: { name: string; alpha: number },
  inp: number,
  out: number,
  B: number,
  m: number,
): void {
  const n = B * m;
  switch (act.name) {
    case "linear":
      if (out !== inp) F.copyWithin(out, inp, inp + n);
      return;
    case "relu":
      for (let j = 0; j < n; j++) {
        const z = F[inp + j];
        F[out + j] = z > 0 ? z : 0;
      }
      return;
    case "leakyRelu": {
      const alpha = act.alpha;
      for (let j = 0; j < n; j++) {
        const z = F[inp + j];
        F[out + j] = z < 0 ? alpha * z : z;
      }
      return;
    }
    case "sigmoid":
      for (let j = 0; j < n; j++) F[out + j] = 1 / (1 + Math.exp(-F[inp + j]));
      return;
    case "tanh":
      for (let j = 0; j < n; j++) F[out + j] = Math.tanh(F[inp + j]);
      return;
    case "elu":
      for (let j = 0; j < n; j++) {
        const z = F[inp + j];
        F[out + j] = z > 0 ? z : Math.expm1(z);
      }
      return;
    case "softmax":
      for (let r = 0; r < B; r++) {
        const io = inp + r * m, oo = out + r * m;
        let max = -Infinity;
        for (let j = 0; j < m; j++) max = Math.max(max, F[io + j]);
        let s = 0;
        for (let j = 0; j < m; j++) {
          const e = Math.exp(F[io + j] - max);
          F[oo + j] = e;
          s += e;
        }
        for (let j = 0; j < m; j++) F[oo + j] /= s;
      }
      return;
    default:
      throw new RangeError(`activation must be one the fast path knows, got ${act.name}`);
  }
}

/** g ← g ⊙ f′ in place, from the activation's output a (softmax: a ⊙ (g − Σ g⊙a)). */
function actBackward(
  F: Float32Array,
  k: MlpSimd,
  act: { name: string; alpha: number },
  a: number,
  g: number,
  B: number,
  m: number,
): void {
  const n = B * m;
  switch (act.name) {
    case "linear":
      return;
    case "relu":
      k.actGrad(g * 4, a * 4, n, ACT.relu, 0);
      return;
    case "leakyRelu": {
      const alpha = act.alpha;
      if (actCode(act) === ACT.leakyRelu) k.actGrad(g * 4, a * 4, n, ACT.leakyRelu, alpha);
      else for (let j = 0; j < n; j++) F[g + j] *= F[a + j] > 0 ? 1 : alpha;
      return;
    }
    case "sigmoid":
      for (let j = 0; j < n; j++) {
        const y = F[a + j];
        F[g + j] *= y * (1 - y);
      }
      return;
    case "tanh":
      for (let j = 0; j < n; j++) {
        const y = F[a + j];
        F[g + j] *= 1 - y * y;
      }
      return;
    case "elu":
      for (let j = 0; j < n; j++) {
        const y = F[a + j];
        F[g + j] *= y > 0 ? 1 : y + 1;
      }
      return;
    case "softmax":
      for (let r = 0; r < B; r++) {
        const ao = a + r * m, go = g + r * m;
        let s = 0;
        for (let j = 0; j < m; j++) s += F[go + j] * F[ao + j];
        for (let j = 0; j < m; j++) F[go + j] = F[ao + j] * (F[go + j] - s);
      }
      return;
    default:
      throw new RangeError(`activation must be one the fast path knows, got ${act.name}`);
  }
}

/**
 * Batch norm in training: batch mean μ and biased variance σ², x̂ = (x − μ)/√(σ² + ε),
 * out = γ·x̂ + β, moving averages m ← m − (1 − momentum)(m − μ_B) (same for the variance).
 * Column sums in double precision (bnSums), then the per-column arithmetic here.
 */
function bnForward(
  F: Float32Array,
  D: Float64Array<ArrayBufferLike>,
  k: MlpSimd,
  e: EStep,
  inp: number,
  zeros: number,
  B: number,
): void {
  const m = e.outDim, decay = 1 - e.momentum, mean = e.mean, inv = e.invStd;
  const s1 = e.s1 / 2, s2 = e.s2 / 2;
  k.bnSums(inp * 4, inp * 4, zeros * 4, e.s1 * 4, e.s2 * 4, B, m, 0);
  for (let j = 0; j < m; j++) F[mean + j] = D[s1 + j] / B;
  k.bnSums(inp * 4, inp * 4, mean * 4, e.s1 * 4, e.s2 * 4, B, m, 1);
  for (let j = 0; j < m; j++) {
    const variance = Math.fround(D[s2 + j] / B), mu = F[mean + j];
    F[inv + j] = 1 / Math.sqrt(variance + e.epsilon);
    F[e.mm + j] = F[e.mm + j] - (F[e.mm + j] - mu) * decay;
    F[e.mv + j] = F[e.mv + j] - (F[e.mv + j] - variance) * decay;
  }
  k.bnNormalize(
    inp * 4,
    mean * 4,
    inv * 4,
    e.gamma * 4,
    e.beta * 4,
    e.xhat * 4,
    e.out * 4,
    B,
    m,
  );
}

/**
 * Batch norm backward: ∂γ = Σ g⊙x̂, ∂β = Σ g into their gradients; when the step passes a
 * gradient on, ∂x = (1/σ)(g⊙γ − mean(g⊙γ) − x̂ ⊙ mean(g⊙γ⊙x̂)) into `out`. Returns whether
 * it did. Sums and the input gradient in double precision.
 */
function bnBackward(
  F: Float32Array,
  D: Float64Array<ArrayBufferLike>,
  k: MlpSimd,
  e: EStep,
  g: number,
  out: number,
  zeros: number,
  B: number,
): boolean {
  const m = e.outDim, s1 = e.s1 / 2, s2 = e.s2 / 2;
  k.bnSums(g * 4, e.xhat * 4, zeros * 4, e.s1 * 4, e.s2 * 4, B, m, 0);
  if (e.gw >= 0) { for (let j = 0; j < m; j++) F[e.gw + j] = D[s2 + j]; }
  if (e.gb >= 0) { for (let j = 0; j < m; j++) F[e.gb + j] = D[s1 + j]; }
  if (!e.needGrad) return false;
  // the sums become mean(g⊙γ) and mean(g⊙γ⊙x̂)
  for (let j = 0; j < m; j++) {
    const gamma = e.w >= 0 ? F[e.w + j] : 1;
    D[s1 + j] = D[s1 + j] * gamma / B;
    D[s2 + j] = D[s2 + j] * gamma / B;
  }
  k.bnGrad(g * 4, e.xhat * 4, e.gamma * 4, e.s1 * 4, e.s2 * 4, e.invStd * 4, out * 4, B, m);
  return true;
}
